"""The reminder ledger under faults (DESIGN.md §5): nothing lost, nothing doubled beyond the messages in flight.

Concurrent sweeps and senders, a sender killed between its claim and its mark, a transaction that rolls
back, and an SMTP server that hangs up or is down. The truly concurrent tests need PostgreSQL.
"""

import os
import re
import smtplib
import socketserver
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections, transaction
from django.utils import timezone

from cxcoe import imports, reviews
from cxcoe.models import BusinessUnit, ImportJob, Notification, Reminder, SweepRun
from cxcoe.notifications import reminders

from ..factories import BusinessUnitFactory, UserFactory
from ..steps import TODAY

BASE_DIR = Path(__file__).resolve().parents[2]

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
on_postgres = pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL: SQLite has no row locks and one writer")


def ledger_keys() -> set[tuple]:
    return set(Reminder.objects.values_list("recipient_id", "kind", "target_type_id", "target_id", "period"))


def seed_due_units(parent: BusinessUnit, owners: list, count: int) -> list[BusinessUnit]:
    """`count` units under `parent`, owned in turn by `owners`, due from 20 days ago to 29 days ahead."""
    return BusinessUnit.objects.bulk_create(
        BusinessUnit(code=f"X{number}", name=f"Unit {number}", parent=parent, path=f"{parent.path}X{number}/",
                     depth=parent.depth + 1, owner=owners[number % len(owners)],
                     next_review_on=TODAY + timedelta(days=number % 50 - 20))
        for number in range(count)
    )


def expected_review_keys(units: list[BusinessUnit], leader) -> set[tuple]:
    """What the reviews sweep must declare for units whose owners are active and led by `leader`."""
    type_id = ContentType.objects.get_for_model(BusinessUnit).pk
    keys = set()
    for unit in units:
        keys.add((unit.owner_id, reviews.REVIEW_DUE, type_id, unit.pk,
                  reminders.reminder_period(unit.next_review_on, TODAY)))
        if reminders.is_escalated(unit.next_review_on, TODAY):
            keys.add((leader.pk, reviews.REVIEW_ESCALATION, type_id, unit.pk,
                      reminders.escalation_period(unit.next_review_on)))
    return keys


def run_together(*targets) -> list[BaseException]:
    """Run each callable in its own thread, all released at once; return what they raised."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            target()
        except BaseException as exc:  # a thread's failure must fail the test, not vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    return errors


@pytest.fixture
def owners(sales, leo):
    return [UserFactory(email=f"owner{number}@acme.example", business_unit=sales) for number in range(7)]


def test_a_sweep_run_twice_declares_each_reminder_once(acme, owners, leo):
    units = seed_due_units(acme, owners, 300)

    first = reminders.run_sweep(name="reviews", today=TODAY)
    second = reminders.run_sweep(name="reviews", today=TODAY)

    expected = expected_review_keys(units, leo)
    assert ledger_keys() == expected
    assert Reminder.objects.count() == len(expected)
    assert (first.declared, second.declared) == (len(expected), 0)
    assert (first.status, second.status) == (SweepRun.Status.OK, SweepRun.Status.OK)


@on_postgres
def test_two_sweeps_at_once_declare_each_reminder_once(transactional_db, acme, owners, leo):
    units = seed_due_units(acme, owners, 2500)  # three declare batches, so the two runs overlap

    errors = run_together(lambda: reminders.run_sweep(name="reviews", today=TODAY),
                          lambda: reminders.run_sweep(name="reviews", today=TODAY))

    assert errors == []
    expected = expected_review_keys(units, leo)
    assert Reminder.objects.count() == len(expected) == len(ledger_keys())
    assert ledger_keys() == expected
    assert list(SweepRun.objects.values_list("status", flat=True)) == [SweepRun.Status.OK] * 2


@on_postgres
def test_two_senders_at_once_email_each_reminder_once(transactional_db, acme, owners):
    seed_due_units(acme, owners, 300)
    reviews.sweep_reviews(today=TODAY)
    rows = Reminder.objects.count()
    now = timezone.now()

    errors = run_together(lambda: reminders.send_reminders(now=now, batch_size=20),
                          lambda: reminders.send_reminders(now=now, batch_size=20))

    assert errors == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert Notification.objects.count() == rows
    assert len(mail.outbox) == rows


class SenderKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the sender catches it."""


