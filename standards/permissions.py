"""Who may do what in the standards app: each rule once, for views (to show or refuse) and services (to raise).

`can_<verb>(user, obj)` answers yes or no; `<verb>_refusal(user, obj)` gives the reason a person reads, or None.
Lists are scoped by the QuerySets' `visible_to` and `editable_by`, which say the same as the rules here.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cxcoe import permissions as core_permissions
from cxcoe.models import User

from .models import Communication, CommunicationPlan, Standard, StandardVersion


def can_edit_standard(user: User, standard: Standard) -> bool:
    """CoE staff, and the owner while it is not retired (the one-row `StandardQuerySet.editable_by`)."""
    return user.is_coe_staff or (standard.owner_id == user.pk and not standard.is_retired)


def can_change_settings(user: User, standard: Standard) -> bool:
    """Who a standard is for, who approves it and who must acknowledge it: the controls, CoE staff's alone."""
    return user.is_coe_staff


def settings_refusal(user: User, standard: Standard) -> str | None:
    if can_change_settings(user, standard):
        return None
    return _("Only CoE staff change who a standard is for, who approves it and who must acknowledge it.")


def can_see_drafts(user: User, standard: Standard) -> bool:
    """Unpublished versions are for the standard's editors and its approver."""
    return can_edit_standard(user, standard) or standard.approver_id == user.pk


def can_see_progress(user: User) -> bool:
    """CoE staff see acknowledgement counts for everyone, leaders for their subtree, others only their own."""
    return user.is_coe_staff or user.is_leader


def sections_for(user: User) -> list[str]:
    """The standards app's tabs that this person can use. Everyone reads standards and principles. Approvals are
    for CoE staff, leaders and anyone a version waits on; plans are CoE staff's work; the calendar shows staff and
    leaders what goes out to the units."""
    sections = ["standards", "principles"]
    if user.is_coe_staff or user.is_leader or StandardVersion.objects.awaiting_decision_by(user).exists():
        sections.append("approvals")
    if user.is_coe_staff:
        sections.append("plans")
    if user.is_coe_staff or user.is_leader:
        sections.append("calendar")
    return sections


def progress_units(user: User):
    """The units whose acknowledgement progress `user` may see, or None for all of them (CoE staff)."""
    if user.is_coe_staff:
        return None
    return user.led_units_subtree()


def can_follow_up(user: User, unit) -> bool:
    """Seeing who in a unit has not acknowledged, and reminding them: those who oversee the unit."""
    return core_permissions.oversees(user, unit)


def approver_of(standard: Standard) -> User | None:
    """The person who decides, or None for "any CoE staff member" (also when the named approver left)."""
    approver = standard.approver
    return approver if approver is not None and approver.is_active else None


def approval_refusal(user: User, version: StandardVersion) -> str | None:
    """Why `user` may not decide on `version`, or None when they may."""
    approver = approver_of(version.standard)
    if approver is not None and approver.pk != user.pk:
        return _("Only %(person)s, the approver of this standard, can decide on it.") % {"person": approver}
    if approver is None and not user.is_coe_staff:
        return _("Only CoE staff can decide on this standard.")
    return None


def self_approval_refusal(user: User, version: StandardVersion) -> str | None:
    if settings.CXCOE_ALLOW_SELF_APPROVAL or user.pk not in {version.created_by_id, version.submitted_by_id}:
        return None
    return _("You wrote or submitted this version, so someone else must approve it.")


def can_decide(user: User, version: StandardVersion) -> bool:
    return version.status == StandardVersion.Status.SUBMITTED and approval_refusal(user, version) is None


def can_edit_plan(user: User, plan: CommunicationPlan) -> bool:
    """CoE staff and the plan's owner (the one-row `CommunicationPlanQuerySet.editable_by`)."""
    return user.is_coe_staff or plan.owner_id == user.pk


def can_manage_communication(user: User, communication: Communication) -> bool:
    """CoE staff, the communication's owner and its plan's owner (`CommunicationQuerySet.editable_by`)."""
    return user.is_coe_staff or user.pk in (communication.owner_id, communication.plan.owner_id)


def can_send_communication(user: User, communication: Communication) -> bool:
    """Mass email in the CoE's name: CoE staff or the plan's owner, not whoever prepares one item."""
    return user.is_coe_staff or user.pk == communication.plan.owner_id


def send_refusal(user: User, communication: Communication, *, audience_size: int) -> str | None:
    """Why cxcoe won't send `communication` for `user` now, or None. The service asks again under the row's lock."""
    if not can_send_communication(user, communication):
        return _("Only CoE staff or the plan's owner send a communication to its audience.")
    if communication.status == Communication.Status.SENT:
        return _("This communication was already sent on %(date)s.") % {
            "date": date_format(timezone.localtime(communication.sent_at), "DATETIME_FORMAT")}
    if communication.channel != Communication.Channel.EMAIL:
        return _("Only email communications are sent by cxcoe; mark the others sent by hand.")
    if communication.status != Communication.Status.READY:
        return _("Mark the communication ready before sending it.")
    if not audience_size:
        return _("Nobody is in the plan's audience, so there is nobody to send it to.")
    return None
