"""Who is asked to acknowledge a standard's version, and their acknowledgements."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cxcoe.audit import record_event
from cxcoe.lib import queueing
from cxcoe.models import User
from cxcoe.notifications import reminders

from .. import permissions, tallies
from ..kinds import ACK_DUE, ACK_ESCALATION, APPROVAL_REQUESTED
from ..models import (
    Acknowledgement,
    Standard,
    StandardVersion,
)

INSERT_BATCH = 2000


def wind_down(standard: Standard) -> None:
    """What retiring stops: open drafts, pending acknowledgements and every reminder about it."""
    open_versions = standard.versions.filter(status__in=StandardVersion.OPEN)
    reminders.cancel_for_targets(StandardVersion, open_versions.values("pk"), kinds=[APPROVAL_REQUESTED])
    open_versions.update(status=StandardVersion.Status.WITHDRAWN)
    withdraw_pending(standard)
    reminders.cancel_for_target(standard)
    # Escalations and approval requests point at versions, not at the standard.
    reminders.cancel_for_targets(StandardVersion, standard.versions.values("pk"),
                                 kinds=[ACK_ESCALATION, APPROVAL_REQUESTED])
    tallies.count(standard)


def withdraw_pending(standard: Standard) -> int:
    """Withdraw every pending request of `standard`, then their reminders: rows before reminders, the order
    `acknowledge_standard` locks them in."""
    pending = Acknowledgement.objects.filter(standard=standard, status=Acknowledgement.Status.PENDING)
    ids = list(pending.values_list("pk", flat=True))
    withdrawn = 0
    for start in range(0, len(ids), INSERT_BATCH):
        batch = ids[start:start + INSERT_BATCH]
        withdrawn += Acknowledgement.objects.filter(pk__in=batch, status=Acknowledgement.Status.PENDING).update(
            status=Acknowledgement.Status.WITHDRAWN)
        reminders.cancel_for_targets(Acknowledgement, batch, kinds=[ACK_DUE])
    return withdrawn


def _insert_pending(standard: Standard, version: StandardVersion, people, due_on: date) -> int:
    """Ask `people` (a QuerySet of users); those already asked for `version` are skipped.

    One INSERT ... SELECT: the database makes the rows, so asking 50,000 people is one statement, not a
    round trip per batch of rows through Python.
    """
    select, params = people.order_by().values(person=F("pk")).query.sql_with_params()
    ops = connection.ops
    with connection.cursor() as cursor:
        # The table comes from the model and every value is a parameter. "WHERE true" keeps SQLite from reading
        # ON CONFLICT as the ON of a join.
        cursor.execute(
            f"INSERT INTO {Acknowledgement._meta.db_table} (standard_id, version_id, person_id, status, due_on, "  # noqa: S608
            f"created_at) SELECT %s, %s, audience.person, %s, %s, %s FROM ({select}) audience WHERE true "
            f"ON CONFLICT DO NOTHING",
            [standard.pk, version.pk, Acknowledgement.Status.PENDING.value, ops.adapt_datefield_value(due_on),
             ops.adapt_datetimefield_value(timezone.now()), *params])
        return cursor.rowcount


def ask_for_acknowledgement(standard: Standard, version: StandardVersion, *, today: date, due_on: date) -> int:
    """Ask the whole audience to acknowledge `version`: earlier pending requests are withdrawn."""
    withdraw_pending(standard)
    standard.ack_version = version
    standard.save(update_fields=["ack_version"])
    audience = standard.audience_people()
    # Rows of this version withdrawn earlier (acknowledgement switched off, then on again) are asked again.
    asked = Acknowledgement.objects.filter(version=version, status=Acknowledgement.Status.WITHDRAWN,
                                           person__in=audience.values("pk")).update(
        status=Acknowledgement.Status.PENDING, due_on=due_on)
    asked += _insert_pending(standard, version, audience, due_on)
    tallies.count(standard)
    queueing.enqueue("standards.tasks.sweep_standard_acknowledgements", standard.pk,
                     label=_("First acknowledgement reminders of %(code)s") % {"code": standard.code})
    return asked


@transaction.atomic
def sync_acknowledgements(*, standard: Standard, today: date) -> tuple[int, int]:
    """Match the requests to today's audience: people who joined it are asked (with the joiners' deadline),
    pending requests of people who left it are withdrawn. Returns (asked, withdrawn).

    Under the standard's lock and from its locked row: an approval or a retirement that lands while a sweep
    runs must not have the old version's requests asked again.
    """
    standard = Standard.objects.select_for_update(of=("self",)).select_related("ack_version").get(pk=standard.pk)
    version = standard.ack_version
    if version is None or standard.status != Standard.Status.PUBLISHED:
        return 0, 0
    audience = standard.audience_people()
    rows = Acknowledgement.objects.filter(version=version)
    due_on = today + timedelta(days=standard.joiner_ack_days)
    back = rows.filter(status=Acknowledgement.Status.WITHDRAWN, person__in=audience.values("pk"))
    returned = back.update(status=Acknowledgement.Status.PENDING, due_on=due_on)
    # NOT EXISTS, not NOT IN: PostgreSQL makes it an anti-join, where NOT IN over a subquery too big for work_mem
    # (some 250,000 rows at the default 4 MB) scans the subquery's rows once per row.
    joiners = audience.filter(~Exists(rows.filter(person_id=OuterRef("pk"))))
    asked = _insert_pending(standard, version, joiners, due_on)
    left = list(rows.filter(status=Acknowledgement.Status.PENDING)
                .filter(~Exists(audience.filter(pk=OuterRef("person_id")))).values_list("pk", flat=True))
    # By ids, usually none: joined to the ledger through a subquery, the cancelling was planned as a nested loop
    # over both when their statistics still said "empty" (a second sweep right after publication: 54 s for
    # 10,000 people, growing with the square).
    withdrawn = 0
    for start in range(0, len(left), INSERT_BATCH):
        batch = left[start:start + INSERT_BATCH]
        withdrawn += Acknowledgement.objects.filter(pk__in=batch, status=Acknowledgement.Status.PENDING).update(
            status=Acknowledgement.Status.WITHDRAWN)
        reminders.cancel_for_targets(Acknowledgement, batch, kinds=[ACK_DUE])
    tallies.count(standard)
    return asked + returned, withdrawn


@transaction.atomic
def acknowledge_standard(*, standard: Standard, by: User, today: date | None = None) -> Acknowledgement:
    """Record that `by` read the standard. A second acknowledgement of the same version changes nothing."""
    today = today or timezone.localdate()
    standard = Standard.objects.select_related("ack_version").get(pk=standard.pk)
    version, current = standard.ack_version, standard.current_version
    if version is None or current is None or standard.status != Standard.Status.PUBLISHED:
        raise ValidationError(_("%(code)s does not ask for acknowledgement.") % {"code": standard.code})
    row = Acknowledgement.objects.filter(version=version, person=by).first()
    asked = row is not None and row.status != Acknowledgement.Status.WITHDRAWN
    if not asked and not standard.audience_people().filter(pk=by.pk).exists():
        raise ValidationError(_("%(code)s is not addressed to you.") % {"code": standard.code})
    row, created = Acknowledgement.objects.get_or_create(
        version=version, person=by,
        defaults={"standard": standard, "due_on": today + timedelta(days=standard.joiner_ack_days)},
    )
    row = Acknowledgement.objects.select_for_update().get(pk=row.pk)
    if row.status == Acknowledgement.Status.ACKNOWLEDGED:
        return row
    tallies.record_acknowledgement(row, unit_id=by.business_unit_id,
                                   was_asked=row.status == Acknowledgement.Status.PENDING and not created,
                                   was_overdue=row.is_overdue(today))
    row.status = Acknowledgement.Status.ACKNOWLEDGED
    row.acknowledged_at = timezone.now()
    row.read_version = current
    row.save(update_fields=["status", "acknowledged_at", "read_version"])
    reminders.settle(row, kinds=[ACK_DUE])
    # Reading the current text answers what earlier versions asked of `by` too: those requests were withdrawn
    # when this version asked again, and their notifications are done now rather than left to count as new.
    earlier = Acknowledgement.objects.filter(standard=standard, person=by, status=Acknowledgement.Status.WITHDRAWN)
    for withdrawn in earlier:
        reminders.settle(withdrawn, kinds=[ACK_DUE])
    record_event(actor=by, verb="standard.acknowledged", target=standard,
                 details={"version": version.number, "current_version": current.number})
    return row


@transaction.atomic
def remind_pending(*, standard: Standard, unit, by: User, person: User | None = None,
                   today: date | None = None) -> int:
    """Remind now the people of `unit` who have not acknowledged the version being asked, or only `person`: at
    most once per person and day, through the ledger. Audited with how many were new. Returns that number."""
    if not permissions.can_follow_up(by, unit):
        raise ValidationError(_("Only CoE staff and the unit's leaders send these reminders."))
    today = today or timezone.localdate()
    rows = Acknowledgement.objects.pending().filter(standard=standard, version_id=standard.ack_version_id,
                                                    person__business_unit=unit, person__is_active=True)
    if person is not None:
        rows = rows.filter(person=person)
    sent = reminders.remind_by_hand(kind=ACK_DUE, model=Acknowledgement, today=today,
                                    items=rows.values_list("person_id", "pk", "due_on"))
    record_event(actor=by, verb="standard.reminded", target=standard,
                 details={"unit": unit.name, **({"person": str(person)} if person else {}), "reminded": sent})
    return sent
