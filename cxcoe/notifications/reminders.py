"""The reminder ledger (DESIGN.md §5): sweeps declare what is due, the sender delivers it exactly once.

- A sweep yields `Due` items; `declare()` inserts one ledger row per (recipient, kind, object, period)
  with ON CONFLICT DO NOTHING, so running it twice, from two beats, or after a crash adds nothing.
- `send_reminders()` claims pending rows with SELECT ... FOR UPDATE SKIP LOCKED, creates the in-app
  notification, emails it (or leaves it for a digest), and marks the row sent. Rows left "sending" longer
  than CXCOE_SENDING_TIMEOUT_SECONDS are claimed again: email is at least once, and a crash doubles at
  most the rows that were in flight.
- Failed emails are retried with backoff, then the row is marked failed for the operations page.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Case, Count, F, Max, Model, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import notifications
from ..audit import describe, record_event
from ..lib import locale, queueing
from ..models import BusinessUnit, Notification, Reminder, SweepRun, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)
DECLARE_BATCH = 1000
LEDGER_TOTALS = "reminder-ledger"  # the rollup (cxcoe/lib/rollups.py) of the ledger's rows by status


def reminder_period(due_on: date, today: date) -> str | None:
    """The reminder period an item is in today, or None when it is not due for one yet.

    With offsets 30, 7, 1, 0: 30 to 8 days ahead is "before-30", 7 to 2 days "before-7", one day ahead
    "before-1", the day itself (and the rest of that week) "before-0", then "overdue-1", "overdue-2"... one
    per week. A sweep that missed a day still sends the reminder of the period it is in, once.
    """
    offsets = sorted(settings.CXCOE_REMINDER_OFFSETS)
    days_left = (due_on - today).days
    if days_left > offsets[-1]:
        return None
    if days_left >= 0:
        return f"{due_on:%Y-%m-%d}/before-{min(offset for offset in offsets if offset >= days_left)}"
    weeks = -days_left // settings.CXCOE_REMINDER_OVERDUE_EVERY_DAYS
    return f"{due_on:%Y-%m-%d}/before-0" if weeks == 0 else f"{due_on:%Y-%m-%d}/overdue-{weeks}"


def is_escalated(due_on: date, today: date) -> bool:
    return (today - due_on).days >= settings.CXCOE_ESCALATE_AFTER_DAYS


def escalation_period(due_on: date) -> str:
    return f"{due_on:%Y-%m-%d}/escalation"


# A reminder someone sent from a pending list: at most one per person, item and day (the ledger's unique period).
BY_HAND_KEY = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2})/by-hand")
PERIOD_KEY = re.compile(r"(?P<due>\d{4}-\d{2}-\d{2})/(?:(?P<form>before|overdue)-(?P<count>\d+)|escalation)")
# A notify() key stamped with the moment of what it tells: "submitted-20261203091659" (UTC).
STAMPED_KEY = re.compile(r"(?P<word>[a-z]+)-(?P<moment>\d{14})")


def describe_period(key: str) -> str:
    """A ledger row's period in words, for the operations page and the audit log.

    The forms of `reminder_period` and `escalation_period`, for an item due 31 Dec 2026: "30 days before 31 Dec
    2026", "due 31 Dec 2026" (the day and the week after it), "14 days after 31 Dec 2026" (overdue-2, weeks of
    CXCOE_REMINDER_OVERDUE_EVERY_DAYS) and "escalated: overdue since 31 Dec 2026". A notify() key stamped with its
    moment reads as its word and the moment ("submitted 3 Dec 2026, 09:16"); any other key ("sent") as it is.
    """
    if period := PERIOD_KEY.fullmatch(key):
        with contextlib.suppress(ValueError):
            due = date_format(date.fromisoformat(period["due"]), "DATE_FORMAT")
            count = int(period["count"] or 0)
            if period["form"] == "before" and count:
                return ngettext("%(days)d day before %(date)s", "%(days)d days before %(date)s", count) % {
                    "days": count, "date": due}
            if period["form"] == "before":
                return _("due %(date)s") % {"date": due}
            if period["form"] == "overdue":
                days = count * settings.CXCOE_REMINDER_OVERDUE_EVERY_DAYS
                return ngettext("%(days)d day after %(date)s", "%(days)d days after %(date)s", days) % {
                    "days": days, "date": due}
            return _("escalated: overdue since %(date)s") % {"date": due}
    if by_hand := BY_HAND_KEY.fullmatch(key):
        with contextlib.suppress(ValueError):
            return _("sent by hand on %(date)s") % {
                "date": date_format(date.fromisoformat(by_hand["day"]), "DATE_FORMAT")}
    if stamped := STAMPED_KEY.fullmatch(key):
        with contextlib.suppress(ValueError):
            moment = datetime.strptime(stamped["moment"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            return f"{stamped['word']} {describe.plain_words(moment)}"
    return key


def kind_label(kind: str) -> str:
    """A ledger row's kind as people read it ("Reviews due"); a kind no app registers any more, as it is."""
    found = notifications.KINDS.get(kind)
    return str(found.label) if found else kind


