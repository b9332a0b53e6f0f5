"""Every write to principles, standards, acknowledgements and communication plans.

Each function checks what it may do, changes the rows under a lock where one winner must be chosen, and
records an audit event. Views, the admin, the sweeps and `seed_demo` all come through here.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cxcoe import audit, reviews
from cxcoe.audit import record_event
from cxcoe.lib import queueing
from cxcoe.models import ReviewRecord, User
from cxcoe.notifications import reminders

from . import permissions, tallies
from .kinds import ACK_DUE, ACK_ESCALATION, APPROVAL_REQUESTED, COMMUNICATION, COMMUNICATION_NOT_READY, DECISION
from .models import (
    VERSION_TEXT_FIELDS,
    Acknowledgement,
    CalendarFeed,
    Communication,
    CommunicationPlan,
    Principle,
    Standard,
    StandardVersion,
)

INSERT_BATCH = 2000


# Principles

PRINCIPLE_FIELDS = ["title", "statement", "explanation", "examples"]


@transaction.atomic
def save_principle(*, principle: Principle, by: User) -> Principle:
    if principle.pk is None:
        highest = Principle.objects.aggregate(highest=Max("position"))["highest"]
        principle.position = 0 if highest is None else highest + 1
        principle.save()
        record_event(actor=by, verb="principle.created", target=principle)
        return principle
    before = audit.values(Principle.objects.select_for_update().get(pk=principle.pk), PRINCIPLE_FIELDS)
    # Its place and archived flag change through their own actions, maybe while the form was open.
    principle.save(update_fields=PRINCIPLE_FIELDS)
    if details := audit.changes(Principle, before, audit.values(principle, PRINCIPLE_FIELDS)):
        record_event(actor=by, verb="principle.updated", target=principle, details=details)
    return principle


@transaction.atomic
def set_principle_archived(*, principle: Principle, by: User, archived: bool) -> Principle:
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    if principle.is_archived != archived:
        principle.is_archived = archived
        principle.save(update_fields=["is_archived"])
        record_event(actor=by, verb="principle.archived" if archived else "principle.restored", target=principle)
    return principle


def principle_is_linked(principle: Principle) -> bool:
    return principle.standards.exists() or principle.communication_plans.exists()


@transaction.atomic
def delete_principle(*, principle: Principle, by: User) -> None:
    """Only a principle nothing points to can go; anything else is archived, so its history stays readable."""
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    if principle_is_linked(principle):
        raise ValidationError(_("Standards or plans point to this principle. Archive it instead."))
    record_event(actor=by, verb="principle.deleted", target=principle, details={"title": principle.title})
    principle.delete()


@transaction.atomic
def move_principle(*, principle: Principle, by: User, up: bool) -> None:
    """Swap a principle with its neighbour in the order."""
    ordered = list(Principle.objects.select_for_update().active().order_by("position", "pk"))
    index = next((i for i, item in enumerate(ordered) if item.pk == principle.pk), None)
    if index is None:
        return
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            Principle.objects.filter(pk=item.pk).update(position=position)
    record_event(actor=by, verb="principle.moved", target=principle, details={"position": other + 1})


# Standards and their versions


def _version_fields(version: StandardVersion) -> dict:
    return {name: getattr(version, name) for name in [*VERSION_TEXT_FIELDS, "change_summary",
                                                       "needs_reacknowledgement"]}


@transaction.atomic
def create_standard(*, standard: Standard, draft: StandardVersion, by: User, audience_units=()) -> Standard:
    """A new standard and its first draft (version 1)."""
    if Standard.objects.filter(code=standard.code).exists():
        raise ValidationError({"code": _("Another standard already has the code %(code)s.") % {"code": standard.code}})
    standard.title = draft.title
    standard.status = Standard.Status.DRAFT
    standard.save()
    standard.audience_units.set(audience_units)
    draft.standard = standard
    draft.number = 1
    draft.status = StandardVersion.Status.DRAFT
    draft.created_by = by
    draft.save()
    record_event(actor=by, verb="standard.created", target=standard)
    return standard


SETTINGS_FIELDS = ["principle", "owner", "approver", "requires_acknowledgement", "ack_days", "joiner_ack_days",
                   "review_interval_days", "next_review_on", "audience_role"]


@transaction.atomic
def update_standard(*, standard: Standard, by: User, audience_units, today: date | None = None) -> Standard:
    """Save a standard's settings (not its text: that changes through a new version)."""
    today = today or timezone.localdate()
    if not by.is_coe_staff:
        raise ValidationError(_("Only CoE staff change who a standard is for, who approves it and who must "
                                "acknowledge it."))
    before_row = Standard.objects.select_for_update().get(pk=standard.pk)
    # What approvals decided meanwhile comes from the locked row, not from the form's copy.
    standard.status, standard.current_version_id = before_row.status, before_row.current_version_id
    standard.ack_version_id = before_row.ack_version_id
    if before_row.is_retired:
        raise ValidationError(_("A retired standard keeps its history and can't change."))
    before = audit.values(before_row, [*SETTINGS_FIELDS, "audience_units"])
    if standard.owner_id != before_row.owner_id:
        standard.owner_flagged = False
        reminders.cancel_for_target(standard, kinds=[reviews.REVIEW_DUE, reviews.REVIEW_ESCALATION])
    # Only the settings: an approval that lands meanwhile keeps its current version and status.
    standard.save(update_fields=[*SETTINGS_FIELDS, "owner_flagged"])
    standard.audience_units.set(audience_units)
    after = {**audit.values(standard, SETTINGS_FIELDS), "audience_units": list(audience_units)}
    changed = audit.changed(Standard, before, after)
    units_changed = "audience_units" in changed
    if standard.status == Standard.Status.PUBLISHED:
        if standard.requires_acknowledgement and standard.ack_version_id is None:
            due_on = today + timedelta(days=standard.ack_days)
            # The version's page and the progress panel show its deadline, as after an approval that asks.
            StandardVersion.objects.filter(pk=standard.current_version_id).update(ack_due_on=due_on)
            _ask_for_acknowledgement(standard, standard.current_version, today=today, due_on=due_on)
        elif not standard.requires_acknowledgement and standard.ack_version_id is not None:
            _withdraw_pending(standard)
            standard.ack_version = None
            standard.save(update_fields=["ack_version"])
            tallies.count(standard)  # no version asked: no tallies, on its page or the dashboards
        elif units_changed or "audience_role" in changed:
            sync_acknowledgements(standard=standard, today=today)
    if changed:
        record_event(actor=by, verb="standard.updated", target=standard,
                     details=audit.changes(Standard, before, after))
    return standard


