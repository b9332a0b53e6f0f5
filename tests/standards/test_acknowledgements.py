"""Who is asked to acknowledge a standard, what their acknowledgement records, and who is asked again.

Bianca and Eve work in Customer Support; Leo leads Sales, where Amir works in Enterprise Sales; Una leads
Operations. Olivia (CoE staff) writes the standards and Oscar (CoE staff) approves them.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cxcoe.models import AuditEvent, Notification, Reminder
from cxcoe.notifications import reminders
from cxcoe.people import services as people_services
from standards import kinds
from standards.models import Acknowledgement, AudienceRole, Standard
from standards.services.acknowledgements import acknowledge_standard
from standards.services.catalogue import update_standard

from ..steps import audit_events, done_by_title, inbox_of, inbox_row
from .factories import nina_joins, publish_standard, revise_standard


def _asked(standard: Standard, version=None) -> dict[str, str]:
    rows = Acknowledgement.objects.filter(standard=standard, version=version or standard.ack_version)
    return dict(rows.values_list("person__email", "status"))


# Who is asked


def test_publication_asks_everyone_in_the_audience_units_and_below(olivia, oscar, write_standard, sales, leo, amir,
                                                                   bianca, una):
    standard = write_standard("CX-STD-011", requires_acknowledgement=True, audience_units=[sales], ack_days=20)
    effective = timezone.localdate() + timedelta(days=3)
    publish_standard(standard, approver=oscar, effective_on=effective)
    version = standard.versions.get()
    assert standard.ack_version == version
    assert version.ack_due_on == effective + timedelta(days=20)
    assert _asked(standard) == {"leo@acme.example": "pending", "amir@acme.example": "pending"}
    assert set(Acknowledgement.objects.filter(standard=standard).values_list("due_on", flat=True)) == {
        effective + timedelta(days=20)}


def test_a_leaders_audience_asks_only_the_leaders(olivia, oscar, write_standard, acme, leo, una, amir, bianca):
    standard = write_standard("CX-STD-012", requires_acknowledgement=True, audience_units=[acme],
                              audience_role=AudienceRole.LEADERS)
    publish_standard(standard, approver=oscar)
    assert set(_asked(standard)) == {"leo@acme.example", "una@acme.example"}


def test_a_coe_staff_audience_asks_only_coe_staff(olivia, oscar, write_standard, leo, amir):
    standard = write_standard("CX-STD-013", requires_acknowledgement=True, audience_role=AudienceRole.COE_STAFF)
    publish_standard(standard, approver=oscar)
    assert set(_asked(standard)) == {"olivia@acme.example", "oscar@acme.example"}


def test_a_whole_organization_audience_leaves_out_people_who_left(olivia, oscar, write_standard, leo, amir, bianca, eve,
                                                                   una):
    people_services.deactivate_person(person=eve, by=olivia)
    standard = write_standard("CX-STD-014", requires_acknowledgement=True)
    publish_standard(standard, approver=oscar)
    assert set(_asked(standard)) == {"olivia@acme.example", "oscar@acme.example", "leo@acme.example",
                                     "amir@acme.example", "bianca@acme.example", "una@acme.example"}


def test_a_standard_without_acknowledgement_asks_nobody(olivia, oscar, write_standard, support, bianca):
    standard = write_standard("CX-STD-015", audience_units=[support], requires_acknowledgement=False)
    publish_standard(standard, approver=oscar)
    assert standard.ack_version is None
    assert not Acknowledgement.objects.exists()
    with pytest.raises(ValidationError, match="does not ask for acknowledgement"):
        acknowledge_standard(standard=standard, by=bianca)
    assert not Acknowledgement.objects.exists()


# Acknowledging


def test_an_acknowledgement_records_the_version_read(support_standard, bianca, eve):
    today = timezone.localdate()
    reminders.run_sweep(name="acknowledgements", today=support_standard.ack_version.ack_due_on - timedelta(days=7))
    row = acknowledge_standard(standard=support_standard, by=bianca, today=today)
    row.refresh_from_db()
    version = support_standard.current_version
    assert (row.status, row.version, row.read_version) == (Acknowledgement.Status.ACKNOWLEDGED, version, version)
    assert row.acknowledged_at is not None
    assert _asked(support_standard) == {"bianca@acme.example": "acknowledged", "eve@acme.example": "pending"}
    assert [(e.actor, e.details) for e in audit_events(support_standard, "standard.acknowledged")] == [
        (bianca, {"version": 1, "current_version": 1})]
    reminder_status = dict(Reminder.objects.filter(kind=kinds.ACK_DUE).values_list("recipient__email", "status"))
    assert reminder_status == {"bianca@acme.example": "cancelled", "eve@acme.example": "pending"}


def test_acknowledging_twice_keeps_one_row_and_one_event(support_standard, bianca, client):
    first = acknowledge_standard(standard=support_standard, by=bianca)
    second = acknowledge_standard(standard=support_standard, by=bianca)
    assert second.pk == first.pk
    assert second.acknowledged_at == first.acknowledged_at
    client.force_login(bianca)
    for _ in range(2):
        assert client.post(reverse("standards:standard-acknowledge", args=[support_standard.pk])).status_code == 302
    assert Acknowledgement.objects.filter(person=bianca).count() == 1
    assert Acknowledgement.objects.get(person=bianca).acknowledged_at == first.acknowledged_at
    assert len(audit_events(support_standard, "standard.acknowledged")) == 1


def test_a_double_click_on_the_button_records_one_acknowledgement(support_standard, eve, client):
    client.force_login(eve)
    url = reverse("standards:standard-acknowledge", args=[support_standard.pk])
    responses = [client.post(url, headers={"HX-Request": "true"}) for _ in range(2)]
    assert [response.status_code for response in responses] == [200, 200]
    assert "You acknowledged version 1" in responses[1].content.decode()
    assert Acknowledgement.objects.filter(person=eve, status="acknowledged").count() == 1
    assert len(audit_events(support_standard, "standard.acknowledged")) == 1


# The request to acknowledge, once answered


def _ack_requests_to(person) -> dict[str, bool]:
    return done_by_title(person, kinds.ACK_DUE)


def _remind() -> None:
    """Today's acknowledgements sweep runs, and the sender delivers what it declared."""
    reminders.run_sweep(name="acknowledgements")
    reminders.send_reminders()


