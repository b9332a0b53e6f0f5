"""The import's background path through a real Celery worker and the Redis broker (services mode only)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cxcoe import imports
from cxcoe.models import ImportJob, User

from ..workers import needs_redis_broker, wait_until

pytestmark = needs_redis_broker


def wait_for(job: ImportJob, status: str) -> ImportJob:
    def reached():
        job.refresh_from_db()
        return job.status == status

    wait_until(reached, f"import #{job.pk} to be {status}")
    return job


def test_a_real_worker_checks_then_applies_an_upload(worker, olivia, sales):
    people = b"email,display_name,bu_code,job_title,roles\nnew.person@acme.example,New Person,SAL,Analyst,\n"

    job = imports.start_import(by=olivia, people_file=SimpleUploadedFile("people.csv", people))
    job = wait_for(job, ImportJob.Status.PREVIEW)
    assert job.summary["people"]["created"] == 1
    assert not User.objects.filter(email="new.person@acme.example").exists()

    assert imports.request_apply(job=job, by=olivia)
    wait_for(job, ImportJob.Status.DONE)
    assert User.objects.get(email="new.person@acme.example").business_unit == sales