class DyingBackend(LocmemBackend):
    """Sends `die_after` messages, then the process "dies" (in this process, or for real with os._exit)."""

    die_after = 3
    sent = 0

    def send_messages(self, messages):
        count = super().send_messages(messages)
        if log := os.environ.get("CXCOE_TEST_EMAIL_LOG"):  # the subprocess variant counts in a file
            with open(log, "a", encoding="utf-8") as file:
                file.writelines(f"{address}\n" for message in messages for address in message.to)
        DyingBackend.sent += count
        if DyingBackend.sent >= DyingBackend.die_after:
            if os.environ.get("CXCOE_TEST_EMAIL_LOG"):
                os._exit(1)
            raise SenderKilled
        return count


@pytest.fixture
def due_reminders(acme, owners):
    seed_due_units(acme, owners, 12)
    reviews.sweep_reviews(today=TODAY)
    return Reminder.objects.count()


def assert_all_delivered_once_in_app(rows: int) -> None:
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    notes = list(Reminder.objects.values_list("notification_id", flat=True))
    assert None not in notes
    assert len(set(notes)) == rows == Notification.objects.count()


def test_rows_claimed_by_a_sender_that_died_are_sent_after_the_timeout(due_reminders):
    now = timezone.now()
    abandoned = reminders._claim(now, 5)  # then the sender dies: nothing delivered, nothing marked
    assert len(abandoned) == 5
    assert Reminder.objects.filter(status=Reminder.Status.SENDING).count() == 5

    assert reminders.send_reminders(now=now + timedelta(seconds=1)) == due_reminders - 5  # not stale yet
    later = now + timedelta(seconds=settings.CXCOE_SENDING_TIMEOUT_SECONDS + 1)
    assert reminders.send_reminders(now=later) == 5

    assert_all_delivered_once_in_app(due_reminders)
    assert len(mail.outbox) == due_reminders


def test_a_sender_killed_mid_batch_doubles_at_most_the_messages_in_flight(due_reminders, settings):
    settings.EMAIL_BACKEND = "tests.cxcoe.test_reminder_faults.DyingBackend"
    DyingBackend.sent = 0
    now = timezone.now()
    with pytest.raises(SenderKilled):
        reminders.send_reminders(now=now, batch_size=5)
    assert len(mail.outbox) == 3
    assert Reminder.objects.filter(status=Reminder.Status.SENDING).count() == 5
    assert Notification.objects.count() == 5  # the in-app notifications were made before the emails

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminders.send_reminders(now=now + timedelta(seconds=settings.CXCOE_SENDING_TIMEOUT_SECONDS + 1))

    assert_all_delivered_once_in_app(due_reminders)
    emailed = [address for message in mail.outbox for address in message.to]
    assert due_reminders <= len(emailed) <= due_reminders + 5
    assert len(emailed) == due_reminders + 3  # the three sent before the crash went out again


@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL: another process cannot see the in-memory SQLite "
                    "test database")
def test_a_sender_process_killed_mid_batch_loses_nothing(transactional_db, due_reminders, tmp_path):
    database = settings.DATABASES["default"]
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    url = f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    log = tmp_path / "emails.txt"
    code = ("from django.conf import settings\n"
            "settings.EMAIL_BACKEND = 'tests.cxcoe.test_reminder_faults.DyingBackend'\n"
            "from cxcoe.notifications import reminders\n"
            "reminders.send_reminders(batch_size=5)\n")
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=BASE_DIR, capture_output=True,
        text=True, timeout=120, check=False, env={**os.environ, "DATABASE_URL": url, "CXCOE_TEST_EMAIL_LOG": str(log)},
    )
    assert result.returncode == 1, result.stderr
    sent_before_crash = log.read_text(encoding="utf-8").splitlines()
    assert len(sent_before_crash) == 3
    assert Reminder.objects.filter(status=Reminder.Status.SENDING).count() == 5

    reminders.send_reminders(now=timezone.now() + timedelta(seconds=settings.CXCOE_SENDING_TIMEOUT_SECONDS + 1))

    assert_all_delivered_once_in_app(due_reminders)
    emailed = sent_before_crash + [address for message in mail.outbox for address in message.to]
    assert due_reminders <= len(emailed) <= due_reminders + 5
    assert {address for message in mail.outbox for address in message.to} == set(
        Reminder.objects.values_list("recipient__email", flat=True))


