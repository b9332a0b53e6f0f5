"""Reminders through a real Celery worker and the Redis broker (services mode only).

The worker is a thread of this process, so it shares locmem's `mail.outbox` with the test.
"""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from cxcoe import celery_app, reminders, tasks
from cxcoe.models import Notification, Reminder, SweepRun

pytestmark = pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                                reason="needs the Redis broker (make test uses it when Redis answers)")


def wait_until(check, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture
def worker(transactional_db):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield
    celery_app.conf.task_always_eager = True


def test_a_real_worker_sweeps_then_sends_a_review_reminder(worker, sales, leo):
    sales.owner = leo
    sales.next_review_on = timezone.localdate() + timedelta(days=7)
    sales.save()

    tasks.run_sweep.delay("reviews")
    run = wait_until(lambda: SweepRun.objects.filter(name="reviews").exclude(status=SweepRun.Status.RUNNING).first(),
                     "the sweep to finish")
    assert (run.status, run.declared) == (SweepRun.Status.OK, 1)
    assert Reminder.objects.get().status == Reminder.Status.PENDING

    tasks.send_reminders.delay()
    note = wait_until(lambda: Notification.objects.filter(recipient=leo).first(), "leo's notification")
    wait_until(lambda: mail.outbox, "the email")
    assert note.title == "Review Sales: due in 7 days"
    assert [message.to for message in mail.outbox] == [["leo@acme.example"]]
    assert wait_until(lambda: Reminder.objects.filter(status=Reminder.Status.SENT).exists(), "the mark")


def test_a_committed_message_is_delivered_by_the_worker(worker, sales, leo, eve):
    reminders.notify(recipients=[leo, eve], kind="message", target=sales, key="town-hall-1",
                     title="Town hall on Friday", body="Join us.")

    wait_until(lambda: len(mail.outbox) == 2, "two emails")
    assert sorted(Notification.objects.values_list("recipient__email", flat=True)) == [
        "eve@acme.example", "leo@acme.example"]
    assert wait_until(lambda: Reminder.objects.filter(status=Reminder.Status.SENT).count() == 2, "both marks")