def register_audit_details() -> None:
    """Called by CoreConfig.ready(): how a reminder, and the kind and period of one retried, read in records."""
    describe.register(
        details={"reminder.kind": describe.Detail(words=kind_label),
                 "reminder.period": describe.Detail(words=describe_period)},
        names={Reminder: describe.Namer(
            name=lambda row: _("%(kind)s for %(person)s, %(period)s") % {
                "kind": kind_label(row.kind), "person": row.recipient, "period": describe_period(row.period)},
            related=("recipient",), defer=("body", "last_error"))},
    )


def describe_due(due_on: date | None, today: date | None = None) -> str:
    """When something is due, in words, for titles: "due in 3 days", "due today", "overdue by 9 days"."""
    if due_on is None:
        return str(_("due"))
    days = (due_on - (today or timezone.localdate())).days
    if days == 0:
        return str(_("due today"))
    if days == 1:
        return str(_("due tomorrow"))
    if days > 1:
        return str(_("due in %(days)d days") % {"days": days})
    return str(ngettext("overdue by %(days)d day", "overdue by %(days)d days", -days) % {"days": -days})


def nearest_leaders(unit_ids: set[int]) -> dict[int, list[int]]:
    """Who an escalation about someone in each unit goes to: the active leaders of the unit, or of the nearest
    unit above it that has any. Units with none up to the top are left out (callers fall back to CoE staff).
    Two queries, whatever the number of units."""
    paths = dict(BusinessUnit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    codes = {code for path in paths.values() for code in path.strip("/").split("/")}
    leaders_by_code: dict[str, list[int]] = defaultdict(list)
    rows = BusinessUnit.leaders.through.objects.filter(businessunit__code__in=codes, businessunit__is_active=True,
                                                       user__is_active=True)
    for code, user_id in rows.values_list("businessunit__code", "user_id"):
        leaders_by_code[code].append(user_id)
    found = {}
    for unit_id, path in paths.items():
        for code in reversed(path.strip("/").split("/")):
            if leaders_by_code.get(code):
                found[unit_id] = leaders_by_code[code]
                break
    return found


@dataclass(frozen=True, slots=True)
class Due:
    recipient_id: int
    kind: str
    target_type_id: int
    target_id: int
    period: str
    due_on: date | None = None
    is_escalation: bool = False


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def declare(items: Iterable[Due]) -> int:
    """Insert the due items the ledger does not have yet; returns how many were new.

    Rows that exist are skipped by a lookup before the insert, so a second run writes nothing; the
    unique constraint with ON CONFLICT DO NOTHING still settles races between concurrent sweeps.
    """
    new = 0
    for batch in _batches(items, DECLARE_BATCH):
        keys = defaultdict(set)
        periods = {item.period for item in batch}
        for item in batch:
            keys[(item.kind, item.target_type_id)].add(item.target_id)
        existing: set[tuple[str, int, int, int, str]] = set()  # (kind, type, target, recipient, period)
        for (kind, type_id), target_ids in keys.items():
            existing.update(
                (kind, type_id, *row)
                for row in Reminder.objects.filter(kind=kind, target_type_id=type_id, target_id__in=target_ids,
                                                   period__in=periods)
                .values_list("target_id", "recipient_id", "period")
            )
        fresh = [item for item in batch
                 if (item.kind, item.target_type_id, item.target_id, item.recipient_id, item.period) not in existing]
        if not fresh:
            continue
        stamp = timezone.now()
        Reminder.objects.bulk_create(
            [Reminder(recipient_id=item.recipient_id, kind=item.kind, target_type_id=item.target_type_id,
                      target_id=item.target_id, period=item.period, due_on=item.due_on,
                      is_escalation=item.is_escalation, created_at=stamp) for item in fresh],
            ignore_conflicts=True,
        )
        # Count what this call inserted: a concurrent sweep may have written some of these keys first.
        for (kind, type_id), target_ids in keys.items():
            new += Reminder.objects.filter(kind=kind, target_type_id=type_id, target_id__in=target_ids,
                                           created_at=stamp).count()
    return new


@transaction.atomic
def notify(*, recipients: Iterable[User], kind: str, target, key: str, title: str, body: str = "",
           url: str = "") -> None:
    """Send a message written by a person (a communication, say) through the ledger.

    `key` names this sending: the same key for the same object reaches each person once, however often
    it is called. Delivery happens on commit, by the sender.
    """
    if not key or len(key) > Reminder.PERIOD_MAX_LENGTH:
        raise ValueError(f"A notify key is 1 to 40 characters: {key!r}")
    target_type = ContentType.objects.get_for_model(target)
    Reminder.objects.bulk_create(
        [Reminder(recipient_id=person.pk, kind=kind, target_type=target_type, target_id=target.pk, period=key,
                  title=title[:200], body=body, url=url or target.get_absolute_url()) for person in recipients],
        ignore_conflicts=True,
    )
    queueing.nudge("cxcoe.tasks.send_reminders")


def remind_by_hand(*, kind: str, model, items: Iterable[tuple[int, int, date | None]], today: date) -> int:
    """Remind now, from a pending list: `items` are (recipient id, target id, due date) of `model` rows, sent as
    `kind`'s reminder through the ledger. One per person, item and day: a second press the same day (or a double
    click) declares nothing. Returns how many reminders are new; the sender delivers them on commit."""
    type_id = ContentType.objects.get_for_model(model).pk
    period = f"{today:%Y-%m-%d}/by-hand"
    new = declare(Due(recipient, kind, type_id, target, period, due_on) for recipient, target, due_on in items)
    if new:
        queueing.nudge("cxcoe.tasks.send_reminders")
    return new


def last_reminded(model, target_ids, *, kinds: Iterable[str]) -> dict[int, datetime]:
    """{target id: when its latest reminder of `kinds` was declared, by a sweep or by hand}, in one query."""
    rows = (Reminder.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=target_ids,
                                    kind__in=list(kinds)).exclude(status=Reminder.Status.CANCELLED)
            .order_by().values("target_id").annotate(last=Max("created_at")))
    return {row["target_id"]: row["last"] for row in rows}


