"""What each role may see and change beyond the permission matrix, and the races between people and sweeps.

Olivia (CoE staff) writes standards; Oscar (CoE staff) approves them; Leo leads Sales (Amir works below him in
Enterprise Sales); Bianca and Eve work in Customer Support.
"""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import Reminder
from cxcoe.notifications import reminders
from standards import kinds
from standards.models import Acknowledgement, Communication, Standard, StandardVersion
from standards.services.acknowledgements import acknowledge_standard, sync_acknowledgements
from standards.services.catalogue import retire_standard, update_standard
from standards.services.versions import approve_version, start_revision, submit_version, withdraw_submission
from standards.sweeps import _escalation_still_due, sweep_acknowledgements

from ..factories import UserFactory
from ..steps import csv_rows
from .factories import (
    CommunicationFactory,
    PlanFactory,
    PrincipleFactory,
    StandardFactory,
    publish_standard,
    revise_standard,
)


@pytest.fixture
def partly_acknowledged(everyone_standard, amir, bianca):
    """The standard published for the whole organization, acknowledged by Amir (Sales) and Bianca (Support)."""
    for person in (amir, bianca):
        acknowledge_standard(standard=everyone_standard, by=person)
    return everyone_standard


def test_a_leader_sees_acknowledgement_counts_of_their_own_units_only(client, partly_acknowledged, leo):
    client.force_login(leo)
    listed = client.get(reverse("standards:standard-list")).context["standards"][0]
    assert (listed.ack_done, listed.ack_asked) == (1, 2)  # Leo and Amir; not Support's or CoE staff's
    header, row = csv_rows(client.get(reverse("standards:standard-export")))
    assert row[header.index("asked")] == "2"
    assert row[header.index("acknowledged")] == "1"


def test_an_employee_sees_only_their_own_acknowledgement(client, partly_acknowledged, eve, bianca):
    client.force_login(eve)
    page = client.get(reverse("standards:standard-list"))
    assert not hasattr(page.context["standards"][0], "ack_asked")
    assert "Please acknowledge" in page.content.decode()
    header, row = csv_rows(client.get(reverse("standards:standard-export")))
    assert "asked" not in header
    assert row[header.index("my_acknowledgement")] == "pending"
    client.force_login(bianca)
    header, row = csv_rows(client.get(reverse("standards:standard-export")))
    assert row[header.index("my_acknowledgement")] == "done"


def test_a_revision_waiting_for_approval_is_news_only_for_its_owner_and_approver(client, everyone_standard, olivia,
                                                                                 leo, eve):
    submit_version(version=start_revision(standard=everyone_standard, by=olivia), by=olivia)
    client.force_login(eve)
    assert list(client.get(reverse("standards:standard-list"), {"status": "awaiting"}).context["standards"]) == []
    client.force_login(olivia)
    assert len(client.get(reverse("standards:standard-list"), {"status": "awaiting"}).context["standards"]) == 1


def test_an_owner_outside_coe_staff_cannot_change_the_controls(client, olivia, oscar, leo):
    standard = publish_standard(StandardFactory(author=olivia, owner=leo, requires_acknowledgement=True),
                                approver=oscar)
    client.force_login(leo)
    response = client.post(reverse("standards:standard-edit", args=[standard.pk]),
                           {"standard-principle": standard.principle_id, "standard-audience_role": "everyone",
                            "standard-approver_email": leo.email, "standard-ack_days": 30,
                            "standard-joiner_ack_days": 14, "standard-review_interval_days": 365})
    assert response.status_code == 403
    standard.refresh_from_db()
    assert (standard.approver_id, standard.requires_acknowledgement) == (None, True)
    with pytest.raises(ValidationError):
        update_standard(standard=standard, by=leo, audience_units=[])