@transaction.atomic
def start_revision(*, standard: Standard, by: User) -> StandardVersion:
    """Open a new draft from the current text. A second call returns the draft already open."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.is_retired:
        raise ValidationError(_("A retired standard can't get a new version."))
    if (open_version := standard.open_version()) is not None:
        return open_version
    source = standard.current_version or standard.versions.order_by("-number").first()
    fields = _version_fields(source) if source else {"title": standard.title, "statement": ""}
    fields["change_summary"] = ""
    fields["needs_reacknowledgement"] = True
    highest = standard.versions.aggregate(highest=Max("number"))["highest"] or 0
    version = StandardVersion.objects.create(standard=standard, number=highest + 1, created_by=by, **fields)
    record_event(actor=by, verb="version.drafted", target=standard, details={"version": version.number})
    return version


def _locked_version(version: StandardVersion) -> StandardVersion:
    # of=("self",): lock the version row only. Approvals lock the standard and then the version; locking both
    # here (in the database's order) could deadlock against them.
    return StandardVersion.objects.select_for_update(of=("self",)).select_related("standard").get(pk=version.pk)


@transaction.atomic
def save_draft(*, version: StandardVersion, by: User) -> StandardVersion:
    """Save the text of a draft; a version waiting for approval or published can't be edited."""
    current = _locked_version(version)
    if current.status != StandardVersion.Status.DRAFT:
        raise ValidationError(_("Version %(number)s is %(status)s: only a draft can be edited.")
                              % {"number": current.number, "status": current.get_status_display().lower()})
    fields = [*VERSION_TEXT_FIELDS, "change_summary", "needs_reacknowledgement"]
    changes = audit.changes(StandardVersion, audit.values(current, fields), audit.values(version, fields))
    version.save()
    if version.standard.status == Standard.Status.DRAFT:
        Standard.objects.filter(pk=version.standard_id).update(title=version.title)
    if changes:
        record_event(actor=by, verb="version.draft_saved", target=version.standard,
                     details={"version": version.number, **changes})
    return version