def cancel_for_people(person_ids: list[int]) -> int:
    """People who leave get no more reminders."""
    return Reminder.objects.filter(recipient_id__in=person_ids, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, last_error="Recipient deactivated"
    )


def cancel_for_target(target, *, kinds: Iterable[str] | None = None) -> int:
    """An item that is done, withdrawn or archived gets no more reminders."""
    rows = Reminder.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk,
                                   status=Reminder.Status.PENDING)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.update(status=Reminder.Status.CANCELLED, last_error="No longer due")


def settle(target, *, kinds: Iterable[str]) -> int:
    """The action `target` asked for is taken (approved, acknowledged, reviewed), by whoever was entitled to.

    Its pending reminders of `kinds` are cancelled, and each delivered notification of those kinds is done
    when its kind no longer finds `target` due (`Kind.is_still_due`, asked of the changed object): for every
    recipient, not only the person who acted. A kind that asks for nothing is always "still due", so its
    notifications never are. A done notification leaves the unread count, and is not put in a digest.
    Returns how many notifications became done.
    """
    kinds = list(kinds)
    cancel_for_target(target, kinds=kinds)
    rows = (Reminder.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk,
                                    kind__in=kinds, notification__isnull=False, notification__done_at=None)
            .select_related("recipient"))
    done = [row.notification_id for row in rows
            if not notifications.KINDS.get(row.kind, notifications.MESSAGE).is_still_due(row, target)]
    waiting = [Notification.Email.DAILY, Notification.Email.WEEKLY]
    return Notification.objects.filter(pk__in=done, done_at=None).update(
        done_at=timezone.now(),
        email_state=Case(When(email_state__in=waiting, then=Value(Notification.Email.SKIPPED)),
                         default=F("email_state")))