def test_once_eve_acknowledges_her_request_is_done_and_leaves_her_bell(support_standard, bianca, eve, client):
    _remind()
    asked = (f"Acknowledge CX-STD-020 v1: Answer within one working day, "
             f"{reminders.describe_due(support_standard.ack_version.ack_due_on)}")
    assert _ack_requests_to(eve) == {asked: False}
    assert inbox_of(client, eve).context["nav"]["unread_notifications"] == 1
    client.post(reverse("standards:standard-acknowledge", args=[support_standard.pk]))
    assert _ack_requests_to(eve) == {asked: True}
    inbox = inbox_of(client, eve)
    assert inbox.context["nav"]["unread_notifications"] == 0
    assert ">Done</span>" in inbox_row(inbox, Notification.objects.get(recipient=eve))
    assert _ack_requests_to(bianca) == {asked: False}  # hers waits for her


def test_version_two_asks_under_its_own_title_and_acknowledging_it_answers_both(support_standard, olivia, oscar,
                                                                              eve):
    _remind()
    revise_standard(support_standard, olivia, approver=oscar, change_summary="Four hours, not a day")
    _remind()
    when = reminders.describe_due(support_standard.ack_version.ack_due_on)
    first = f"Acknowledge CX-STD-020 v1: Answer within one working day, {when}"
    second = f"Acknowledge CX-STD-020 v2: Answer within one working day, {when}"
    assert _ack_requests_to(eve) == {first: False, second: False}
    acknowledge_standard(standard=support_standard, by=eve)
    # Reading version 2 answers what version 1 asked of her too.
    assert _ack_requests_to(eve) == {first: True, second: True}


def test_someone_outside_the_audience_cannot_acknowledge(olivia, oscar, write_standard, enterprise_sales, leo, amir,
                                                       client):
    # Leo follows the standards of the units below Sales, but one for Enterprise Sales is not addressed to him.
    standard = write_standard("CX-STD-016", requires_acknowledgement=True, audience_units=[enterprise_sales])
    publish_standard(standard, approver=oscar)
    for outsider in (leo, olivia):
        with pytest.raises(ValidationError, match="CX-STD-016 is not addressed to you"):
            acknowledge_standard(standard=standard, by=outsider)
        client.force_login(outsider)
        response = client.post(reverse("standards:standard-acknowledge", args=[standard.pk]), follow=True)
        assert response.status_code == 200
        assert "CX-STD-016 is not addressed to you." in [str(m) for m in response.context["messages"]]
    assert _asked(standard) == {"amir@acme.example": "pending"}
    assert audit_events(standard, "standard.acknowledged") == []