def _notify_approvers(version: StandardVersion, standard: Standard) -> None:
    approver = permissions.approver_of(standard)
    approvers = [approver] if approver else list(User.objects.active().coe_staff())
    approvers = [person for person in approvers if person.pk != version.submitted_by_id
                 or settings.CXCOE_ALLOW_SELF_APPROVAL]
    reminders.notify(
        recipients=approvers, kind=APPROVAL_REQUESTED, target=version,
        key=f"submitted-{version.submitted_at:%Y%m%d%H%M%S}",
        title=_("Approve %(version)s: %(title)s") % {"version": version, "title": version.title},
        body=_("%(person)s submitted version %(number)s of %(code)s for your approval. %(summary)s") % {
            "person": version.submitted_by, "number": version.number, "code": standard.code,
            "summary": version.change_summary},
        url=version.get_absolute_url(),
    )


@transaction.atomic
def submit_version(*, version: StandardVersion, by: User) -> StandardVersion:
    version = _locked_version(version)
    if version.status == StandardVersion.Status.SUBMITTED:
        raise ValidationError(_("Version %(number)s is already waiting for approval.") % {"number": version.number})
    if version.status != StandardVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    if not version.title.strip() or not version.statement.strip():
        raise ValidationError(_("Give the version a title and a statement before submitting it."))
    version.status = StandardVersion.Status.SUBMITTED
    version.submitted_by = by
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at"])
    record_event(actor=by, verb="version.submitted", target=version.standard, details={"version": version.number})
    _notify_approvers(version, version.standard)
    return version


@transaction.atomic
def withdraw_submission(*, version: StandardVersion, by: User) -> StandardVersion:
    """The author takes a submitted version back to draft, to change it before anyone decides."""
    version = _locked_version(version)
    if version.status != StandardVersion.Status.SUBMITTED:
        raise ValidationError(_("This version is not waiting for approval."))
    version.status = StandardVersion.Status.DRAFT
    version.save(update_fields=["status"])
    reminders.cancel_for_target(version, kinds=[APPROVAL_REQUESTED])
    record_event(actor=by, verb="version.recalled", target=version.standard, details={"version": version.number})
    return version


def _notify_decision(version: StandardVersion, by: User, title: str, body: str) -> None:
    people = User.objects.active().filter(pk__in={version.created_by_id, version.submitted_by_id,
                                                  version.standard.owner_id} - {by.pk, None})
    reminders.notify(recipients=people, kind=DECISION, target=version,
                     key=f"decided-{timezone.now():%Y%m%d%H%M%S}", title=title, body=body,
                     url=version.get_absolute_url())