class CallerFailed(Exception):
    """The rest of the caller's transaction failed after it queued something."""


@transaction.atomic
def notify_then_fail(**kwargs) -> None:
    reminders.notify(**kwargs)
    raise CallerFailed


@transaction.atomic
def start_import_then_fail(**kwargs) -> None:
    imports.start_import(**kwargs)
    raise CallerFailed


def test_a_rolled_back_transaction_queues_no_message(django_capture_on_commit_callbacks, leo, sales):
    message = {"recipients": [leo], "kind": "message", "target": sales, "key": "town-hall", "title": "Town hall"}
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(CallerFailed):
        notify_then_fail(**message)
    assert callbacks == []
    assert not Reminder.objects.exists()

    with django_capture_on_commit_callbacks() as callbacks:
        reminders.notify(**message)
    assert len(callbacks) == 1  # committed, the sender is queued


def test_a_rolled_back_transaction_never_runs_the_sender(transactional_db, leo, sales):
    message = {"recipients": [leo], "kind": "message", "target": sales, "key": "town-hall", "title": "Town hall"}
    with pytest.raises(CallerFailed):
        notify_then_fail(**message)
    assert not Reminder.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []

    reminders.notify(**message)
    assert Notification.objects.get().recipient == leo  # committed, the (eager) sender ran at once
    assert len(mail.outbox) == 1


def test_a_rolled_back_import_queues_no_validation(django_capture_on_commit_callbacks, olivia, sales):
    people = b"email,display_name,bu_code,job_title,roles\nnew.person@acme.example,New Person,SAL,Analyst,\n"
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(CallerFailed):
        start_import_then_fail(by=olivia, people_file=SimpleUploadedFile("people.csv", people))
    assert callbacks == []
    assert not ImportJob.objects.exists()


class FlakyBackend(LocmemBackend):
    """An SMTP server that hangs up on one address, or is down altogether."""

    hangs_up_on = ""
    is_down = False

    def open(self):
        if FlakyBackend.is_down:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().open()

    def send_messages(self, messages):
        if any(FlakyBackend.hangs_up_on in message.to for message in messages):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = "tests.cxcoe.test_reminder_faults.FlakyBackend"
    yield FlakyBackend
    FlakyBackend.hangs_up_on, FlakyBackend.is_down = "", False


@pytest.fixture
def four_owners_due(acme, leo, amir, bianca, eve):
    for number, person in enumerate([leo, amir, bianca, eve]):
        BusinessUnitFactory(code=f"R{number}", parent=acme, owner=person, next_review_on=TODAY + timedelta(days=7))
    reviews.sweep_reviews(today=TODAY)
    return Reminder.objects.count()


def test_an_address_the_server_hangs_up_on_is_retried_then_failed(flaky_smtp, four_owners_due, amir):
    flaky_smtp.hangs_up_on = amir.email
    now = timezone.now()

    assert reminders.send_reminders(now=now) == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        "bianca@acme.example", "eve@acme.example", "leo@acme.example"]
    row = Reminder.objects.get(recipient=amir)
    assert (row.status, row.attempts) == (Reminder.Status.PENDING, 1)
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert row.next_attempt_at > now
    assert reminders.send_reminders(now=now + timedelta(seconds=1)) == 0  # not before its backoff

    for attempt in range(2, settings.CXCOE_DELIVERY_MAX_ATTEMPTS + 1):
        reminders.send_reminders(now=row.next_attempt_at)
        row.refresh_from_db()
        assert row.attempts == attempt
        assert row.status == (Reminder.Status.FAILED if attempt == settings.CXCOE_DELIVERY_MAX_ATTEMPTS
                              else Reminder.Status.PENDING)

    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert row.notification.recipient == amir  # in the inbox, whatever happened to the email
    assert row.notification.email_state == Notification.Email.FAILED
    assert reminders.send_reminders(now=row.next_attempt_at + timedelta(days=1)) == 0
    assert len(mail.outbox) == 3
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == four_owners_due - 1


