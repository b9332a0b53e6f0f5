from datetime import date, timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import AuditEvent, BusinessUnit, Notification, QueuedTask, Reminder, SweepRun
from cxcoe.notifications import reminders
from standards import kinds
from standards.models import Acknowledgement

from ..factories import UserFactory
from ..standards.factories import CommunicationFactory, PlanFactory, StandardFactory, publish_standard
from ..steps import ISO_DATE, RAW_ID, csv_lines, page_text, same_queries_after


class BrokenEmailBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def ledger_row(recipient, unit, *, status=Reminder.Status.PENDING, kind="review.due", period="2026-03-09/before-7",
               **fields) -> Reminder:
    return Reminder.objects.create(recipient=recipient, kind=kind, status=status, period=period,
                                   target_type=ContentType.objects.get_for_model(BusinessUnit), target_id=unit.pk,
                                   **fields)


def test_operations_page_shows_each_sweep_with_its_last_run(client, olivia):
    started = timezone.now() - timedelta(days=1)
    SweepRun.objects.create(name="reviews", started_at=started, finished_at=started, status="ok", declared=4)
    SweepRun.objects.create(name="reviews", status="failed", finished_at=timezone.now(),
                            error="OperationalError: the database went away")
    client.force_login(olivia)
    response = client.get(reverse("operations"))
    sweeps = {sweep.name: run for sweep, run in response.context["sweeps"]}
    assert set(sweeps) == set(reminders.SWEEPS)
    assert sweeps["reviews"].status == "failed"
    assert "OperationalError: the database went away" in response.text
    assert reverse("operations-run-sweep", args=["reviews"]) in response.text


def test_a_sweep_that_never_ran_says_so(client, olivia):
    client.force_login(olivia)
    response = client.get(reverse("operations"))
    assert dict((sweep.name, run) for sweep, run in response.context["sweeps"])["reviews"] is None
    assert "Never run" in response.text


def test_run_now_twice_queues_the_sweep_once(client, olivia, owned_sales, leo, django_capture_on_commit_callbacks):
    client.force_login(olivia)
    # The first press waits in the queue (its nudge is held back here), so the second one finds it there.
    with django_capture_on_commit_callbacks(execute=False) as nudges:
        first = client.post(reverse("operations-run-sweep", args=["reviews"]), follow=True)
    second = client.post(reverse("operations-run-sweep", args=["reviews"]), follow=True)
    assert "Review cycles: queued." in first.text
    assert "Review cycles: already queued or running." in second.text
    waiting = QueuedTask.objects.get()
    assert (waiting.task, waiting.args, waiting.status) == ("cxcoe.tasks.run_sweep", ["reviews"], "pending")
    assert [row.label for row in second.context["queue"]["rows"]] == ["Sweep: Review cycles"]
    for nudge in nudges:
        nudge()
    run = SweepRun.objects.get(name="reviews")
    assert (run.status, run.declared) == (SweepRun.Status.OK, 1)
    assert Reminder.objects.get().recipient == leo
    assert AuditEvent.objects.filter(verb="sweep.requested", actor=olivia).count() == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.runs) == ("done", 1)
    after = client.get(reverse("operations"))
    assert dict((sweep.name, run) for sweep, run in after.context["sweeps"])["reviews"] == run


def test_an_unknown_sweep_answers_404(client, olivia):
    client.force_login(olivia)
    assert client.post(reverse("operations-run-sweep", args=["nightly-backup"])).status_code == 404
    assert not SweepRun.objects.exists()
    assert not AuditEvent.objects.filter(verb="sweep.requested").exists()


def test_ledger_counts_by_status_and_lists_failed_rows(client, olivia, leo, amir, sales):
    ledger_row(leo, sales, status="sent", sent_at=timezone.now())
    ledger_row(leo, sales, status="pending", period="2026-03-09/before-1")
    ledger_row(amir, sales, status="failed", attempts=5, last_error="SMTPRecipientsRefused: amir@acme.example")
    client.force_login(olivia)
    response = client.get(reverse("operations"))
    counts = {value: count for value, _label, count in response.context["counts"]}
    assert counts == {"pending": 1, "sending": 0, "sent": 1, "failed": 1, "cancelled": 0}
    assert [row.recipient for row in response.context["failed"]] == [amir]
    assert "SMTPRecipientsRefused: amir@acme.example" in response.text
    assert response.context["failed"][0].kind_label == "Reviews due"


def test_non_staff_get_403_and_nothing_runs(client, leo, owned_sales):
    client.force_login(leo)
    assert client.get(reverse("operations")).status_code == 403
    assert client.post(reverse("operations-run-sweep", args=["reviews"])).status_code == 403
    assert not SweepRun.objects.exists()