@transaction.atomic
def approve_version(*, version: StandardVersion, by: User, effective_on: date | None = None, comment: str = "",
                    today: date | None = None) -> StandardVersion:
    """Make a submitted version current; the previous current version is superseded.

    The standard's row is locked first, so two approvers acting at once are served one after the other and
    the second finds the version already decided. The partial unique index on current versions backs this up.
    """
    today = today or timezone.localdate()
    effective_on = effective_on or today
    standard = Standard.objects.select_for_update().get(pk=version.standard_id)
    version = _locked_version(version)
    if version.status != StandardVersion.Status.SUBMITTED:
        raise ValidationError(_("Version %(number)s is no longer waiting for approval: it is %(status)s.")
                              % {"number": version.number, "status": version.get_status_display().lower()})
    if reason := permissions.approval_refusal(by, version) or permissions.self_approval_refusal(by, version):
        raise ValidationError(reason)
    if effective_on < today:
        raise ValidationError({"effective_on": _("The effective date can't be in the past.")})
    now = timezone.now()
    previous = standard.current_version
    if previous is not None:
        StandardVersion.objects.filter(pk=previous.pk).update(status=StandardVersion.Status.SUPERSEDED,
                                                              superseded_at=now)
    asks_again = standard.requires_acknowledgement and (
        previous is None or version.needs_reacknowledgement or standard.ack_version_id is None)
    version.status = StandardVersion.Status.CURRENT
    version.decided_by = by
    version.decided_at = now
    version.effective_on = effective_on
    version.returned_comment = ""
    if asks_again:
        version.ack_due_on = effective_on + timedelta(days=standard.ack_days)
    version.save()
    standard.current_version = version
    standard.title = version.title
    standard.status = Standard.Status.PUBLISHED
    if standard.next_review_on is None:
        standard.next_review_on = effective_on + timedelta(days=standard.review_interval_days)
    standard.save(update_fields=["current_version", "title", "status", "next_review_on"])
    reminders.cancel_for_target(version, kinds=[APPROVAL_REQUESTED])
    record_event(actor=by, verb="version.approved", target=standard,
                 details={"version": version.number, "effective_on": str(effective_on), "comment": comment})
    record_event(actor=by, verb="standard.published", target=standard,
                 details={"version": version.number, "asks_for_acknowledgement": asks_again})
    if asks_again:
        _ask_for_acknowledgement(standard, version, today=today, due_on=version.ack_due_on)
    _notify_decision(version, by, _("%(version)s is approved") % {"version": version},
                     _("%(person)s approved version %(number)s of %(code)s. It is effective from %(date)s.") % {
                         "person": by, "number": version.number, "code": standard.code,
                         "date": date_format(effective_on)})
    return version


@transaction.atomic
def send_back(*, version: StandardVersion, by: User, comment: str) -> StandardVersion:
    version = _locked_version(version)
    if version.status != StandardVersion.Status.SUBMITTED:
        raise ValidationError(_("Version %(number)s is no longer waiting for approval.") % {"number": version.number})
    if reason := permissions.approval_refusal(by, version):
        raise ValidationError(reason)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change, so the author can fix it.")})
    version.status = StandardVersion.Status.DRAFT
    version.returned_comment = comment.strip()
    version.save(update_fields=["status", "returned_comment"])
    reminders.cancel_for_target(version, kinds=[APPROVAL_REQUESTED])
    record_event(actor=by, verb="version.sent_back", target=version.standard,
                 details={"version": version.number, "comment": version.returned_comment})
    _notify_decision(version, by, _("%(version)s was sent back") % {"version": version},
                     _("%(person)s sent version %(number)s back: %(comment)s") % {
                         "person": by, "number": version.number, "comment": version.returned_comment})
    return version


def _wind_down(standard: Standard) -> None:
    """What retiring stops: open drafts, pending acknowledgements and every reminder about it."""
    open_versions = standard.versions.filter(status__in=StandardVersion.OPEN)
    reminders.cancel_for_targets(StandardVersion, open_versions.values("pk"), kinds=[APPROVAL_REQUESTED])
    open_versions.update(status=StandardVersion.Status.WITHDRAWN)
    _withdraw_pending(standard)
    reminders.cancel_for_target(standard)
    # Escalations and approval requests point at versions, not at the standard.
    reminders.cancel_for_targets(StandardVersion, standard.versions.values("pk"),
                                 kinds=[ACK_ESCALATION, APPROVAL_REQUESTED])
    tallies.count(standard)


def _retire(standard: Standard, *, by: User, note: str) -> None:
    """Retire a standard whose row the caller has locked: everything it had set going stops; history stays."""
    standard.status = Standard.Status.RETIRED
    standard.next_review_on = None
    standard.save(update_fields=["status", "next_review_on"])
    _wind_down(standard)
    record_event(actor=by, verb="standard.retired", target=standard, details={"note": note})


