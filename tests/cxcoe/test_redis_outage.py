"""Redis stops for a while: nothing answers 5xx, and once it is back everything that waited runs, once.

The test starts a redis-server of its own and a real Celery worker with its beat in another process (on
the test database, which is why this needs PostgreSQL). The web side is this process, its cache and its
task messages pointed at that Redis. While Redis is stopped, Olivia signs in, approves a standard (its
first acknowledgement reminders are queued), applies one import and starts another, and runs a sweep.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from cxcoe import imports
from cxcoe.models import ImportJob, Notification, QueuedTask, Reminder, SweepRun, User, WorkerHeartbeat
from standards import kinds as standards_kinds
from standards.models import Acknowledgement, StandardVersion
from standards.services.versions import submit_version

from ..factories import PASSWORD, UserFactory
from ..standards.factories import StandardFactory
from ..workers import RedisServer, broker_pointed_at, wait_until

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker_process(private_redis, tmp_path):
    """`celery worker -B` in a process of its own, on the test database and the private Redis."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the test database to be PostgreSQL")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": private_redis.url(0),
        "CACHE_URL": private_redis.url(1),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CXCOE_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Beat looks for waiting work every second and nudges what waited two seconds (minutes in production).
        "CXCOE_RENUDGE_EVERY_SECONDS": "1",
        "CXCOE_RENUDGE_AFTER_SECONDS": "2",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own worker command line
        [str(Path(sys.executable).with_name("celery")), "-A", "cxcoe", "worker", "-B", "--pool=solo",
         "--loglevel=INFO", "--hostname=outage@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: WorkerHeartbeat.objects.filter(hostname__startswith="outage@").exists(),
                   "the worker to report in", seconds=60)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_work_started_while_redis_is_down_runs_once_when_it_is_back(
        client, settings, private_redis, worker_process, olivia, leo, amir, eve, bianca, sales, support):
    settings.CACHES = {"default": {"BACKEND": "cxcoe.lib.cache.FallbackRedisCache", "LOCATION": private_redis.url(1),
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}}
    sales.owner, sales.next_review_on = leo, timezone.localdate()
    sales.save()
    standard = StandardFactory(approver=olivia, requires_acknowledgement=True, audience_units=[sales, support])
    submit_version(version=standard.open_version(), by=UserFactory(coe_staff=True))
    checked = imports.create_import(by=olivia, people_name="joiner.csv", people_text=(
        "email,display_name,bu_code,job_title,roles\njoiner@acme.example,Jo Iner,SAL,Analyst,\n"))
    assert imports.validate_import(job_id=checked.pk).status == ImportJob.Status.PREVIEW
    before = timezone.now()

    private_redis.stop()
    responses = []
    with broker_pointed_at(private_redis.url(0)):
        # 1. Sign in: the failed-sign-in limit reads the cache.
        responses.append(client.post(reverse("account_login"), {"login": olivia.email, "password": PASSWORD}))
        assert int(client.session["_auth_user_id"]) == olivia.pk
        # 2. Approve the standard: acknowledgement requests now, their first reminders queued.
        responses.append(client.post(reverse("standards:version-approve", args=[standard.pk]), {"comment": "Go"}))
        # 3. Apply the checked import, and upload another one to check.
        responses.append(client.post(reverse("import-apply", args=[checked.pk])))
        upload = SimpleUploadedFile("second.csv", b"email,display_name,bu_code,job_title,roles\n"
                                                  b"second@acme.example,Sec Ond,SUP,Agent,\n")
        responses.append(client.post(reverse("import-list"), {"people_file": upload}))
        # 4. Run a sweep from the operations page.
        responses.append(client.post(reverse("operations-run-sweep", args=["reviews"]), follow=True))
        operations = client.get(reverse("operations"))
        responses.append(operations)

    assert [response.status_code for response in responses] == [302, 302, 302, 302, 200, 200]
    assert "The background worker can&#x27;t be reached right now." in responses[4].text
    assert "The task broker can&#x27;t be reached." in operations.text
    version = standard.versions.get()
    assert version.status == StandardVersion.Status.CURRENT
    asked = Acknowledgement.objects.filter(version=version, status=Acknowledgement.Status.PENDING)
    assert sorted(asked.values_list("person__email", flat=True)) == sorted(
        person.email for person in (leo, amir, eve, bianca))
    second = ImportJob.objects.exclude(pk=checked.pk).get()
    waiting = QueuedTask.objects.filter(queued_at__gte=before)
    assert sorted(waiting.values_list("task", "status")) == [
        ("cxcoe.tasks.apply_import", "pending"), ("cxcoe.tasks.run_sweep", "pending"),
        ("cxcoe.tasks.validate_import", "pending"), ("standards.tasks.sweep_standard_acknowledgements", "pending")]
    assert all(row.nudge_error for row in waiting)
    assert not SweepRun.objects.filter(started_at__gte=before).exists()

    private_redis.start()

    def all_done():
        return (not QueuedTask.objects.waiting().exists()
                and not Reminder.objects.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]).exists())

    wait_until(all_done, "the queued work to run and every reminder to be sent", seconds=120)
    assert sorted(waiting.values_list("task", "status", "runs")) == [
        ("cxcoe.tasks.apply_import", "done", 1), ("cxcoe.tasks.run_sweep", "done", 1),
        ("cxcoe.tasks.validate_import", "done", 1), ("standards.tasks.sweep_standard_acknowledgements", "done", 1)]
    checked.refresh_from_db()
    second.refresh_from_db()
    assert (checked.status, second.status) == (ImportJob.Status.DONE, ImportJob.Status.PREVIEW)
    assert User.objects.get(email="joiner@acme.example").business_unit == sales
    runs = SweepRun.objects.filter(name="reviews", started_at__gte=before)
    assert [(run.status, run.declared) for run in runs] == [(SweepRun.Status.OK, 1)]
    # Each person asked got one acknowledgement reminder, sent once; Leo's review reminder too.
    ack_reminders = Reminder.objects.filter(kind=standards_kinds.ACK_DUE)
    assert sorted(ack_reminders.values_list("recipient__email", "status")) == sorted(
        (person.email, "sent") for person in (leo, amir, eve, bianca))
    assert Reminder.objects.get(kind="review.due").recipient == leo
    doubled = Notification.objects.values("recipient", "title").annotate(n=Count("pk")).filter(n__gt=1)
    assert list(doubled) == []
    assert Notification.objects.filter(recipient=leo).count() == 2