def test_retry_puts_a_failed_row_back_in_the_queue(client, olivia, amir, sales):
    row = ledger_row(amir, sales, status="failed", attempts=5, last_error="SMTPServerDisconnected: closed",
                     next_attempt_at=timezone.now() - timedelta(days=2))
    client.force_login(olivia)
    response = client.post(reverse("operations-retry", args=[row.pk]), follow=True)
    assert "The reminder to Amir Haddad will be sent again." in response.text
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Reminder.Status.PENDING, 0)
    assert timezone.now() - row.next_attempt_at < timedelta(minutes=1)
    event = AuditEvent.objects.get(verb="reminder.retried")
    assert event.actor == olivia
    assert event.details["recipient"] == "amir@acme.example"
    assert event.details["attempts"] == 5


def test_only_failed_rows_can_be_retried(client, olivia, leo, sales):
    sent = ledger_row(leo, sales, status="sent", attempts=1, sent_at=timezone.now())
    client.force_login(olivia)
    assert client.post(reverse("operations-retry", args=[sent.pk])).status_code == 404
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (Reminder.Status.SENT, 1)
    assert not AuditEvent.objects.filter(verb="reminder.retried").exists()


def test_a_retried_reminder_is_emailed_once_the_mail_server_is_back(
    client, olivia, leo, owned_sales, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenEmailBackend"
    settings.CXCOE_DELIVERY_MAX_ATTEMPTS = 1
    reminders.run_sweep(name="reviews")
    reminders.send_reminders()
    row = Reminder.objects.get()
    assert (row.status, row.last_error) == (Reminder.Status.FAILED,
                                            "SMTPServerDisconnected: Connection unexpectedly closed")
    assert Notification.objects.get(recipient=leo).email_state == Notification.Email.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(olivia)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("operations-retry", args=[row.pk]))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Reminder.Status.SENT, 1, "")
    assert [message.to for message in mail.outbox] == [["leo@acme.example"]]
    assert Notification.objects.get(recipient=leo).email_state == Notification.Email.SENT
    assert Notification.objects.count() == 1


def test_ledger_filters_by_status_and_kind(client, olivia, leo, sales):
    ledger_row(leo, sales, status="sent", sent_at=timezone.now(), period="p1")
    ledger_row(leo, sales, status="pending", period="p2")
    ledger_row(leo, sales, status="pending", kind="message", period="p3")
    client.force_login(olivia)
    rows = client.get(reverse("operations"), {"status": "pending", "kind": "review.due"}).context["rows"]
    assert [row.period for row in rows] == ["p2"]
    rows = client.get(reverse("operations"), {"status": "pending"}).context["rows"]
    assert [row.period for row in rows] == ["p3", "p2"]


def test_ledger_export_follows_the_filters(client, olivia, leo, sales):
    ledger_row(leo, sales, status="failed", period="p1", attempts=5, last_error="=cmd|' /C calc'!A0")
    ledger_row(leo, sales, status="sent", period="p2", sent_at=timezone.now())
    client.force_login(olivia)
    lines = csv_lines(client.get(reverse("operations-export"), {"status": "failed"}))
    assert lines[0] == ("id,created_utc,recipient,kind,object_type,object_id,period,due_on,status,attempts,"
                        "next_attempt_utc,sent_utc,last_error")
    assert len(lines) == 2
    assert ",leo@acme.example,review.due,businessunit," in lines[1]
    assert ",p1,,failed,5," in lines[1]
    assert "'=cmd" in lines[1]  # a formula stays text in a spreadsheet


def test_ledger_pages_by_50(client, olivia, leo, sales):
    for i in range(55):
        ledger_row(leo, sales, period=f"p{i}")
    client.force_login(olivia)
    assert len(client.get(reverse("operations")).context["rows"]) == 50
    assert len(client.get(reverse("operations"), {"page": 2}).context["rows"]) == 5