def test_people_outside_a_standards_units_do_not_even_see_it(support_standard, amir, client):
    client.force_login(amir)
    assert client.post(reverse("standards:standard-acknowledge", args=[support_standard.pk])).status_code == 404
    assert not Acknowledgement.objects.filter(person=amir).exists()


def test_someone_in_the_audience_not_yet_asked_can_acknowledge(support_standard, bianca, support):
    nina = nina_joins(support)
    row = acknowledge_standard(standard=support_standard, by=nina)
    assert (row.status, row.version) == (Acknowledgement.Status.ACKNOWLEDGED, support_standard.ack_version)


# Asking again


def test_a_new_version_that_needs_reacknowledgement_asks_everyone_again(support_standard, olivia, oscar, bianca,
                                                                        eve, client):
    v1 = support_standard.ack_version
    acknowledge_standard(standard=support_standard, by=bianca)
    reminders.run_sweep(name="acknowledgements", today=v1.ack_due_on - timedelta(days=7))
    effective = timezone.localdate() + timedelta(days=2)
    v2 = revise_standard(support_standard, olivia, approver=oscar, effective_on=effective,
                         statement="Reply within four working hours.", needs_reacknowledgement=True)
    assert support_standard.ack_version == v2
    assert _asked(support_standard, v1) == {"bianca@acme.example": "acknowledged", "eve@acme.example": "withdrawn"}
    assert _asked(support_standard, v2) == {"bianca@acme.example": "pending", "eve@acme.example": "pending"}
    assert set(Acknowledgement.objects.filter(version=v2).values_list("due_on", flat=True)) == {
        effective + timedelta(days=support_standard.ack_days)}
    assert Reminder.objects.get(kind=kinds.ACK_DUE).status == Reminder.Status.CANCELLED  # Eve's, for v1
    client.force_login(bianca)
    response = client.get(support_standard.get_absolute_url())
    assert response.context["must_ack"] is True
    assert "I have read it and will apply it" in response.content.decode()


def test_a_minor_fix_asks_nobody_again_and_earlier_acknowledgements_still_count(support_standard, olivia, oscar,
                                                                                bianca, eve, client):
    v1 = support_standard.ack_version
    acknowledge_standard(standard=support_standard, by=bianca)
    v2 = revise_standard(support_standard, olivia, approver=oscar, statement="Reply within one working day. "
                         "Weekends do not count.", needs_reacknowledgement=False)
    assert support_standard.current_version == v2
    assert support_standard.ack_version == v1
    assert v2.ack_due_on is None
    assert not Acknowledgement.objects.filter(version=v2).exists()
    assert _asked(support_standard, v1) == {"bianca@acme.example": "acknowledged", "eve@acme.example": "pending"}
    client.force_login(bianca)
    response = client.get(support_standard.get_absolute_url())
    assert response.context["must_ack"] is False
    assert "You acknowledged version 1" in response.content.decode()
    row = acknowledge_standard(standard=support_standard, by=eve)
    assert (row.version, row.read_version) == (v1, v2)
    assert audit_events(support_standard, "standard.acknowledged")[0].details == {"version": 1, "current_version": 2}


def test_after_a_minor_fix_a_real_change_asks_again(support_standard, olivia, oscar, bianca, eve):
    acknowledge_standard(standard=support_standard, by=bianca)
    revise_standard(support_standard, olivia, approver=oscar, statement="Typo fixed.", needs_reacknowledgement=False)
    v3 = revise_standard(support_standard, olivia, approver=oscar, statement="Reply within four hours.",
                         needs_reacknowledgement=True)
    assert support_standard.ack_version == v3
    assert _asked(support_standard, v3) == {"bianca@acme.example": "pending", "eve@acme.example": "pending"}


# People who join or leave the audience


