"""Writes to a standard itself: create it, change its settings, review it, retire it."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxcoe import audit, reviews
from cxcoe.audit import record_event
from cxcoe.models import ReviewRecord, User
from cxcoe.notifications import reminders

from .. import tallies
from ..models import (
    Standard,
    StandardVersion,
)
from .acknowledgements import ask_for_acknowledgement, sync_acknowledgements, wind_down, withdraw_pending
from .versions import start_revision


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
            ask_for_acknowledgement(standard, standard.current_version, today=today, due_on=due_on)
        elif not standard.requires_acknowledgement and standard.ack_version_id is not None:
            withdraw_pending(standard)
            standard.ack_version = None
            standard.save(update_fields=["ack_version"])
            tallies.count(standard)  # no version asked: no tallies, on its page or the dashboards
        elif units_changed or "audience_role" in changed:
            sync_acknowledgements(standard=standard, today=today)
    if changed:
        record_event(actor=by, verb="standard.updated", target=standard,
                     details=audit.changes(Standard, before, after))
    return standard


def _retire(standard: Standard, *, by: User, note: str) -> None:
    """Retire a standard whose row the caller has locked: everything it had set going stops; history stays."""
    standard.status = Standard.Status.RETIRED
    standard.next_review_on = None
    standard.save(update_fields=["status", "next_review_on"])
    wind_down(standard)
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