def test_a_server_that_is_down_holds_the_batch_back_and_loses_nothing(flaky_smtp, four_owners_due):
    flaky_smtp.is_down = True
    now = timezone.now()

    assert reminders.send_reminders(now=now) == 0
    rows = list(Reminder.objects.select_related("notification"))
    assert {(row.status, row.attempts, row.last_error) for row in rows} == {
        (Reminder.Status.PENDING, 1, "ConnectionRefusedError: [Errno 111] Connection refused")}
    assert all(row.next_attempt_at > now for row in rows)
    assert {row.notification.email_state for row in rows} == {Notification.Email.PENDING}
    assert mail.outbox == []

    flaky_smtp.is_down = False
    assert reminders.send_reminders(now=max(row.next_attempt_at for row in rows)) == four_owners_due
    assert len(mail.outbox) == four_owners_due
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.Email.SENT}


class FakeSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib; hangs up when asked to deliver to the server's `hangs_up_on` address."""

    def handle(self):
        self.wfile.write(b"220 fake ESMTP\r\n")
        in_data, recipient = False, ""
        while line := self.rfile.readline():
            text = line.decode().rstrip("\r\n")
            if in_data:
                if text == ".":
                    in_data = False
                    self.server.delivered.append(recipient)
                    self.wfile.write(b"250 OK\r\n")
                continue
            command = text.upper()
            if command.startswith("RCPT TO"):
                recipient = text[8:].strip(" <>")
                if recipient == self.server.hangs_up_on:
                    return  # the server drops the connection
            if command == "DATA":
                in_data = True
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeSMTPHandler)
    server.daemon_threads = True
    server.delivered, server.hangs_up_on = [], ""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.server_address[1], False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.shutdown()
    server.server_close()


def test_a_hang_up_on_one_address_loses_no_other_email(smtp_server, four_owners_due, leo):
    smtp_server.hangs_up_on = leo.email
    assert Reminder.objects.order_by("pk").first().recipient == leo  # the hang-up comes first in the batch
    now = timezone.now()

    for _attempt in range(settings.CXCOE_DELIVERY_MAX_ATTEMPTS):
        reminders.send_reminders(now=now)
        now = max(Reminder.objects.values_list("next_attempt_at", flat=True))

    assert sorted(smtp_server.delivered) == ["amir@acme.example", "bianca@acme.example", "eve@acme.example"]
    assert dict(Reminder.objects.values_list("recipient__email", "status")) == {
        "leo@acme.example": Reminder.Status.FAILED, "amir@acme.example": Reminder.Status.SENT,
        "bianca@acme.example": Reminder.Status.SENT, "eve@acme.example": Reminder.Status.SENT}
    assert Reminder.objects.get(recipient=leo).attempts == settings.CXCOE_DELIVERY_MAX_ATTEMPTS


PROJECT_PACKAGES = ["cxcoe", "standards", "library", "training", "ambassadors"]
SCHEDULING_CALL = re.compile(r"(\.apply_async|\.retry|\.s|\.si|\.set|\bsignature)\s*\(")


def call_arguments(source: str, opening: int) -> str:
    """The text between the parenthesis at `opening` and its match."""
    depth = 0
    for position in range(opening, len(source)):
        depth += {"(": 1, ")": -1}.get(source[position], 0)
        if depth == 0:
            return source[opening:position]
    return source[opening:]


def test_no_task_is_queued_with_a_countdown_or_an_eta():
    """A future reminder is a date in the database, never a delayed task (DESIGN.md §5.3)."""
    offenders = []
    for package in PROJECT_PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            for match in SCHEDULING_CALL.finditer(source):
                arguments = call_arguments(source, match.end() - 1)
                if re.search(r"\b(countdown|eta)\s*=", arguments):
                    offenders.append(f"{path.relative_to(BASE_DIR)}:{source.count(chr(10), 0, match.start()) + 1}")
    assert offenders == []
