"""The standards app's notification kinds and its two daily sweeps: acknowledgements and communications.

Registered with the core engine (cxcoe/notifications/reminders.py) when the app is ready; the engine delivers them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxcoe.models import User
from cxcoe.notifications import Kind, Message, register_kind, reminders

from . import kinds
from .models import Acknowledgement, Communication, Standard, StandardVersion
from .services.acknowledgements import sync_acknowledgements


def _named(standard: Standard, version: StandardVersion) -> dict[str, object]:
    """The words that name a version exactly ("CX-STD-003 v2", its title): version 2's messages read apart from
    version 1's."""
    return {"code": standard.code, "number": version.number, "title": version.title}


def _render_ack_due(reminder, row: Acknowledgement) -> Message:
    standard = row.standard
    named = _named(standard, row.version)
    return Message(
        title=_("Acknowledge %(code)s v%(number)s: %(title)s, %(when)s") % {
            **named, "when": reminders.describe_due(row.due_on)},
        body=_("Please read %(code)s v%(number)s, \u201c%(title)s\u201d, and acknowledge it by %(date)s. It takes one "
               "click on its page.") % {**named, "date": date_format(row.due_on)},
        url=standard.get_absolute_url(),
    )


def _ack_still_due(reminder, row: Acknowledgement) -> bool:
    return row.status == Acknowledgement.Status.PENDING


def _render_ack_escalation(reminder, version: StandardVersion) -> Message:
    standard = version.standard
    return Message(
        title=_("Overdue acknowledgements of %(code)s v%(number)s: %(title)s") % _named(standard, version),
        body=_("People in your units have not acknowledged %(code)s v%(number)s, \u201c%(title)s\u201d, due %(date)s. "
               "The standard's page shows who is pending, unit by unit.") % {
            **_named(standard, version), "date": date_format(reminder.due_on)},
        url=reverse("standards:standard-detail", args=[standard.pk]) + "#progress",
    )


def _escalation_still_due(reminder, version: StandardVersion) -> bool:
    """While the version is still asked and someone the recipient follows up is still pending: people in the
    units they lead, or anyone for CoE staff (who get the escalations nobody leads)."""
    standard = version.standard
    if standard.ack_version_id != version.pk or standard.status != Standard.Status.PUBLISHED:
        return False
    overdue = Acknowledgement.objects.pending().filter(version=version, due_on=reminder.due_on).exclude(
        person=reminder.recipient_id)  # a leader's own delay is escalated to someone else
    if not reminder.recipient.is_coe_staff:
        overdue = overdue.filter(person__business_unit__in=reminder.recipient.led_units_subtree())
    return overdue.exists()


def _render_not_ready(reminder, communication: Communication) -> Message:
    return Message(
        title=_("Get ready: %(title)s, %(when)s") % {"title": communication,
                                                       "when": reminders.describe_due(communication.scheduled_on)},
        body=_("The %(channel)s \u201c%(title)s\u201d of the plan \u201c%(plan)s\u201d is on %(date)s and is not "
               "marked ready yet.") % {"channel": communication.get_channel_display().lower(),
                                       "title": communication, "plan": communication.plan,
                                       "date": date_format(communication.scheduled_on)},
        url=communication.get_absolute_url(),
    )


def _not_ready_still_due(reminder, communication: Communication) -> bool:
    return (communication.status == Communication.Status.PLANNED
            and communication.scheduled_on == reminder.due_on and not communication.plan.is_archived)


def _still_waiting(reminder, version: StandardVersion) -> bool:
    return version.status == StandardVersion.Status.SUBMITTED


