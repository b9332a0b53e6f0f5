"""Writes to a standard itself: create it, change its settings, review it, retire it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxcoe import reviews
from cxcoe.audit import record_event
from cxcoe.lib.edits import check_names, new_row, save_edit
from cxcoe.models import ReviewRecord, User
from cxcoe.notifications import reminders

from .. import permissions, tallies
from ..models import VERSION_TEXT_FIELDS, Standard, StandardVersion
from .acknowledgements import ask_for_acknowledgement, sync_acknowledgements, wind_down, withdraw_pending
from .versions import start_revision

# What a new standard is given: its settings (the settings form, without the review date, set when the first
# version is approved) and, in `version`, its first version's text.
CREATE_FIELDS = ["code", "principle", "owner", "approver", "audience_units", "audience_role",
                 "requires_acknowledgement", "ack_days", "joiner_ack_days", "review_interval_days"]
# What the settings form changes. The code never changes; the text changes through a new version.
SETTINGS_FIELDS = ["principle", "owner", "approver", "audience_units", "audience_role", "requires_acknowledgement",
                   "ack_days", "joiner_ack_days", "review_interval_days", "next_review_on"]


@transaction.atomic
def create_standard(*, by: User, version: Mapping[str, Any], **values) -> Standard:
    """A new standard and its first draft (version 1), whose text is `version`."""
    if Standard.objects.filter(code=values.get("code")).exists():
        raise ValidationError({"code": _("Another standard already has the code %(code)s.") % {"code": values["code"]}})
    check_names(version, [*VERSION_TEXT_FIELDS, "change_summary"], service="create_standard")
    standard = new_row(Standard, values, fields=CREATE_FIELDS, service="create_standard",
                       title=version["title"], status=Standard.Status.DRAFT)
    StandardVersion.objects.create(standard=standard, number=1, status=StandardVersion.Status.DRAFT, created_by=by,
                                   **version)
    record_event(actor=by, verb="standard.created", target=standard)
    return standard


@transaction.atomic
def update_standard(*, standard: Standard, by: User, today: date | None = None, **values) -> Standard:
    """Change a standard's settings; a published one asks, or stops asking, whom they now name."""
    today = today or timezone.localdate()
    if reason := permissions.settings_refusal(by, standard):
        raise ValidationError(reason)
    # What approvals decided meanwhile (its status, its versions) is on the locked row; only `values` change it.
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if standard.is_retired:
        raise ValidationError(_("A retired standard keeps its history and can't change."))
    edit = save_edit(standard, values, fields=SETTINGS_FIELDS, service="update_standard")
    if "owner" in edit:
        standard.owner_flagged = False
        standard.save(update_fields=["owner_flagged"])
        reminders.cancel_for_target(standard, kinds=[reviews.REVIEW_DUE, reviews.REVIEW_ESCALATION])
    if standard.status == Standard.Status.PUBLISHED:
        current = standard.current_version  # a published standard has one
        if standard.requires_acknowledgement and standard.ack_version_id is None and current is not None:
            due_on = today + timedelta(days=standard.ack_days)
            # The version's page and the progress panel show its deadline, as after an approval that asks.
            StandardVersion.objects.filter(pk=current.pk).update(ack_due_on=due_on)
            ask_for_acknowledgement(standard, current, today=today, due_on=due_on)
        elif not standard.requires_acknowledgement and standard.ack_version_id is not None:
            withdraw_pending(standard)
            standard.ack_version = None
            standard.save(update_fields=["ack_version"])
            tallies.count(standard)  # no version asked: no tallies, on its page or the dashboards
        elif "audience_units" in edit or "audience_role" in edit:
            sync_acknowledgements(standard=standard, today=today)
    if edit:
        record_event(actor=by, verb="standard.updated", target=standard, details=edit.details)
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