def test_people_who_join_the_audience_are_asked_by_the_sweep(support_standard, olivia, amir, support):
    support_standard.joiner_ack_days = 10
    support_standard.save(update_fields=["joiner_ack_days"])
    nina = nina_joins(support)
    people_services.update_person(person=amir, by=olivia, business_unit=support)
    later = timezone.localdate() + timedelta(days=12)
    reminders.run_sweep(name="acknowledgements", today=later)
    joiners = Acknowledgement.objects.filter(person__in=[nina, amir])
    assert {(row.person, row.status, row.due_on, row.version) for row in joiners} == {
        (nina, "pending", later + timedelta(days=10), support_standard.ack_version),
        (amir, "pending", later + timedelta(days=10), support_standard.ack_version)}
    first_due = support_standard.ack_version.ack_due_on
    assert set(Acknowledgement.objects.filter(person__email__in=["bianca@acme.example", "eve@acme.example"])
               .values_list("due_on", flat=True)) == {first_due}  # the others keep their deadline


def test_people_who_leave_the_audience_are_no_longer_asked(support_standard, olivia, bianca, eve, sales):
    today = timezone.localdate()
    reminders.run_sweep(name="acknowledgements", today=support_standard.ack_version.ack_due_on - timedelta(days=1))
    acknowledge_standard(standard=support_standard, by=bianca)
    people_services.update_person(person=eve, by=olivia, business_unit=sales)
    people_services.update_person(person=bianca, by=olivia, business_unit=sales)
    reminders.run_sweep(name="acknowledgements", today=today)
    assert _asked(support_standard) == {"bianca@acme.example": "acknowledged", "eve@acme.example": "withdrawn"}
    assert Reminder.objects.get(recipient=eve).status == Reminder.Status.CANCELLED
    assert reminders.send_reminders() == 0


def test_someone_who_leaves_the_organization_is_no_longer_asked(support_standard, olivia, eve):
    people_services.deactivate_person(person=eve, by=olivia)
    reminders.run_sweep(name="acknowledgements", today=timezone.localdate())
    assert _asked(support_standard)["eve@acme.example"] == "withdrawn"


def test_someone_who_comes_back_is_asked_again_with_the_joiners_deadline(support_standard, olivia, eve, sales,
                                                                         support):
    today = timezone.localdate()
    people_services.update_person(person=eve, by=olivia, business_unit=sales)
    reminders.run_sweep(name="acknowledgements", today=today)
    people_services.update_person(person=eve, by=olivia, business_unit=support)
    reminders.run_sweep(name="acknowledgements", today=today + timedelta(days=1))
    row = Acknowledgement.objects.get(person=eve)
    assert (row.status, row.due_on) == ("pending", today + timedelta(days=1 + support_standard.joiner_ack_days))


def test_changing_the_audience_asks_the_new_units_and_withdraws_the_old(support_standard, olivia, sales, leo, amir,
                                                                        bianca):
    today = timezone.localdate()
    acknowledge_standard(standard=support_standard, by=bianca)
    standard = Standard.objects.get(pk=support_standard.pk)
    update_standard(standard=standard, by=olivia, audience_units=[sales], today=today)
    assert _asked(standard) == {"bianca@acme.example": "acknowledged", "eve@acme.example": "withdrawn",
                                "leo@acme.example": "pending", "amir@acme.example": "pending"}
    assert Acknowledgement.objects.get(person=leo).due_on == today + timedelta(days=standard.joiner_ack_days)
    assert AuditEvent.objects.get(verb="standard.updated").details == {
        "audience units": ["Customer Support", "Sales"]}


def test_narrowing_the_audience_to_leaders_withdraws_the_others(olivia, oscar, write_standard, sales, leo, amir):
    standard = write_standard("CX-STD-018", requires_acknowledgement=True, audience_units=[sales])
    publish_standard(standard, approver=oscar)
    update_standard(standard=standard, by=olivia, audience_role=AudienceRole.LEADERS, audience_units=[sales])
    assert _asked(standard) == {"leo@acme.example": "pending", "amir@acme.example": "withdrawn"}
    assert AuditEvent.objects.get(verb="standard.updated").details == {"audience role": ["Everyone", "Leaders"]}


# Switching acknowledgement on and off


