"""The daily sweeps of the standards app, through the core ledger: acknowledgements, communications, reviews.

The clock starts on Monday 2 March 2026. Bianca and Eve work in Customer Support, which Sofia leads;
Amir works in Enterprise Sales, a unit without a leader of its own (Leo leads Sales above it).
"""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from cxcoe import reviews
from cxcoe.models import Notification, NotificationPreference, Reminder, SweepRun
from cxcoe.notifications import reminders
from standards import kinds
from standards.models import Acknowledgement, Communication, Standard, StandardVersion
from standards.services.acknowledgements import acknowledge_standard
from standards.services.catalogue import retire_standard, review_standard
from standards.services.plans import set_communication_status
from standards.services.versions import approve_version, send_back, submit_version

from ..factories import UserFactory
from ..steps import TODAY
from .factories import (
    CommunicationFactory,
    PlanFactory,
    StandardFactory,
    nina_joins,
    publish_standard,
    revise_standard,
)


def _at(time_machine, day: date) -> None:
    # The clock keeps ticking from there: the ledger tells one sweep's rows from another's by their time.
    time_machine.move_to(datetime(day.year, day.month, day.day, 9, 0, tzinfo=timezone.get_fixed_timezone(0)))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    _at(time_machine, TODAY)


@pytest.fixture
def sofia(support):
    return UserFactory(email="sofia@acme.example", display_name="Sofia Costa", business_unit=support,
                       job_title="Head of Support", leads=[support])


def _ack_reminders(**filters) -> set[tuple[str, str]]:
    rows = Reminder.objects.filter(kind=kinds.ACK_DUE, **filters)
    return {(email, period.split("/")[1]) for email, period in rows.values_list("recipient__email", "period")}


def _sweep(name: str, today: date) -> int:
    run = reminders.run_sweep(name=name, today=today)
    assert run.status == SweepRun.Status.OK
    return run.declared


# Acknowledgements


def test_acknowledgement_reminders_follow_the_offsets(support_standard):
    due = support_standard.ack_version.ack_due_on
    assert due == date(2026, 4, 1)
    assert _sweep("acknowledgements", due - timedelta(days=31)) == 0
    expected = set()
    for days_left, period in [(30, "before-30"), (7, "before-7"), (1, "before-1"), (0, "before-0"),
                              (-7, "overdue-1")]:
        assert _sweep("acknowledgements", due - timedelta(days=days_left)) == 2
        expected |= {("bianca@acme.example", period), ("eve@acme.example", period)}
        assert _ack_reminders() == expected
    rows = Reminder.objects.filter(kind=kinds.ACK_DUE)
    assert {row.target_id for row in rows} == set(
        support_standard.acknowledgements.values_list("pk", flat=True))
    assert set(rows.values_list("due_on", flat=True)) == {due}


def test_running_the_acknowledgement_sweep_twice_adds_nothing(support_standard):
    day = support_standard.ack_version.ack_due_on - timedelta(days=7)
    assert _sweep("acknowledgements", day) == 2
    assert _sweep("acknowledgements", day) == 0
    assert Reminder.objects.filter(kind=kinds.ACK_DUE).count() == 2
    assert list(SweepRun.objects.filter(name="acknowledgements").values_list("declared", flat=True)) == [0, 2]


def test_acknowledged_people_get_no_more_reminders(support_standard, bianca, eve, time_machine):
    due = support_standard.ack_version.ack_due_on
    _sweep("acknowledgements", due - timedelta(days=7))
    acknowledge_standard(standard=support_standard, by=bianca)
    assert dict(Reminder.objects.filter(kind=kinds.ACK_DUE).values_list("recipient__email", "status")) == {
        "bianca@acme.example": "cancelled", "eve@acme.example": "pending"}
    _at(time_machine, due - timedelta(days=7))
    assert reminders.send_reminders() == 1
    _sweep("acknowledgements", due - timedelta(days=1))
    assert _ack_reminders(recipient=bianca) == {("bianca@acme.example", "before-7")}
    assert [message.to for message in mail.outbox] == [["eve@acme.example"]]
    assert not Notification.objects.filter(recipient=bianca).exists()


def test_the_sender_drops_a_reminder_whose_acknowledgement_is_done(support_standard, bianca):
    _sweep("acknowledgements", support_standard.ack_version.ack_due_on)
    # Done while the reminder waits, by a path that does not cancel it: the sender checks again.
    Acknowledgement.objects.filter(person=bianca).update(status="acknowledged", acknowledged_at=timezone.now())
    assert reminders.send_reminders() == 1  # Eve's; Bianca's is dropped by the sender
    assert Reminder.objects.get(recipient=bianca).status == Reminder.Status.CANCELLED
    assert [message.to for message in mail.outbox] == [["eve@acme.example"]]


