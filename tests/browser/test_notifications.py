import re
import uuid
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from cxcoe.lib import queueing
from cxcoe.models import (
    BusinessUnit,
    Notification,
    NotificationPreference,
    QueuedTask,
    Reminder,
    SweepRun,
    User,
    WorkerHeartbeat,
)
from cxcoe.notifications import inbox, reminders

from .conftest import check_page

pytestmark = pytest.mark.browser


def _review_reminder_for_leo() -> BusinessUnit:
    """Leo owns Sales, whose review is three days away; the sweep and the sender run as beat would run them."""
    leo = User.objects.get(email="leo@acme.example")
    inbox.mark_all_read(user=leo)  # whatever the demo already sent him is read
    sales = BusinessUnit.objects.get(code="SAL")
    BusinessUnit.objects.filter(pk=sales.pk).update(owner=leo, next_review_on=timezone.localdate() + timedelta(days=3))
    reminders.run_sweep(name="reviews")
    reminders.send_reminders()
    return sales


def test_leader_follows_a_review_reminder_from_the_bell_to_the_unit(sign_in, live_server):
    sales = _review_reminder_for_leo()
    page = sign_in("leo@acme.example")
    bell = page.get_by_role("link", name="Notifications: 1 unread")
    expect(bell.locator(".notif-count")).to_have_text("1")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.locator(".notification-unread")).to_have_count(1)
    check_page(page, "notifications-inbox")
    page.locator(".notification-unread").get_by_role("link", name=re.compile(r"^Review Sales")).click()
    expect(page).to_have_url(f"{live_server.url}/manage/units/{sales.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales")
    expect(page.locator(".notif-count")).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    assert not Notification.objects.filter(recipient__email="leo@acme.example", read_at=None).exists()


def test_mark_as_read_updates_the_row_and_the_bell_in_place(sign_in, live_server):
    _review_reminder_for_leo()
    leo = User.objects.get(email="leo@acme.example")
    Notification.objects.create(recipient=leo, kind="message", title="Town hall on Friday",
                                body="The CoE shares this quarter's customer feedback. Bring questions.", url="/")
    page = sign_in("leo@acme.example")
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_role("button", name="Mark all 2 as read")).to_be_visible()
    page.get_by_role("button", name="Mark as read: Town hall on Friday").click()
    expect(page.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()
    expect(page.get_by_role("button", name="Mark 1 as read")).to_be_visible()
    expect(page.locator(".notification-unread")).to_have_count(1)
    expect(page.get_by_role("link", name="Town hall on Friday")).to_be_focused()
    assert Notification.objects.get(title="Town hall on Friday").read_at is not None
    page.get_by_role("button", name="Mark 1 as read").click()
    expect(page.get_by_text("Marked 1 notification as read.")).to_be_visible()
    expect(page.locator(".notification-unread")).to_have_count(0)
    check_page(page, "notifications-all-read")


def test_a_leader_approves_and_the_request_in_his_inbox_reads_done(sign_in, live_server):
    leo = User.objects.get(email="leo@acme.example")
    page = sign_in("leo@acme.example")
    page.goto(f"{live_server.url}/notifications/")
    asking = re.compile(r"^Approve CX-STD-008 v1: ")
    request = page.locator(".notification").filter(has=page.get_by_role("link", name=asking))
    expect(request.locator(".badge")).to_have_text("New")
    unread = set(Notification.objects.unread().filter(recipient=leo).values_list("pk", flat=True))
    # He decides from "My work", without opening the notification: it is done, not read.
    page.goto(f"{live_server.url}/")
    page.get_by_role("region", name="Waiting for your approval").get_by_role("link").first.click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Version 1 of CX-STD-008 is approved and current.")).to_be_visible()
    page.goto(f"{live_server.url}/notifications/")
    expect(request.locator(".badge")).to_have_text("Done")
    expect(request.get_by_role("button", name=re.compile("^Mark as read"))).to_have_count(0)
    # Of what was unread before, only the request has left the bell (publishing brings him news of its own).
    assert Notification.objects.unread().filter(pk__in=unread).count() == len(unread) - 1
    check_page(page, "notifications-done")


def test_empty_inbox_and_preferences(sign_in, live_server):
    page = sign_in("eve@acme.example")
    Notification.objects.filter(recipient__email="eve@acme.example").delete()
    page.goto(f"{live_server.url}/notifications/")
    expect(page.get_by_text("You have no notifications yet.")).to_be_visible()
    check_page(page, "notifications-empty")
    page.get_by_role("link", name="Email preferences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification preferences")
    check_page(page, "notification-preferences")
    page.get_by_label("Email me").select_option("daily")
    page.get_by_label("Reviews due").select_option("none")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your notification preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Email me")).to_have_value("daily")
    saved = dict(NotificationPreference.objects.filter(user__email="eve@acme.example").values_list("kind", "delivery"))
    assert saved == {"": "daily", "review.due": "none"}


def test_coe_staff_operations_page(sign_in, live_server):
    amir = User.objects.get(email="amir@acme.example")
    Reminder.objects.create(recipient=amir, kind="review.due", period="2026-03-09/before-7", status="failed",
                            target_type=ContentType.objects.get_for_model(BusinessUnit), attempts=5,
                            target_id=amir.business_unit_id,
                            last_error="SMTPRecipientsRefused: {'amir@acme.example': (550, b'Mailbox unavailable')}")
    # The worker was last seen ten minutes ago, and an import waits that could not be handed to the broker.
    WorkerHeartbeat.objects.update(hostname="celery@web-1", seen_at=timezone.now() - timedelta(minutes=10))
    QueuedTask.objects.create(task="cxcoe.tasks.validate_import", args=[1], key="cxcoe.tasks.validate_import:[1]",
                              token=uuid.uuid4(), label="Check the import people.csv",
                              nudge_error="OperationalError: Error 111 connecting to redis:6379. Connection refused.")
    page = sign_in("olivia@acme.example")
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Operations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations")
    expect(page.get_by_role("alert").filter(has_text="Background work is held up")).to_contain_text(
        "No background worker has reported in for 10 minutes.")
    expect(page.get_by_role("cell", name="Check the import people.csv")).to_be_visible()
    expect(page.get_by_role("cell", name="Mailbox unavailable")).to_be_visible()
    check_page(page, "operations")
    queueing.record_heartbeat(hostname="celery@web-1")
    runs = SweepRun.objects.filter(name="reviews").count()
    page.get_by_role("button", name="Run now: Review cycles").click()
    expect(page.get_by_text("Review cycles: queued.")).to_be_visible()
    assert SweepRun.objects.filter(name="reviews").count() == runs + 1
    page.get_by_role("button", name=re.compile("^Retry")).click()
    expect(page.get_by_text("The reminder to Amir Haddad will be sent again.")).to_be_visible()
    expect(page.get_by_text("No failed deliveries.")).to_be_visible()
    check_page(page, "operations-after-retry")