def test_settings_saved_from_a_stale_form_still_ask_after_an_approval_that_landed_meanwhile(olivia, oscar, eve):
    standard = StandardFactory(author=olivia)
    stale_form_copy = Standard.objects.get(pk=standard.pk)  # opened while the standard was a draft
    publish_standard(standard, approver=oscar)
    update_standard(standard=stale_form_copy, by=olivia, requires_acknowledgement=True, audience_units=[])
    standard.refresh_from_db()
    assert standard.status == Standard.Status.PUBLISHED
    assert standard.ack_version_id == standard.current_version_id
    assert Acknowledgement.objects.filter(standard=standard, person=eve, status="pending").exists()


def test_a_sweep_holding_an_old_copy_does_not_ask_for_the_superseded_version_again(olivia, oscar, eve):
    standard = publish_standard(StandardFactory(author=olivia, requires_acknowledgement=True), approver=oscar)
    old_version = standard.ack_version
    swept_copy = Standard.objects.select_related("ack_version").get(pk=standard.pk)  # read before the approval
    draft = revise_standard(standard, olivia, approver=oscar)
    sync_acknowledgements(standard=swept_copy, today=timezone.localdate())
    assert not Acknowledgement.objects.filter(version=old_version, status="pending").exists()
    assert Acknowledgement.objects.filter(version=draft, person=eve, status="pending").exists()


def test_a_retired_standard_gets_no_requests_back_from_a_sweep_in_flight(olivia, oscar, eve):
    standard = publish_standard(StandardFactory(author=olivia, requires_acknowledgement=True), approver=oscar)
    swept_copy = Standard.objects.select_related("ack_version").get(pk=standard.pk)
    retire_standard(standard=standard, by=olivia, note="Merged into CX-STD-001")
    assert sync_acknowledgements(standard=swept_copy, today=standard.ack_version.effective_on) == (0, 0)
    assert not Acknowledgement.objects.filter(standard=standard, status="pending").exists()


def test_an_inactive_approver_hands_the_decision_to_coe_staff(olivia, oscar, leo):
    standard = StandardFactory(author=olivia, approver=leo)
    version = standard.open_version()
    submit_version(version=version, by=olivia)
    leo.is_active = False
    leo.save()
    approve_version(version=version, by=oscar)
    assert StandardVersion.objects.get(pk=version.pk).status == StandardVersion.Status.CURRENT


def test_escalations_stop_once_the_leaders_people_have_acknowledged(olivia, oscar, leo, amir):
    standard = publish_standard(StandardFactory(author=olivia, requires_acknowledgement=True), approver=oscar)
    due = standard.ack_version.ack_due_on
    sweep_acknowledgements(today=due + timedelta(days=15))
    escalation = Reminder.objects.get(kind=kinds.ACK_ESCALATION, recipient=leo)
    assert _escalation_still_due(escalation, standard.ack_version)
    acknowledge_standard(standard=standard, by=amir)
    assert not _escalation_still_due(escalation, standard.ack_version)


def test_only_coe_staff_or_the_plan_owner_send_to_the_audience(client, olivia, eve):
    plan = PlanFactory(owner=olivia)
    communication = CommunicationFactory(plan=plan, owner=eve, channel="email", status="ready")
    client.force_login(eve)
    assert client.get(reverse("standards:communication-send", args=[communication.pk])).status_code == 403
    assert client.post(reverse("standards:communication-send", args=[communication.pk])).status_code == 403
    assert "Send to the audience" not in client.get(communication.get_absolute_url()).content.decode()
    communication.refresh_from_db()
    assert communication.status == Communication.Status.READY
    assert not Reminder.objects.filter(kind=kinds.COMMUNICATION).exists()


def test_a_plan_owner_is_not_offered_standards_they_cannot_read(client, olivia, leo):
    StandardFactory(author=olivia, title="Secret draft of CX-STD-900")
    published = publish_standard(StandardFactory(author=olivia, title="Answer every message"))
    plan = PlanFactory(owner=leo)
    plan.standards.add(StandardFactory(author=olivia, title="Draft linked by CoE staff"))
    client.force_login(leo)
    page = client.get(reverse("standards:plan-edit", args=[plan.pk])).content.decode()
    assert "Secret draft" not in page
    assert "Draft linked by CoE staff" not in page
    assert published.title in page