def test_a_reminder_names_the_standard_and_the_deadline_and_links_to_it(support_standard, eve, time_machine):
    due = support_standard.ack_version.ack_due_on
    _sweep("acknowledgements", due - timedelta(days=7))
    _at(time_machine, due - timedelta(days=7))
    reminders.send_reminders()
    note = Notification.objects.get(recipient=eve)
    assert note.title == "Acknowledge CX-STD-020 v1: Answer within one working day, due in 7 days"
    assert note.url == support_standard.get_absolute_url()
    assert note.kind == kinds.ACK_DUE
    assert not note.important
    email = next(message for message in mail.outbox if message.to == ["eve@acme.example"])
    assert email.subject == note.title
    assert f"http://127.0.0.1:8000{support_standard.get_absolute_url()}" in email.body
    assert f"acknowledge it by {date_format(due)}" in email.body


def test_overdue_acknowledgements_escalate_once_to_the_leaders_of_the_unit(support_standard, sofia, bianca, eve):
    due = support_standard.ack_version.ack_due_on
    acknowledge_standard(standard=support_standard, by=sofia)  # Sofia is in Support too
    _sweep("acknowledgements", due + timedelta(days=13))
    assert not Reminder.objects.filter(kind=kinds.ACK_ESCALATION).exists()
    _sweep("acknowledgements", due + timedelta(days=14))
    escalation = Reminder.objects.get(kind=kinds.ACK_ESCALATION)  # one for Sofia, not one per person
    assert (escalation.recipient, escalation.target_id, escalation.due_on) == (
        sofia, support_standard.ack_version_id, due)
    assert escalation.is_escalation
    assert _sweep("acknowledgements", due + timedelta(days=15)) == 0


def test_escalations_go_up_the_tree_and_to_coe_staff_when_nobody_leads_above(write_standard, olivia, oscar, sales,
                                                                                leo, amir):
    standard = publish_standard(write_standard("CX-STD-021", requires_acknowledgement=True, audience_units=[sales]),
                                approver=oscar, deliver_notifications=True)
    due = standard.ack_version.ack_due_on
    _sweep("acknowledgements", due + timedelta(days=20))
    # Enterprise Sales has no leader, so Amir's delay goes to Leo, who leads Sales above it. Leo is overdue
    # himself and nobody leads above Sales: CoE staff follow him up.
    escalated = Reminder.objects.filter(kind=kinds.ACK_ESCALATION)
    assert sorted(escalated.values_list("recipient__email", flat=True)) == [
        "leo@acme.example", "olivia@acme.example", "oscar@acme.example"]


def test_people_with_another_deadline_are_escalated_separately(support_standard, sofia, bianca, eve, support):
    acknowledge_standard(standard=support_standard, by=sofia)
    due = support_standard.ack_version.ack_due_on
    nina = nina_joins(support)
    joined = due + timedelta(days=1)
    _sweep("acknowledgements", joined)
    nina_due = joined + timedelta(days=support_standard.joiner_ack_days)
    assert support_standard.acknowledgements.get(person=nina).due_on == nina_due
    _sweep("acknowledgements", nina_due + timedelta(days=14))
    assert set(Reminder.objects.filter(kind=kinds.ACK_ESCALATION).values_list("recipient__email", "due_on")) == {
        ("sofia@acme.example", due), ("sofia@acme.example", nina_due)}


def test_escalations_are_delivered_as_important_with_a_link_to_the_progress(support_standard, sofia, time_machine):
    NotificationPreference.objects.create(user=sofia, kind="", delivery="none")
    acknowledge_standard(standard=support_standard, by=sofia)
    day = support_standard.ack_version.ack_due_on + timedelta(days=14)
    _sweep("acknowledgements", day)
    _at(time_machine, day)
    reminders.send_reminders()
    note = Notification.objects.get(recipient=sofia, kind=kinds.ACK_ESCALATION)
    assert note.title == "Overdue acknowledgements of CX-STD-020 v1: Answer within one working day"
    assert note.url == f"{support_standard.get_absolute_url()}#progress"
    assert note.important
    assert [message.subject for message in mail.outbox if message.to == ["sofia@acme.example"]] == [note.title]


def test_no_escalation_once_everyone_has_acknowledged(support_standard, sofia, bianca, eve):
    for person in (sofia, bianca, eve):
        acknowledge_standard(standard=support_standard, by=person)
    assert _sweep("acknowledgements", support_standard.ack_version.ack_due_on + timedelta(days=30)) == 0
    assert not Reminder.objects.filter(kind__startswith="standard.acknowledgement").exists()


