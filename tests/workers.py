"""A real Celery worker for the tests that need one (a thread of the test process on the Redis broker), and
the tools of the outage tests: a Redis server of their own, and this process's task messages pointed at it."""

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from cxcoe import celery_app
from cxcoe.lib import queueing

needs_redis_broker = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                                        reason="needs the Redis broker (make test uses it when Redis answers)")


@pytest.fixture
def worker(transactional_db):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield
    celery_app.conf.task_always_eager = True


def wait_until(check, what: str, seconds: float = 30):
    """Poll `check()` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def broker_pointed_at(url: str):
    """Publish this process's task messages to `url` (a real broker, or a closed port to play an outage)."""
    conf = celery_app.conf
    # Celery reads CELERY_BROKER_URL from the environment before its own settings, so both change.
    saved = conf.broker_url, conf.task_always_eager, os.environ.get("CELERY_BROKER_URL")

    def forget_connections():
        # Celery keeps a connection pool and a producer pool built from the broker URL: build them again.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        queueing._broker_down_until = 0.0

    forget_connections()
    conf.broker_url, conf.task_always_eager, os.environ["CELERY_BROKER_URL"] = url, False, url
    try:
        yield
    finally:
        forget_connections()
        conf.broker_url, conf.task_always_eager = saved[:2]
        if saved[2] is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved[2]


class RedisServer:
    """A redis-server of the test's own on a free port, which the test can stop and start again."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_until(lambda: _answers(client), "redis-server to answer", seconds=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False
