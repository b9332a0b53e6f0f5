#!/usr/bin/env python3
"""Decide where `make test` runs and print the environment for it as shell `export` lines.

Services mode: PostgreSQL and Redis answer on 127.0.0.1, so the tests use them (as CI does).
Embedded mode: one of them is missing, so the tests use SQLite and eager Celery, and say so in one line.
Without Chromium or axe-core it says in one line that the browser tests are skipped, and the command that
installs what is missing. With CXCOE_REQUIRE_SERVICES=1 a missing PostgreSQL, Redis, Chromium or axe-core is
an error instead. With CXCOE_TEST_MODE=sqlite the tests use the embedded mode even when the services answer
(CI runs the form fuzz test a second time this way: SQLite fails differently on bad input).

Run by bin/test with the project's virtualenv; messages go to stderr, the exports to stdout.
"""

import os
import shlex
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG_PORT = 5432
REDIS_PORT = 6379
CHROMIUM = Path(os.environ.get("CXCOE_CHROMIUM", "/usr/bin/chromium"))  # tests/browser reads the same
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"  # the HTML checker, run with Java
JAVA = Path(os.environ.get("CXCOE_JAVA", "/usr/bin/java"))
# Tests get a var/ of their own, so uploads, the file cache and the filesystem broker never touch
# the data of a `make run` on the same checkout.
TEST_VAR_DIR = ROOT / "var" / "test"
# Two checkouts on one machine can run their suites side by side by choosing their own database name
# (pytest-django prefixes it with test_) and their own pair of Redis databases (broker, cache).
TEST_DATABASE = os.environ.get("CXCOE_TEST_DATABASE", "cxcoe")
TEST_REDIS_DBS = os.environ.get("CXCOE_TEST_REDIS_DBS", "14,15").split(",")


def postgres_problem() -> str | None:
    """Return None when PostgreSQL answers (creating the test database if absent), else why not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(host=HOST, port=PG_PORT, user="postgres", dbname="postgres",
                             connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEST_DATABASE]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{TEST_DATABASE}"')
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def redis_problem() -> str | None:
    """Return None when Redis answers PING, else why not."""
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - redis is a dependency
        return f"the redis package is not installed ({exc})"
    client = redis.Redis(host=HOST, port=REDIS_PORT, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        return str(exc) or type(exc).__name__
    finally:
        client.close()
    return None


def browser_problems() -> tuple[list[str], str]:
    """What the browser tests and the HTML check (tests/test_valid_html.py) miss: Chromium, Java, axe-core,
    vnu-jar; and the one command that installs it."""
    missing, packages = [], []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium ({CHROMIUM})")
        packages.append("chromium")
    if not os.access(JAVA, os.X_OK):
        missing.append(f"Java ({JAVA})")
        packages.append("default-jre-headless")
    npm_missing = [f"{name} ({path.relative_to(ROOT)})" for name, path in [("axe-core", AXE), ("vnu-jar", VNU)]
                   if not path.is_file()]
    missing.extend(npm_missing)
    # bin/test runs npm ci itself when npm is there, so without npm that is what to install.
    if npm_missing and not shutil.which("npm"):
        packages.append("npm")
    commands = [f"apt-get install -y {' '.join(packages)}"] if packages else []
    if npm_missing:
        commands.append("npm ci")
    return missing, " && ".join(commands)


def main() -> int:
    require = os.environ.get("CXCOE_REQUIRE_SERVICES", "").strip().lower() in {"1", "true", "yes", "on"}
    mode = os.environ.get("CXCOE_TEST_MODE", "auto").strip().lower() or "auto"
    if mode not in {"auto", "sqlite"}:
        print(f"cxcoe tests: CXCOE_TEST_MODE is {mode!r}; use auto or sqlite", file=sys.stderr)
        return 1
    if mode == "sqlite":
        pg, rd = "CXCOE_TEST_MODE=sqlite", "CXCOE_TEST_MODE=sqlite"
        require = False  # the services are left out on purpose
    else:
        pg = postgres_problem()
        rd = redis_problem()

    problems = []
    if pg:
        problems.append(f"PostgreSQL on {HOST}:{PG_PORT} (role postgres): {pg}")
    if rd:
        problems.append(f"Redis on {HOST}:{REDIS_PORT}: {rd}")
    browser_missing, install = browser_problems()
    problems.extend(browser_missing)

    if require and problems:
        print("cxcoe tests: CXCOE_REQUIRE_SERVICES=1 but these are missing:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        if browser_missing:
            print(f"  install the browser tools with: {install}", file=sys.stderr)
        return 1

    env = {
        "CXCOE_REQUIRE_SERVICES": "1" if require else "0",
        "CXCOE_VAR_DIR": str(TEST_VAR_DIR),
    }
    if not pg and not rd:
        print(f"cxcoe tests: on PostgreSQL and Redis at {HOST}", file=sys.stderr)
        env |= {
            "DATABASE_URL": f"postgres://postgres@{HOST}:{PG_PORT}/{TEST_DATABASE}",
            "CELERY_BROKER_URL": f"redis://{HOST}:{REDIS_PORT}/{TEST_REDIS_DBS[0]}",
            "CACHE_URL": f"redis://{HOST}:{REDIS_PORT}/{TEST_REDIS_DBS[1]}",
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    else:
        if mode == "sqlite":
            print("cxcoe tests: CXCOE_TEST_MODE=sqlite, running on SQLite with eager Celery", file=sys.stderr)
        else:
            missing = "/".join(name for name, problem in (("PostgreSQL", pg), ("Redis", rd)) if problem)
            print(f"cxcoe tests: {missing} not reachable on {HOST}, running on SQLite with eager Celery",
                  file=sys.stderr)
        env |= {
            # pytest-django runs SQLite tests on an in-memory database; this file is only the default.
            "DATABASE_URL": f"sqlite:///{TEST_VAR_DIR / 'cxcoe.sqlite3'}",
            "CELERY_BROKER_URL": "filesystem://localhost//",
            "CACHE_URL": "locmem://",
            "CELERY_TASK_ALWAYS_EAGER": "1",
        }
    if browser_missing:
        print(f"cxcoe tests: the browser tests (tests/browser/) will be skipped, missing "
              f"{' and '.join(browser_missing)}; install with: {install}", file=sys.stderr)

    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