def test_turning_acknowledgement_on_for_a_published_standard_asks_the_audience(olivia, oscar, write_standard, support,
                                                                              bianca, eve, client):
    standard = write_standard("CX-STD-017", audience_units=[support], requires_acknowledgement=False)
    publish_standard(standard, approver=oscar)
    today = timezone.localdate()
    update_standard(standard=standard, by=olivia, requires_acknowledgement=True, audience_units=[support], today=today)
    standard.refresh_from_db()
    assert standard.ack_version == standard.current_version
    assert _asked(standard) == {"bianca@acme.example": "pending", "eve@acme.example": "pending"}
    due = today + timedelta(days=standard.ack_days)
    assert set(Acknowledgement.objects.values_list("due_on", flat=True)) == {due}
    assert standard.current_version.ack_due_on == due
    client.force_login(olivia)
    assert f"Version 1, due {date_format(due)}." in client.get(standard.get_absolute_url()).content.decode()


def test_turning_acknowledgement_off_withdraws_what_is_pending(support_standard, olivia, bianca, eve, support):
    reminders.run_sweep(name="acknowledgements", today=support_standard.ack_version.ack_due_on)
    acknowledge_standard(standard=support_standard, by=bianca)
    standard = Standard.objects.get(pk=support_standard.pk)
    update_standard(standard=standard, by=olivia, requires_acknowledgement=False, audience_units=[support])
    standard.refresh_from_db()
    assert standard.ack_version is None
    assert _asked(standard, standard.current_version) == {"bianca@acme.example": "acknowledged",
                                                          "eve@acme.example": "withdrawn"}
    assert Reminder.objects.get(recipient=eve, kind=kinds.ACK_DUE).status == Reminder.Status.CANCELLED
    with pytest.raises(ValidationError, match="does not ask for acknowledgement"):
        acknowledge_standard(standard=standard, by=eve)
    # On again: Eve is asked again; Bianca's acknowledgement of the same version still counts.
    update_standard(standard=standard, by=olivia, requires_acknowledgement=True, audience_units=[support])
    assert _asked(standard, standard.current_version) == {"bianca@acme.example": "acknowledged",
                                                          "eve@acme.example": "pending"}


def _pending_url(standard, unit, name="standards:progress-pending"):
    return reverse(name, args=[standard.pk, unit.pk])


def test_a_leader_reminds_a_units_pending_people_once_a_day(client, everyone_standard, leo, amir, enterprise_sales,
                                                            django_capture_on_commit_callbacks):
    client.force_login(leo)
    assert "Never" in client.get(_pending_url(everyone_standard, enterprise_sales)).text
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(_pending_url(everyone_standard, enterprise_sales, "standards:progress-remind"), follow=True)
    assert "A reminder is on its way to 1 person." in sent.text
    by_hand = Reminder.objects.filter(recipient=amir, kind=kinds.ACK_DUE, period__endswith="/by-hand")
    assert by_hand.count() == 1
    assert reminders.describe_period(by_hand.get().period) == \
        f"sent by hand on {date_format(timezone.localdate(), 'DATE_FORMAT')}"
    assert Notification.objects.filter(recipient=amir, kind=kinds.ACK_DUE).exists()  # the sender delivered it
    event = AuditEvent.objects.get(verb="standard.reminded")
    assert (event.actor, event.details) == (leo, {"unit": "Enterprise Sales", "reminded": 1})
    assert "The last reminder on this page went out" in sent.text

    again = client.post(_pending_url(everyone_standard, enterprise_sales, "standards:progress-remind"), follow=True)
    assert "already reminded today" in again.text
    assert by_hand.count() == 1


def test_one_person_is_reminded_from_their_row(client, everyone_standard, olivia, bianca, eve, support):
    client.force_login(olivia)
    client.post(_pending_url(everyone_standard, support, "standards:progress-remind"), {"person": eve.pk})
    assert list(Reminder.objects.filter(period__endswith="/by-hand").values_list("recipient", flat=True)) == [eve.pk]


def test_a_leader_cannot_remind_a_unit_outside_their_own(client, everyone_standard, leo, support):
    client.force_login(leo)
    response = client.post(_pending_url(everyone_standard, support, "standards:progress-remind"))
    assert response.status_code == 404
    assert not Reminder.objects.filter(period__endswith="/by-hand").exists()
    assert not AuditEvent.objects.filter(verb="standard.reminded").exists()