def test_a_new_version_drops_the_reminders_about_the_old_one(support_standard, olivia, oscar, sofia, eve):
    due = support_standard.ack_version.ack_due_on
    _sweep("acknowledgements", due + timedelta(days=14))
    revise_standard(support_standard, olivia, approver=oscar, today=due + timedelta(days=14),
                    change_summary="Four hours")
    assert not Reminder.objects.filter(kind=kinds.ACK_DUE, status="pending").exists()
    reminders.send_reminders()
    assert Reminder.objects.get(kind=kinds.ACK_ESCALATION).status == Reminder.Status.CANCELLED
    assert not Notification.objects.filter(kind__startswith="standard.acknowledgement").exists()


# Approval notifications


def test_the_approver_is_told_and_the_author_hears_the_decision(principle, olivia, leo):
    standard = StandardFactory(code="CX-STD-022", title="Quote in plain words", principle=principle, author=olivia,
                               owner=olivia, approver=leo)
    version = standard.open_version()
    submit_version(version=version, by=olivia)
    reminders.send_reminders()
    request = Notification.objects.get(recipient=leo)
    assert request.title == "Approve CX-STD-022 v1: Quote in plain words"
    assert request.url == version.get_absolute_url()
    assert [message.to for message in mail.outbox] == [["leo@acme.example"]]
    approve_version(version=version, by=leo)
    reminders.send_reminders()
    decision = Notification.objects.get(recipient=olivia)
    assert decision.title == "CX-STD-022 v1 is approved"
    assert f"It is effective from {date_format(TODAY)}." in decision.body
    assert [message.to for message in mail.outbox] == [["leo@acme.example"], ["olivia@acme.example"]]


def test_a_version_sent_back_tells_its_author_why(principle, olivia, leo):
    standard = StandardFactory(code="CX-STD-023", principle=principle, author=olivia, approver=leo)
    version = standard.open_version()
    submit_version(version=version, by=olivia)
    send_back(version=version, by=leo, comment="Add a target.")
    reminders.send_reminders()
    note = Notification.objects.get(recipient=olivia)
    assert note.title == "CX-STD-023 v1 was sent back"
    assert note.body == "Leo Marsh sent version 1 back: Add a target."


# Communications


@pytest.fixture
def plan(olivia):
    return PlanFactory(owner=olivia, title="Launch the CX principles")


def test_a_planned_communication_reminds_its_owner_a_week_ahead(plan, leo, time_machine):
    planned = CommunicationFactory(plan=plan, owner=leo, title="Principles newsletter",
                                   scheduled_on=TODAY + timedelta(days=7))
    CommunicationFactory(plan=plan, owner=leo, title="Town hall", scheduled_on=TODAY + timedelta(days=7),
                         status=Communication.Status.READY)
    assert _sweep("communications", TODAY) == 1
    assert _sweep("communications", TODAY) == 0
    row = Reminder.objects.get()
    assert (row.recipient, row.kind, row.target_id, row.period) == (
        leo, kinds.COMMUNICATION_NOT_READY, planned.pk, "2026-03-09/before-7")
    reminders.send_reminders()
    note = Notification.objects.get(recipient=leo)
    assert note.title == "Get ready: Principles newsletter, due in 7 days"
    assert note.url == planned.get_absolute_url()
    assert [message.subject for message in mail.outbox] == [note.title]


def test_a_communication_marked_ready_before_the_reminder_goes_sends_nothing(plan, olivia, leo):
    communication = CommunicationFactory(plan=plan, owner=leo, scheduled_on=TODAY + timedelta(days=1))
    _sweep("communications", TODAY)
    set_communication_status(communication=communication, by=leo, status=Communication.Status.READY)
    assert Reminder.objects.get().status == Reminder.Status.CANCELLED
    assert reminders.send_reminders() == 0
    assert mail.outbox == []


def test_once_leo_marks_it_ready_his_get_ready_reminder_is_done(plan, leo, client):
    communication = CommunicationFactory(plan=plan, owner=leo, title="Principles newsletter",
                                         scheduled_on=TODAY + timedelta(days=7))
    _sweep("communications", TODAY)
    reminders.send_reminders()
    assert Notification.objects.unread().filter(recipient=leo).count() == 1
    set_communication_status(communication=communication, by=leo, status=Communication.Status.READY)
    note = Notification.objects.get(recipient=leo)
    assert (note.title, note.done_at is not None) == ("Get ready: Principles newsletter, due in 7 days", True)
    assert not Notification.objects.unread().filter(recipient=leo).exists()


def test_communications_far_ahead_or_of_archived_plans_remind_nobody(plan, olivia, leo):
    CommunicationFactory(plan=plan, owner=leo, scheduled_on=TODAY + timedelta(days=31))
    archived = PlanFactory(owner=olivia, is_archived=True)
    CommunicationFactory(plan=archived, owner=leo, scheduled_on=TODAY + timedelta(days=2))
    assert _sweep("communications", TODAY) == 0