def sweep_acknowledgements(*, today: date, standard_ids: list[int] | None = None) -> int:
    """Ask people who joined an audience, withdraw those who left, then declare reminders for pending
    acknowledgements and, past the escalation threshold, one escalation per leader, version and due date."""
    standards = Standard.objects.published().filter(ack_version__isnull=False).select_related("ack_version")
    if standard_ids is not None:
        standards = standards.filter(pk__in=standard_ids)
    standards = list(standards)
    for standard in standards:
        sync_acknowledgements(standard=standard, today=today)
    horizon = today + timedelta(days=max(settings.CXCOE_REMINDER_OFFSETS))
    rows = list(Acknowledgement.objects.pending().filter(version_id__in=[s.ack_version_id for s in standards],
                                                          due_on__lte=horizon)
                .values_list("pk", "person_id", "due_on", "version_id", "person__business_unit_id"))
    row_type = ContentType.objects.get_for_model(Acknowledgement).pk
    version_type = ContentType.objects.get_for_model(StandardVersion).pk
    overdue = [row for row in rows if reminders.is_escalated(row[2], today)]
    leaders = reminders.nearest_leaders({row[4] for row in overdue if row[4]})
    staff = list(User.objects.active().coe_staff().values_list("pk", flat=True)) if overdue else []

    def due_items() -> Iterator[reminders.Due]:
        for pk, person_id, due_on, _version_id, _unit_id in rows:
            # Always a period: the rows are within the horizon of the earliest reminder.
            if period := reminders.reminder_period(due_on, today):
                yield reminders.Due(person_id, kinds.ACK_DUE, row_type, pk, period, due_on)
        escalated = set()
        for _pk, person_id, due_on, version_id, unit_id in overdue:
            for leader in [person for person in leaders.get(unit_id, []) if person != person_id] or staff:
                key = (leader, version_id, due_on)
                if key not in escalated:
                    escalated.add(key)
                    yield reminders.Due(leader, kinds.ACK_ESCALATION, version_type, version_id,
                                        reminders.escalation_period(due_on), due_on, is_escalation=True)

    return reminders.declare(due_items())


def sweep_communications(*, today: date) -> int:
    """Remind each owner before a communication that is not ready yet, and weekly once it is overdue."""
    horizon = today + timedelta(days=max(settings.CXCOE_REMINDER_OFFSETS))
    rows = (Communication.objects.filter(status=Communication.Status.PLANNED, scheduled_on__lte=horizon,
                                         plan__is_archived=False)
            .values_list("pk", "scheduled_on", "owner_id", "owner__is_active", "plan__owner_id",
                         "plan__owner__is_active"))
    type_id = ContentType.objects.get_for_model(Communication).pk
    staff: list[int] | None = None

    def due_items() -> Iterator[reminders.Due]:
        nonlocal staff
        for pk, scheduled_on, owner_id, owner_active, plan_owner_id, plan_owner_active in rows.iterator(
                chunk_size=2000):
            # The communication's owner, else the plan's owner, else (both left) CoE staff.
            if owner_active:
                recipients = [owner_id]
            elif plan_owner_active:
                recipients = [plan_owner_id]
            else:
                if staff is None:
                    staff = list(User.objects.active().coe_staff().values_list("pk", flat=True))
                recipients = staff
            if period := reminders.reminder_period(scheduled_on, today):  # always, within the horizon
                for person in recipients:
                    yield reminders.Due(person, kinds.COMMUNICATION_NOT_READY, type_id, pk, period, scheduled_on)

    return reminders.declare(due_items())


def register_kinds() -> None:
    """Called by StandardsConfig.ready(): the app's notification kinds, with the engine (cxcoe/notifications/)."""
    register_kind(Kind(kinds.APPROVAL_REQUESTED, gettext_lazy("Standards waiting for my approval"),
                       is_still_due=_still_waiting))
    register_kind(Kind(kinds.DECISION, gettext_lazy("Decisions on standards I wrote")))
    register_kind(Kind(kinds.ACK_DUE, gettext_lazy("Standards to acknowledge"), render=_render_ack_due,
                       is_still_due=_ack_still_due, related=("standard", "version")))
    register_kind(Kind(kinds.ACK_ESCALATION, gettext_lazy("Overdue acknowledgements in my units"),
                       render=_render_ack_escalation, is_still_due=_escalation_still_due, important=True,
                       related=("standard",)))
    register_kind(Kind(kinds.COMMUNICATION, gettext_lazy("Communications from the CoE")))
    register_kind(Kind(kinds.COMMUNICATION_NOT_READY, gettext_lazy("Communications I must get ready"),
                       render=_render_not_ready, is_still_due=_not_ready_still_due, related=("plan",)))


def register_sweeps() -> None:
    """Called by StandardsConfig.ready(): the app's daily sweeps, with the engine (cxcoe/notifications/reminders.py)."""
    reminders.register_sweep(reminders.Sweep("acknowledgements", gettext_lazy("Standard acknowledgements"),
                                             sweep_acknowledgements))
    reminders.register_sweep(reminders.Sweep("communications", gettext_lazy("Communications not ready"),
                                             sweep_communications))
