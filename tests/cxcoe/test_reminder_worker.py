"""Reminders through a real Celery worker and the Redis broker (services mode only).

The worker is a thread of this process, so it shares locmem's `mail.outbox` with the test.
"""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from cxcoe import tasks
from cxcoe.models import Notification, Reminder, SweepRun
from cxcoe.notifications import reminders

from ..workers import needs_redis_broker, wait_until

pytestmark = needs_redis_broker


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