def cancel_for_targets(model, ids, *, kinds: Iterable[str]) -> int:
    """`cancel_for_target` for many objects of one model at once; `ids` may be a values("pk") subquery."""
    return Reminder.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=ids,
                                   kind__in=list(kinds), status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, last_error="No longer due")


def _claim(now: datetime, size: int) -> list[Reminder]:
    """Take up to `size` rows that are due (or whose sender died) for this sender, under a fresh stamp.

    Every later write checks `claimed_at` still equals that stamp: a row reclaimed by another sender after
    the timeout is no longer ours, so nothing is delivered or marked twice by the same row's two owners.
    """
    stale = now - timedelta(seconds=settings.CXCOE_SENDING_TIMEOUT_SECONDS)
    stamp = timezone.now()
    with transaction.atomic():
        # A row whose sender keeps dying (a message that crashes the worker, say) is given up, not retried for ever.
        Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at__lt=stale,
                                attempts__gte=settings.CXCOE_DELIVERY_MAX_ATTEMPTS).update(
            status=Reminder.Status.FAILED, last_error="Delivery was interrupted too many times")
        ready = Q(status=Reminder.Status.PENDING, next_attempt_at__lte=now) | Q(
            status=Reminder.Status.SENDING, claimed_at__lt=stale
        )
        ids = list(Reminder.objects.select_for_update(skip_locked=True).filter(ready)
                   .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:size])
        Reminder.objects.filter(pk__in=ids).update(status=Reminder.Status.SENDING, claimed_at=stamp,
                                                   attempts=F("attempts") + 1)
    return list(Reminder.objects.filter(pk__in=ids).select_related("recipient", "notification").order_by("pk"))


def _still_ours(rows: list[Reminder]):
    """The rows of a batch that this sender still holds (see `_claim`)."""
    stamp = rows[0].claimed_at if rows else None
    return Reminder.objects.filter(pk__in=[row.pk for row in rows], status=Reminder.Status.SENDING, claimed_at=stamp)


def _targets(rows: list[Reminder]) -> dict[tuple[int, int], Model]:
    """The objects of a batch: one query per model, with the relations their kinds read (`Kind.related`)."""
    wanted: defaultdict[int, set[int]] = defaultdict(set)
    related: defaultdict[int, set[str]] = defaultdict(set)
    for row in rows:
        wanted[row.target_type_id].add(row.target_id)
        related[row.target_type_id].update(notifications.KINDS.get(row.kind, notifications.MESSAGE).related)
    found: dict[tuple[int, int], Model] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:  # its app was removed: like a deleted object, its rows are no longer due
            continue
        for obj in model._default_manager.select_related(*related[type_id]).filter(pk__in=ids):
            found[(type_id, obj.pk)] = obj
    return found


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** attempts, 60))