def test_operations_query_count_does_not_grow(client, olivia, leo, sales, support, django_assert_num_queries):
    SweepRun.objects.create(name="reviews", status="ok", finished_at=timezone.now(), declared=1)
    ledger_row(leo, sales, status="failed", attempts=5, last_error="boom")
    ledger_row(leo, sales, status="sent", period="p0", sent_at=timezone.now())
    client.force_login(olivia)
    client.get(reverse("operations"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("operations"))
    for i in range(30):
        person = UserFactory(business_unit=support)
        ledger_row(person, support, status="failed" if i % 2 else "pending", kind="message" if i % 3 else "review.due",
                   period=f"p{i}", attempts=i % 5, last_error="boom" if i % 2 else "")
        SweepRun.objects.create(name="reviews", status="failed" if i % 4 else "ok", error="boom" if i % 4 else "")
    with django_assert_num_queries(len(small)):
        response = client.get(reverse("operations"))
    assert len(response.context["failed"]) == 16


# How the ledger reads: each row's object by name, linked; its period in words; no ids, no ISO dates.

def reminder_about(target, recipient, *, kind: str, period: str, **fields) -> Reminder:
    return Reminder.objects.create(recipient=recipient, kind=kind, period=period, target_id=target.pk,
                                   target_type=ContentType.objects.get_for_model(target), **fields)


@pytest.fixture
def call_backs(olivia, support, eve):
    """CX-STD-003 for Customer Support, published: Eve is asked to acknowledge it."""
    return publish_standard(StandardFactory(code="CX-STD-003", title="Call back when we said we would", author=olivia,
                                            requires_acknowledgement=True, audience_units=[support]))


def test_a_failed_reminder_says_its_period_in_words_and_names_its_target(client, olivia, eve, call_backs):
    eves = Acknowledgement.objects.get(person=eve, standard=call_backs)
    reminder_about(eves, eve, kind=kinds.ACK_DUE, period="2026-12-31/before-30", status="failed", attempts=5,
                   last_error="SMTPRecipientsRefused: eve@acme.example")
    client.force_login(olivia)
    response = client.get(reverse("operations"))
    assert (f'<a href="{call_backs.get_absolute_url()}">Eve Walker&#x27;s acknowledgement of CX-STD-003 v1</a>'
            in response.text)
    text = page_text(response)
    failed = text[text.index("Failed deliveries"):text.index("Recent ledger rows")]
    assert "Standards to acknowledge · 30 days before 31 Dec 2026" in failed
    assert "Eve Walker's acknowledgement of CX-STD-003 v1" in failed
    assert not ISO_DATE.search(text)
    assert not RAW_ID.search(text)


def test_the_ledger_names_each_kind_of_object_and_reads_every_period(client, olivia, leo, sales, call_backs):
    plan = PlanFactory(title="Promises we keep in Sales", owner=leo)
    kick_off = CommunicationFactory(plan=plan, title="Sales kick-off")
    version = call_backs.current_version
    reminder_about(sales, leo, kind="review.due", period="2026-03-09/before-7")
    reminder_about(kick_off, leo, kind=kinds.COMMUNICATION_NOT_READY, period="2026-03-09/before-0")
    reminder_about(version, leo, kind=kinds.ACK_ESCALATION, period="2026-02-01/escalation", is_escalation=True)
    reminder_about(version, olivia, kind="standard.approval", period="submitted-20261203091659")
    reminder_about(kick_off, leo, kind="communication", period="sent")
    reminder_about(sales, leo, kind="review.due", period="2026-02-01/overdue-2")
    client.force_login(olivia)
    response = client.get(reverse("operations"))
    rows = {(str(row.target_name), row.period_words) for row in response.context["rows"]}
    assert rows >= {
        ("Unit Sales", "7 days before 9 Mar 2026"),
        ("Communication Sales kick-off", "due 9 Mar 2026"),
        ("CX-STD-003 v1", "escalated: overdue since 1 Feb 2026"),
        ("CX-STD-003 v1", "submitted 3 Dec 2026, 09:16"),
        ("Communication Sales kick-off", "sent"),
        ("Unit Sales", "14 days after 1 Feb 2026"),
    }
    assert f'Unit <a href="{sales.get_absolute_url()}">Sales</a>' in response.text
    text = page_text(response)
    assert not ISO_DATE.search(text)
    assert not RAW_ID.search(text)


def test_a_row_whose_object_is_gone_says_so(client, olivia, leo, sales):
    row = ledger_row(leo, sales, status="failed", attempts=5)
    Reminder.objects.filter(pk=row.pk).update(target_id=999_999)
    client.force_login(olivia)
    [failed] = client.get(reverse("operations")).context["failed"]
    assert str(failed.target_name) == "Business unit (no longer there)"


def _reminders_of_every_kind(leo, unit, call_backs, n: int) -> None:
    """n rounds of ledger rows about units, communications, acknowledgements and versions, failed and not."""
    version = call_backs.current_version
    for i in range(n):
        person = UserFactory(business_unit=unit)
        asked = Acknowledgement.objects.create(standard=call_backs, version=version, person=person,
                                               due_on=date(2026, 12, 31))
        communication = CommunicationFactory(plan=PlanFactory(owner=leo))
        for target, kind in ((asked, kinds.ACK_DUE), (communication, kinds.COMMUNICATION_NOT_READY),
                             (unit, "review.due"), (version, kinds.ACK_ESCALATION)):
            reminder_about(target, person, kind=kind, period=f"2026-12-31/before-{i}",
                           status="failed" if i % 2 else "pending", attempts=i % 5)


def test_the_operations_page_names_everything_in_the_same_queries_at_any_size(
    client, olivia, leo, support, call_backs, django_assert_num_queries
):
    _reminders_of_every_kind(leo, support, call_backs, 2)
    client.force_login(olivia)
    response = same_queries_after(client, reverse("operations"),
                                  lambda: _reminders_of_every_kind(leo, support, call_backs, 20),
                                  django_assert_num_queries)
    assert len(response.context["rows"]) == 50
