"""A standard's versions: drafts, submission, approval and sending back."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cxcoe.audit import record_event
from cxcoe.lib.edits import save_edit
from cxcoe.models import User
from cxcoe.notifications import reminders

from .. import permissions
from ..kinds import APPROVAL_REQUESTED, DECISION
from ..models import (
    VERSION_TEXT_FIELDS,
    Standard,
    StandardVersion,
)
from .acknowledgements import ask_for_acknowledgement


def _version_fields(version: StandardVersion) -> dict:
    return {name: getattr(version, name) for name in [*VERSION_TEXT_FIELDS, "change_summary",
                                                       "needs_reacknowledgement"]}


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


# What the draft form changes: the text, and what the new version says about itself.
DRAFT_FIELDS = [*VERSION_TEXT_FIELDS, "change_summary", "needs_reacknowledgement"]


@transaction.atomic
def save_draft(*, version: StandardVersion, by: User, **values) -> StandardVersion:
    """Save the text of a draft; a version waiting for approval or published can't be edited."""
    version = _locked_version(version)
    if version.status != StandardVersion.Status.DRAFT:
        raise ValidationError(_("Version %(number)s is %(status)s: only a draft can be edited.")
                              % {"number": version.number, "status": version.get_status_display().lower()})
    if edit := save_edit(version, values, fields=DRAFT_FIELDS, service="save_draft"):
        if version.standard.status == Standard.Status.DRAFT:
            Standard.objects.filter(pk=version.standard_id).update(title=version.title)
        record_event(actor=by, verb="version.draft_saved", target=version.standard,
                     details={"version": version.number, **edit.details})
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
    reminders.settle(version, kinds=[APPROVAL_REQUESTED])
    record_event(actor=by, verb="version.approved", target=standard,
                 details={"version": version.number, "effective_on": str(effective_on), "comment": comment})
    record_event(actor=by, verb="standard.published", target=standard,
                 details={"version": version.number, "asks_for_acknowledgement": asks_again})
    if asks_again and version.ack_due_on is not None:  # the deadline set above
        ask_for_acknowledgement(standard, version, today=today, due_on=version.ack_due_on)
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
    reminders.settle(version, kinds=[APPROVAL_REQUESTED])  # sending back is the decision the request asked for
    record_event(actor=by, verb="version.sent_back", target=version.standard,
                 details={"version": version.number, "comment": version.returned_comment})
    _notify_decision(version, by, _("%(version)s was sent back") % {"version": version},
                     _("%(person)s sent version %(number)s back: %(comment)s") % {
                         "person": by, "number": version.number, "comment": version.returned_comment})
    return version
