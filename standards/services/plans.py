"""Communication plans and their communications, up to sending one by email."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cxcoe import audit
from cxcoe.audit import record_event
from cxcoe.lib.edits import new_row, save_edit
from cxcoe.models import User
from cxcoe.notifications import reminders

from .. import permissions
from ..kinds import COMMUNICATION, COMMUNICATION_NOT_READY
from ..models import (
    Communication,
    CommunicationPlan,
)

# What the plan form changes. Archiving is its own action, maybe taken while the form was open.
PLAN_FIELDS = ["title", "objective", "owner", "audience_units", "audience_role", "standards", "principles",
               "starts_on", "ends_on"]


@transaction.atomic
def create_plan(*, by: User, **values) -> CommunicationPlan:
    plan = new_row(CommunicationPlan, values, fields=PLAN_FIELDS, service="create_plan", created_by=by)
    record_event(actor=by, verb="plan.created", target=plan)
    return plan


@transaction.atomic
def update_plan(*, plan: CommunicationPlan, by: User, **values) -> CommunicationPlan:
    plan = CommunicationPlan.objects.select_for_update().get(pk=plan.pk)
    if edit := save_edit(plan, values, fields=PLAN_FIELDS, service="update_plan"):
        record_event(actor=by, verb="plan.updated", target=plan, details=edit.details)
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


# What the communication form changes. The status moves through its own buttons, maybe while the form was open.
COMMUNICATION_FIELDS = ["title", "channel", "scheduled_on", "owner", "message"]


@transaction.atomic
def create_communication(*, plan: CommunicationPlan, by: User, **values) -> Communication:
    communication = new_row(Communication, values, fields=COMMUNICATION_FIELDS, service="create_communication",
                            plan=plan)
    record_event(actor=by, verb="communication.created", target=communication, details={"plan": str(plan)})
    return communication


@transaction.atomic
def update_communication(*, communication: Communication, by: User, **values) -> Communication:
    communication = Communication.objects.select_for_update().get(pk=communication.pk)
    if communication.status == Communication.Status.SENT:
        raise ValidationError(_("This communication was sent; it can't change any more."))
    edit = save_edit(communication, values, fields=COMMUNICATION_FIELDS, service="update_communication")
    if "scheduled_on" in edit or "owner" in edit:
        reminders.cancel_for_target(communication, kinds=[COMMUNICATION_NOT_READY])
    if edit:
        record_event(actor=by, verb="communication.updated", target=communication, details=edit.details)
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
    if status not in STATUS_CHANGES[Communication.Status(communication.status)]:
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
        reminders.settle(communication, kinds=[COMMUNICATION_NOT_READY])
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
    reminders.settle(communication, kinds=[COMMUNICATION_NOT_READY])
    reminders.notify(recipients=recipients, kind=COMMUNICATION, target=communication, key="sent",
                     title=communication.title, body=communication.message,
                     url=reverse("standards:communication-detail", args=[communication.pk]))
    record_event(actor=by, verb="communication.sent", target=communication,
                 details={"recipients": len(recipients)})
    return len(recipients)