@pytest.mark.django_db(transaction=True)
def test_recalling_while_the_approver_approves_does_not_deadlock(olivia, oscar):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    standard = StandardFactory(author=olivia, principle=PrincipleFactory())
    version = standard.open_version()
    submit_version(version=version, by=olivia)
    barrier, outcomes = threading.Barrier(2), []

    def act(action):
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=[lambda: approve_version(version=version, by=oscar)]),
               threading.Thread(target=act, args=[lambda: withdraw_submission(version=version, by=olivia)])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    version.refresh_from_db()
    assert version.status in (StandardVersion.Status.CURRENT, StandardVersion.Status.DRAFT)


def test_the_list_sorts_by_title_review_date_or_newest(client, olivia, oscar):
    principle = PrincipleFactory()
    zebra = publish_standard(StandardFactory(author=olivia, principle=principle, code="CX-STD-001",
                                             title="Zero waiting on hold"), approver=oscar)
    apple = publish_standard(StandardFactory(author=olivia, principle=principle, code="CX-STD-002",
                                             title="Always say who you are"), approver=oscar)
    Standard.objects.filter(pk=apple.pk).update(next_review_on=zebra.next_review_on + timedelta(days=10))
    client.force_login(olivia)

    def codes(sort):
        return [s.code for s in client.get(reverse("standards:standard-list"), {"sort": sort}).context["standards"]]

    assert codes("code") == ["CX-STD-001", "CX-STD-002"]
    assert codes("title") == ["CX-STD-002", "CX-STD-001"]
    assert codes("review") == ["CX-STD-001", "CX-STD-002"]
    assert codes("new") == ["CX-STD-002", "CX-STD-001"]


def test_the_acknowledgement_export_is_evidence_scoped_to_the_reader(client, partly_acknowledged, olivia, leo, amir,
                                                                     eve):
    url = reverse("standards:acknowledgement-export", args=[partly_acknowledged.pk])
    client.force_login(olivia)
    header, *rows = csv_rows(client.get(url))
    by_email = {row[header.index("email")]: row for row in rows}
    assert {"amir@acme.example", "eve@acme.example", "leo@acme.example"} <= by_email.keys()
    amir_row = by_email["amir@acme.example"]
    assert (amir_row[header.index("status")], amir_row[header.index("version_asked")],
            amir_row[header.index("version_read")]) == ("Acknowledged", "1", "1")
    assert by_email["eve@acme.example"][header.index("acknowledged_at")] == ""
    client.force_login(leo)
    header, *rows = csv_rows(client.get(url))
    assert sorted(row[header.index("email")] for row in rows) == ["amir@acme.example", "leo@acme.example"]
    client.force_login(eve)
    assert client.get(url).status_code == 404


def test_the_sender_delivers_acknowledgement_reminders_in_the_same_queries_for_more_people(olivia, oscar, acme,
                                                                                        partly_acknowledged, amir):
    def deliver() -> tuple[int, int]:
        sweep_acknowledgements(today=timezone.localdate())
        with CaptureQueriesContext(connection) as queries:
            delivered = reminders.send_reminders()
        return delivered, len(queries)

    few, few_queries = deliver()
    UserFactory.create_batch(12, business_unit=acme)
    publish_standard(StandardFactory(author=olivia, requires_acknowledgement=True), approver=oscar)
    many, many_queries = deliver()
    assert many > few > 0
    assert many_queries == few_queries


def test_a_standards_settings_change_only_what_the_settings_service_names(olivia, oscar):
    standard = publish_standard(StandardFactory(author=olivia), approver=oscar)
    # Its status moves through approval and retirement, which wind down what it set going.
    with pytest.raises(TypeError, match="update_standard\\(\\) does not change status"):
        update_standard(standard=standard, by=olivia, status=Standard.Status.RETIRED, ack_days=10)
    standard.refresh_from_db()
    assert (standard.status, standard.ack_days) == (Standard.Status.PUBLISHED, 30)