@transaction.atomic
def retire_standard(*, standard: Standard, by: User, note: str = "") -> Standard:
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.is_retired:
        raise ValidationError(_("%(code)s is already retired.") % {"code": standard.code})
    _retire(standard, by=by, note=note)
    return standard


def retire_after_review(*, item: Standard, by: User, note: str) -> None:
    """The review engine's retirer for standards (cxcoe/reviews/), registered in StandardsConfig.ready()."""
    _retire(item, by=by, note=note)


@transaction.atomic
def review_standard(*, standard: Standard, by: User, outcome: str, note: str = "",
                    today: date | None = None) -> tuple[ReviewRecord, StandardVersion | None]:
    """Record the owner's review; "updated" opens a new draft, "retired" retires the standard."""
    if not standard.is_under_review():
        raise ValidationError(_("Only a published standard is reviewed."))
    record = reviews.record_review(item=standard, by=by, outcome=outcome, note=note, today=today)
    draft = None
    if outcome == ReviewRecord.Outcome.UPDATED:
        draft = start_revision(standard=standard, by=by)
    return record, draft


# Acknowledgements


def _withdraw_pending(standard: Standard) -> int:
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


def _ask_for_acknowledgement(standard: Standard, version: StandardVersion, *, today: date, due_on: date) -> int:
    """Ask the whole audience to acknowledge `version`: earlier pending requests are withdrawn."""
    _withdraw_pending(standard)
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
    version = standard.ack_version
    if version is None or standard.status != Standard.Status.PUBLISHED:
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
    row.read_version = standard.current_version
    row.save(update_fields=["status", "acknowledged_at", "read_version"])
    reminders.cancel_for_target(row)
    record_event(actor=by, verb="standard.acknowledged", target=standard,
                 details={"version": version.number, "current_version": standard.current_version.number})
    return row


# Communication plans


PLAN_FIELDS = ["title", "objective", "owner", "audience_role", "starts_on", "ends_on"]


@transaction.atomic
def save_plan(*, plan: CommunicationPlan, by: User, audience_units=(), standards=(), principles=()) \
        -> CommunicationPlan:
    related = {"audience_units": list(audience_units), "standards": list(standards), "principles": list(principles)}
    before = None if plan.pk is None else audit.values(
        CommunicationPlan.objects.select_for_update().get(pk=plan.pk), [*PLAN_FIELDS, *related])
    if before is None:
        plan.created_by = by
        plan.save()
    else:  # archiving is its own action, maybe taken while the form was open
        plan.save(update_fields=PLAN_FIELDS)
    for name, rows in related.items():
        getattr(plan, name).set(rows)
    if before is None:
        record_event(actor=by, verb="plan.created", target=plan)
    elif details := audit.changes(CommunicationPlan, before, {**audit.values(plan, PLAN_FIELDS), **related}):
        record_event(actor=by, verb="plan.updated", target=plan, details=details)
    return plan


@transaction.atomic
def set_plan_archived(*, plan: CommunicationPlan, by: User, archived: bool) -> CommunicationPlan:
    plan = CommunicationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_archived != archived:
        plan.is_archived = archived
        plan.save(update_fields=["is_archived"])
        if archived:
            for communication in plan.communications.filter(status=Communication.Status.PLANNED):
                reminders.cancel_for_target(communication)
        record_event(actor=by, verb="plan.archived" if archived else "plan.restored", target=plan)
    return plan


COMMUNICATION_FIELDS = ["title", "channel", "scheduled_on", "owner", "message"]


@transaction.atomic
def save_communication(*, communication: Communication, by: User) -> Communication:
    created = communication.pk is None
    if created:
        communication.save()
        record_event(actor=by, verb="communication.created", target=communication,
                     details={"plan": str(communication.plan)})
        return communication
    current = Communication.objects.select_for_update().get(pk=communication.pk)
    if current.status == Communication.Status.SENT:
        raise ValidationError(_("This communication was sent; it can't change any more."))
    if current.scheduled_on != communication.scheduled_on or current.owner_id != communication.owner_id:
        reminders.cancel_for_target(communication, kinds=[COMMUNICATION_NOT_READY])
    # The status moves through its own buttons, maybe while this form was open.
    communication.save(update_fields=COMMUNICATION_FIELDS)
    if details := audit.changes(Communication, audit.values(current, COMMUNICATION_FIELDS),
                                audit.values(communication, COMMUNICATION_FIELDS)):
        record_event(actor=by, verb="communication.updated", target=communication, details=details)
    return communication