def _create_notifications(rows: list[Reminder], targets, now: datetime) -> list[Reminder]:
    """Give each row its in-app notification (once, even across retries); returns the rows to deliver.

    Rows whose object is done or archived, or whose recipient left, are cancelled instead.
    """
    preferences = notifications.preferences_of(row.recipient_id for row in rows)
    with transaction.atomic():
        mine = set(_still_ours(rows).select_for_update().values_list("pk", flat=True))
        ready, dropped, left, fresh = [], [], [], []
        created: list[Notification] = []  # the notifications of `fresh`, in its order
        for row in rows:
            if row.pk not in mine:
                continue
            if not row.recipient.is_active:
                left.append(row.pk)
                continue
            kind = notifications.KINDS.get(row.kind, notifications.MESSAGE)
            target = targets.get((row.target_type_id, row.target_id))
            if row.notification_id is None and (target is None or not kind.is_still_due(row, target)):
                dropped.append(row.pk)
                continue
            ready.append(row)
            if row.notification_id is not None:
                continue
            # A row of a kind that renders nothing (a communication, say) carries its own words. A kind's words
            # are written for the recipient: the dates in them as they read dates.
            if row.title or kind.render is None:
                message = notifications.Message(row.title, row.body, row.url)
            else:
                with locale.reading_as(row.recipient):
                    message = kind.render(row, target)
            delivery = notifications.delivery_for(preferences.get(row.recipient_id, {}), kind,
                                                  is_escalation=row.is_escalation)
            row.notification = Notification(
                recipient_id=row.recipient_id, kind=row.kind, title=message.title[:200], body=message.body,
                url=message.url[:500], important=kind.important or row.is_escalation, created_at=now,
                email_state=notifications.EMAIL_STATE_FOR_DELIVERY[delivery],
            )
            fresh.append(row)
            created.append(row.notification)
        Notification.objects.bulk_create(created)
        for row in fresh:
            row.notification = row.notification  # now saved: sets notification_id and keeps it cached
        Reminder.objects.bulk_update(fresh, ["notification"])
        Reminder.objects.filter(pk__in=dropped).update(status=Reminder.Status.CANCELLED, last_error="No longer due")
        Reminder.objects.filter(pk__in=left).update(status=Reminder.Status.CANCELLED,
                                                    last_error="Recipient deactivated")
    return ready


def _deliver(rows: list[Reminder], now: datetime) -> int:
    ready = _create_notifications(rows, _targets(rows), now)
    failed: dict[int, str] = {}
    # Every ready row has its notification by now; each emailed row is taken with it.
    emailed = [(row, note) for row in ready if (note := row.notification) is not None
               and note.email_state in (Notification.Email.PENDING, Notification.Email.FAILED)]
    if emailed:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
            for row, note in emailed:
                try:
                    connection.send_messages([notifications.email_for(note, row.recipient)])
                except SoftTimeLimitExceeded:
                    raise
                except Exception as exc:  # any SMTP failure: retry this row, keep going
                    failed[row.pk] = f"{type(exc).__name__}: {exc}"[:2000]
                    # A hang-up leaves the SMTP session dead for the rest of the batch: start a fresh one.
                    with contextlib.suppress(Exception):
                        connection.close()
                        connection.open()
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # the server is down: every email of the batch waits
            failed.update({row.pk: f"{type(exc).__name__}: {exc}"[:2000] for row, _note in emailed})
        finally:
            connection.close()
    sent_ids = [row.pk for row in ready if row.pk not in failed]
    emailed_ok = [note.pk for row, note in emailed if row.pk not in failed]
    with transaction.atomic():
        ours = _still_ours(ready)
        ours.filter(pk__in=sent_ids).update(status=Reminder.Status.SENT, sent_at=now, last_error="")
        Notification.objects.filter(pk__in=emailed_ok).update(email_state=Notification.Email.SENT, emailed_at=now)
        for row, note in emailed:  # only emailed rows can have failed
            if row.pk not in failed:
                continue
            if row.attempts >= settings.CXCOE_DELIVERY_MAX_ATTEMPTS:
                ours.filter(pk=row.pk).update(status=Reminder.Status.FAILED, last_error=failed[row.pk])
                Notification.objects.filter(pk=note.pk).update(email_state=Notification.Email.FAILED)
            else:
                ours.filter(pk=row.pk).update(status=Reminder.Status.PENDING, last_error=failed[row.pk],
                                              next_attempt_at=now + _backoff(row.attempts))
    if failed:
        log.warning("%d reminder emails failed; they are retried with backoff", len(failed))
    return len(sent_ids)