# Reviews: standards are review-cycle items


def _review_reminders() -> set[tuple[str, str, str]]:
    rows = Reminder.objects.filter(kind__in=[reviews.REVIEW_DUE, reviews.REVIEW_ESCALATION])
    return {(email, kind, period.split("/")[1]) for email, kind, period in
            rows.values_list("recipient__email", "kind", "period")}


def test_the_owner_is_reminded_before_the_review_date(write_standard, olivia, oscar, leo, time_machine):
    standard = publish_standard(write_standard("CX-STD-030"), approver=oscar, deliver_notifications=True)
    review_on = TODAY + timedelta(days=40)
    Standard.objects.filter(pk=standard.pk).update(owner=leo, next_review_on=review_on)
    assert _sweep("reviews", review_on - timedelta(days=31)) == 0
    for days_left in (30, 7, 1, 0):
        assert _sweep("reviews", review_on - timedelta(days=days_left)) == 1
    assert _sweep("reviews", review_on) == 0
    assert _review_reminders() == {("leo@acme.example", reviews.REVIEW_DUE, f"before-{days}") for days in
                                   (30, 7, 1, 0)}
    assert set(Reminder.objects.filter(kind=reviews.REVIEW_DUE).values_list("target_id", flat=True)) == {standard.pk}
    _at(time_machine, review_on - timedelta(days=1))
    reminders.send_reminders()
    titles = set(Notification.objects.filter(recipient=leo).values_list("title", flat=True))
    assert "Review CX-STD-030 Answer within one working day: due tomorrow" in titles
    assert set(Notification.objects.filter(recipient=leo).values_list("url", flat=True)) == {
        standard.get_absolute_url()}


def test_drafts_and_retired_standards_are_not_reviewed(principle, write_standard, olivia, oscar, leo):
    draft = StandardFactory(code="CX-STD-031", principle=principle, author=olivia, owner=leo)
    retired = publish_standard(write_standard("CX-STD-032"), approver=oscar, deliver_notifications=True)
    retire_standard(standard=retired, by=olivia, note="Merged")
    Standard.objects.filter(pk__in=[draft.pk, retired.pk]).update(owner=leo, next_review_on=TODAY)
    assert _sweep("reviews", TODAY) == 0


def test_a_standard_without_an_owner_is_reviewed_by_coe_staff(write_standard, olivia, oscar):
    standard = publish_standard(write_standard("CX-STD-033"), approver=oscar, deliver_notifications=True)
    Standard.objects.filter(pk=standard.pk).update(owner=None, next_review_on=TODAY + timedelta(days=7))
    _sweep("reviews", TODAY)
    assert _review_reminders() == {("olivia@acme.example", reviews.REVIEW_DUE, "before-7"),
                                   ("oscar@acme.example", reviews.REVIEW_DUE, "before-7")}


def test_an_overdue_review_escalates_to_the_owners_leader(write_standard, olivia, oscar, bianca, sofia):
    standard = publish_standard(write_standard("CX-STD-034"), approver=oscar, deliver_notifications=True)
    Standard.objects.filter(pk=standard.pk).update(owner=bianca, next_review_on=TODAY - timedelta(days=14))
    _sweep("reviews", TODAY)
    assert _review_reminders() == {("bianca@acme.example", reviews.REVIEW_DUE, "overdue-2"),
                                   ("sofia@acme.example", reviews.REVIEW_ESCALATION, "escalation")}


def test_recording_the_review_stops_its_reminders(write_standard, olivia, oscar, leo):
    standard = publish_standard(write_standard("CX-STD-035"), approver=oscar, deliver_notifications=True)
    Standard.objects.filter(pk=standard.pk).update(owner=leo, next_review_on=TODAY + timedelta(days=7))
    _sweep("reviews", TODAY)
    review_standard(standard=Standard.objects.get(pk=standard.pk), by=leo, outcome="confirmed",
                             today=TODAY)
    assert Reminder.objects.get(kind=reviews.REVIEW_DUE).status == Reminder.Status.CANCELLED
    assert reminders.send_reminders() == 0
    assert _sweep("reviews", TODAY) == 0


def test_the_daily_entry_runs_the_standards_sweeps(support_standard):
    assert {"acknowledgements", "communications", "reviews"} <= set(reminders.SWEEPS)
    reminders.run_all_sweeps(today=support_standard.ack_version.ack_due_on - timedelta(days=30))
    assert _ack_reminders() == {("bianca@acme.example", "before-30"), ("eve@acme.example", "before-30")}
    assert StandardVersion.objects.get().ack_due_on == date(2026, 4, 1)
