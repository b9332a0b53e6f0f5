"""The import's background path through a real Celery worker and the Redis broker (services mode only)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cxcoe import celery_app, imports
from cxcoe.models import ImportJob, User

pytestmark = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                                reason="needs the Redis broker (make test uses it when Redis answers)")


def wait_for(job: ImportJob, status: str, seconds: float = 30) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        time.sleep(0.1)
    raise AssertionError(f"import stayed {job.status}, expected {status}")


@pytest.fixture
def worker(transactional_db):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield
    celery_app.conf.task_always_eager = True


def test_a_real_worker_checks_then_applies_an_upload(worker, olivia, sales):
    people = b"email,display_name,bu_code,job_title,roles\nnew.person@acme.example,New Person,SAL,Analyst,\n"

    job = imports.start_import(by=olivia, people_file=SimpleUploadedFile("people.csv", people))
    job = wait_for(job, ImportJob.Status.PREVIEW)
    assert job.summary["people"]["created"] == 1
    assert not User.objects.filter(email="new.person@acme.example").exists()

    assert imports.request_apply(job=job, by=olivia)
    wait_for(job, ImportJob.Status.DONE)
    assert User.objects.get(email="new.person@acme.example").business_unit == sales
