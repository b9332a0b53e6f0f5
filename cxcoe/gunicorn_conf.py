"""gunicorn's settings for cxcoe (`gunicorn cxcoe.wsgi --config python:cxcoe.gunicorn_conf`), used by bin/serve
and the Procfile. Environment variables override the defaults, which suit a machine with 2 cores.

Requests wait mostly on PostgreSQL, so each worker process runs threads: 3 processes of 4 threads on 2
cores keep both cores busy without running out of memory. Raise WEB_CONCURRENCY with the cores
(2 x cores + 1 is the usual start) and keep the database's max_connections above processes x threads.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A slow request (a large CSV export) may take a while; a stuck one is killed after this long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Restart each process after this many requests (with jitter), so a slow leak can't grow without end.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