# Which status changes a person can make by hand. "Sent" by hand records a town hall held or a newsletter
# published outside cxcoe; email sent by cxcoe itself goes through `send_communication`.
STATUS_CHANGES = {
    Communication.Status.PLANNED: {Communication.Status.READY, Communication.Status.CANCELLED},
    Communication.Status.READY: {Communication.Status.PLANNED, Communication.Status.SENT,
                                 Communication.Status.CANCELLED},
    Communication.Status.CANCELLED: {Communication.Status.PLANNED},
    Communication.Status.SENT: set(),
}


@transaction.atomic
def set_communication_status(*, communication: Communication, by: User, status: str) -> Communication:
    communication = Communication.objects.select_for_update().get(pk=communication.pk)
    if status == communication.status:
        return communication
    if status not in STATUS_CHANGES[communication.status]:
        raise ValidationError(_("A %(from)s communication can't be marked %(to)s.") % {
            "from": communication.get_status_display().lower(),
            "to": Communication.Status(status).label.lower()})
    before = audit.values(communication, ["status"])
    communication.status = status
    if status == Communication.Status.SENT:
        communication.sent_at = timezone.now()
        communication.sent_by = by
    communication.save(update_fields=["status", "sent_at", "sent_by"])
    if status != Communication.Status.PLANNED:
        reminders.cancel_for_target(communication, kinds=[COMMUNICATION_NOT_READY])
    record_event(actor=by, verb="communication.status_changed", target=communication,
                 details=audit.changes(Communication, before, {"status": status}))
    return communication


@transaction.atomic
def send_communication(*, communication: Communication, by: User) -> int:
    """Send an email communication to its plan's audience through the notification machinery, once.

    The row is locked and must be "ready": a second send (a double click, a second tab) finds it "sent" and
    is refused. Each recipient's ledger row is the record of who it reached. Returns the number of recipients.
    """
    communication = Communication.objects.select_for_update(of=("self",)).select_related("plan").get(
        pk=communication.pk)
    recipients = list(communication.plan.audience_people().only("pk"))
    if reason := permissions.send_refusal(by, communication, audience_size=len(recipients)):
        raise ValidationError(reason)
    communication.status = Communication.Status.SENT
    communication.sent_at = timezone.now()
    communication.sent_by = by
    communication.recipient_count = len(recipients)
    communication.save(update_fields=["status", "sent_at", "sent_by", "recipient_count"])
    reminders.cancel_for_target(communication, kinds=[COMMUNICATION_NOT_READY])
    reminders.notify(recipients=recipients, kind=COMMUNICATION, target=communication, key="sent",
                     title=communication.title, body=communication.message,
                     url=reverse("standards:communication-detail", args=[communication.pk]))
    record_event(actor=by, verb="communication.sent", target=communication,
                 details={"recipients": len(recipients)})
    return len(recipients)


@transaction.atomic
def create_calendar_feed(*, person: User) -> CalendarFeed:
    """The person's private calendar address, made when they ask for it. Asking again (a double click, a second
    tab) gives the address they have: a person has one at most."""
    feed, created = CalendarFeed.objects.get_or_create(person=person, defaults={"token": secrets.token_urlsafe(32)})
    if created:
        record_event(actor=person, verb="calendar.created", target=person)
    return feed


@transaction.atomic
def reset_calendar_feed(*, person: User) -> CalendarFeed:
    """A new private address; the old one stops working at once. Without one yet, this makes the first."""
    feed = CalendarFeed.objects.select_for_update().filter(person=person).first()
    if feed is None:
        return create_calendar_feed(person=person)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    record_event(actor=person, verb="calendar.reset", target=person)
    return feed
