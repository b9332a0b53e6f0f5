"""A real Celery worker for the tests that need one: a thread of the test process on the Redis broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from cxcoe import celery_app

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
