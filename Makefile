# Each target is a small script in bin/; the scripts hold the logic and can be run directly.
# `make test ARGS="-k standards -x"` passes ARGS on to pytest.

ARGS ?=
PORT ?= 8000

.PHONY: help run serve test lint worker demo bench venv

help:
	@echo "make run     migrate, load the demo data on first run, start the web server and a worker with beat (PORT=8000)"
	@echo "make serve   production: migrate, collectstatic, then gunicorn, a worker and one beat (services mode)"
	@echo "make test    run the tests (PostgreSQL + Redis when they answer, else SQLite); ARGS=... goes to pytest"
	@echo "make lint    ruff check, mypy and makemigrations --check"
	@echo "make worker  a Celery worker without beat"
	@echo "make demo    migrate and load the demo organization (idempotent)"
	@echo "make bench   run the scripts in bench/"

run:
	@PORT=$(PORT) bin/run

serve:
	@PORT=$(PORT) bin/serve

test:
	@bin/test $(ARGS)

lint:
	@bin/lint

worker:
	@bin/worker

demo:
	@bin/demo

bench:
	@bin/bench

venv:
	@bin/venv