def send_reminders(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Deliver the pending ledger rows whose time has come; returns how many were delivered.

    Stops after CXCOE_SENDER_BUDGET_SECONDS, well inside the task's time limit and the sending timeout:
    what is left waits for the next run, a minute later.
    """
    now = now or timezone.now()
    size = batch_size or settings.CXCOE_SENDER_BATCH
    deadline = time.monotonic() + settings.CXCOE_SENDER_BUDGET_SECONDS
    delivered = 0
    while time.monotonic() < deadline and (rows := _claim(now, size)):
        delivered += _deliver(rows, now)
    return delivered


def send_digests(*, frequency: str, now: datetime | None = None) -> int:
    """Email each person their waiting daily (or weekly) notifications as one message; returns emails sent.

    A failure for one person is logged and their notifications wait for the next digest; the others go.
    """
    now = now or timezone.now()
    sent = 0
    people = (Notification.objects.filter(email_state=frequency).order_by()
              .values_list("recipient_id", flat=True).distinct())
    for person_id in list(people):
        try:
            with transaction.atomic():
                waiting = list(Notification.objects.select_for_update(skip_locked=True)
                               .filter(recipient_id=person_id, email_state=frequency).order_by("created_at"))
                if not waiting:
                    continue
                recipient = User.objects.get(pk=person_id)
                if recipient.is_active:
                    notifications.digest_email_for(waiting, recipient, frequency).send()
                    sent += 1
                Notification.objects.filter(pk__in=[note.pk for note in waiting]).update(
                    email_state=Notification.Email.SENT if recipient.is_active else Notification.Email.SKIPPED,
                    emailed_at=now,
                )
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            log.exception("The %s digest for person %s failed; it is sent with the next one", frequency, person_id)
    return sent


@dataclass(frozen=True)
class Sweep:
    name: str
    label: StrOrPromise
    run: Callable[..., int]  # run(today=date) -> number of ledger rows declared


SWEEPS: dict[str, Sweep] = {}


def register_sweep(sweep: Sweep) -> Sweep:
    SWEEPS[sweep.name] = sweep
    return sweep


def run_sweep(*, name: str, today: date | None = None) -> SweepRun:
    """Run one registered sweep and record the run (its counts, or its error) for the operations page."""
    sweep = SWEEPS[name]
    lost = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    SweepRun.objects.filter(name=name, status=SweepRun.Status.RUNNING, started_at__lt=lost).update(
        status=SweepRun.Status.FAILED, finished_at=timezone.now(), error="Stopped before finishing (worker lost)")
    run = SweepRun.objects.create(name=name)
    try:
        declared = sweep.run(today=today or timezone.localdate())
    except Exception as exc:
        SweepRun.objects.filter(pk=run.pk).update(status=SweepRun.Status.FAILED, finished_at=timezone.now(),
                                                  error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    SweepRun.objects.filter(pk=run.pk).update(status=SweepRun.Status.OK, finished_at=timezone.now(),
                                              declared=declared)
    run.refresh_from_db()
    return run


def run_all_sweeps(*, today: date | None = None) -> int:
    """The daily beat entry: every registered sweep, each recorded on its own; returns rows declared."""
    declared = 0
    for name in SWEEPS:
        try:
            declared += run_sweep(name=name, today=today).declared
        except Exception:
            log.exception("Sweep %s failed; the others still run", name)
    return declared


@transaction.atomic
def request_sweep(*, name: str, by: User) -> bool:
    """Queue a sweep from the operations page. A second press while one is queued or running adds nothing."""
    recent = timezone.now() - timedelta(minutes=5)
    if SweepRun.objects.filter(name=name, status=SweepRun.Status.RUNNING, started_at__gte=recent).exists():
        return False
    if not queueing.enqueue("cxcoe.tasks.run_sweep", name, label=_("Sweep: %(sweep)s") % {"sweep": SWEEPS[name].label}):
        return False
    record_event(actor=by, verb="sweep.requested", details={"sweep": name})
    return True


def ledger_totals() -> dict[str, int]:
    """How many ledger rows are in each status: counted by cxcoe.lib.rollups, not on each view."""
    return dict(Reminder.objects.order_by().values_list("status").annotate(n=Count("pk")))
