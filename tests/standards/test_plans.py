"""Communication plans and their communications: who sees and changes what, statuses, sending once, and the
record of who a sent email reached."""

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cxcoe.audit import describe
from cxcoe.models import AuditEvent, Reminder
from cxcoe.notifications import reminders
from standards import kinds
from standards.models import Communication, CommunicationPlan
from standards.services.plans import STATUS_CHANGES, send_communication, set_communication_status

from ..factories import BusinessUnitFactory, UserFactory
from ..steps import csv_rows
from .factories import CommunicationFactory, PlanFactory, PrincipleFactory, StandardFactory, plan_form, publish_standard

UNSAFE = ('Hello <script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> '
          '<div onclick="alert(4)">raw</div> **bold**')


def _today():
    return timezone.localdate()


def _text(response) -> str:
    """The page as a reader sees it: entities such as &#x27; turned back into characters."""
    return unescape(response.content.decode())


def _ledger(communication):
    return Reminder.objects.filter(kind=kinds.COMMUNICATION, target_id=communication.pk,
                                   target_type=ContentType.objects.get_for_model(Communication))


def _communication_data(**overrides) -> dict:
    data = {"title": "Principles email", "channel": "email", "scheduled_on": (_today() + timedelta(days=5)).isoformat(),
            "owner_email": "leo@acme.example", "message": "Meet our principles."}
    data.update(overrides)
    return data


# The plans list


def test_coe_staff_see_every_plan_with_its_dates_owner_count_and_next_communication(client, olivia, leo, eve):
    plan = PlanFactory(title="Principles launch", owner=leo)
    CommunicationFactory(plan=plan, title="Town hall kick-off", scheduled_on=_today() + timedelta(days=3))
    CommunicationFactory(plan=plan, title="Later newsletter", scheduled_on=_today() + timedelta(days=20))
    CommunicationFactory(plan=plan, title="Dropped", status="cancelled", scheduled_on=_today() + timedelta(days=1))
    PlanFactory(title="Eve's plan", owner=eve)
    client.force_login(olivia)
    response = client.get(reverse("standards:plan-list"))
    assert [p.title for p in response.context["plans"]] == ["Eve's plan", "Principles launch"]
    row = next(p for p in response.context["plans"] if p.pk == plan.pk)
    assert row.communication_count == 2  # the cancelled one is not counted
    assert row.next_title == "Town hall kick-off"
    html = response.content.decode()
    assert "Leo Marsh" in html
    assert "Town hall kick-off" in html
    assert 'aria-current="page" href="/standards/plans/"' in html  # the sub-navigation marks this tab


def test_others_see_only_plans_they_own_or_hold_a_communication_in(client, olivia, leo, eve, bianca):
    own = PlanFactory(title="Eve runs this", owner=eve)
    holds = PlanFactory(title="Eve prepares one", owner=olivia)
    CommunicationFactory(plan=holds, owner=eve)
    PlanFactory(title="Not hers", owner=leo)
    client.force_login(eve)
    response = client.get(reverse("standards:plan-list"))
    assert {p.pk for p in response.context["plans"]} == {own.pk, holds.pk}
    assert "New plan" not in response.content.decode()


def test_plans_list_search_state_and_owner_filters(client, olivia, leo):
    PlanFactory(title="Principles launch", owner=olivia)
    PlanFactory(title="Complaints standard rollout", owner=leo, objective="Handle **complaints** well.")
    PlanFactory(title="Old campaign", owner=olivia, is_archived=True)
    client.force_login(olivia)
    url = reverse("standards:plan-list")
    assert [p.title for p in client.get(url, {"q": "complaints"}).context["plans"]] == ["Complaints standard rollout"]
    assert [p.title for p in client.get(url, {"state": "archived"}).context["plans"]] == ["Old campaign"]
    assert {p.title for p in client.get(url, {"state": "all"}).context["plans"]} == {
        "Principles launch", "Complaints standard rollout", "Old campaign"}
    assert [p.title for p in client.get(url, {"owner": "me"}).context["plans"]] == ["Principles launch"]
    assert [p.title for p in client.get(url, {"sort": "title"}).context["plans"]] == [
        "Complaints standard rollout", "Principles launch"]


def test_plans_list_paginates_and_answers_htmx_with_the_table_only(client, olivia):
    PlanFactory.create_batch(30, owner=olivia)
    client.force_login(olivia)
    url = reverse("standards:plan-list")
    first = client.get(url)
    assert len(first.context["plans"]) == 25
    assert len(client.get(url, {"page": 2}).context["plans"]) == 5
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert "<h1>" not in partial.content.decode()
    assert "<table" in partial.content.decode()


def test_empty_plans_list_offers_new_plan_to_coe_staff_only(client, olivia, eve):
    client.force_login(olivia)
    html = client.get(reverse("standards:plan-list")).content.decode()
    assert "No communication plans yet." in html
    assert reverse("standards:plan-create") in html
    client.force_login(eve)
    html = client.get(reverse("standards:plan-list")).content.decode()
    assert "No communication plans for you." in html
    assert reverse("standards:plan-create") not in html


def test_plans_list_query_count_does_not_grow(client, olivia, leo, django_assert_num_queries):
    client.force_login(olivia)
    for _ in range(2):
        CommunicationFactory(plan=PlanFactory(owner=leo))
    url = reverse("standards:plan-list")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(15):
        plan = PlanFactory(owner=UserFactory())
        CommunicationFactory.create_batch(3, plan=plan)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["plans"]) == 17


# Creating and editing plans


def test_coe_staff_create_a_plan_with_its_audience_and_what_it_supports(client, olivia, leo, sales, support):
    standard = StandardFactory(owner=olivia)
    principle = PrincipleFactory(title="We make it easy")
    client.force_login(olivia)
    response = client.post(reverse("standards:plan-create"), plan_form(
        audience_units=[sales.pk, support.pk], audience_role="leaders", standards=[standard.pk],
        principles=[principle.pk]))
    plan = CommunicationPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert plan.owner == leo
    assert plan.created_by == olivia
    assert set(plan.audience_units.all()) == {sales, support}
    assert plan.audience_role == "leaders"
    assert list(plan.standards.all()) == [standard]
    assert list(plan.principles.all()) == [principle]
    assert AuditEvent.objects.filter(verb="plan.created", target_id=str(plan.pk), actor=olivia).exists()


def test_a_plan_that_ends_before_it_starts_keeps_what_was_typed_and_saves_nothing(client, olivia):
    client.force_login(olivia)
    today = _today()
    response = client.post(reverse("standards:plan-create"), plan_form(
        title="Backwards plan", starts_on=today.isoformat(), ends_on=(today - timedelta(days=1)).isoformat()))
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == ["The end date is before the start date."]
    html = response.content.decode()
    assert 'value="Backwards plan"' in html
    assert 'id="id_ends_on_errors"' in html  # the error sits beside the field
    assert 'value="leo@acme.example"' in html
    assert not CommunicationPlan.objects.exists()


def test_editing_a_plan_to_end_before_it_starts_changes_nothing(client, olivia):
    plan = PlanFactory(title="Steady", owner=olivia)
    client.force_login(olivia)
    response = client.post(reverse("standards:plan-edit", args=[plan.pk]), plan_form(
        title="Renamed", owner_email=olivia.email, starts_on=plan.starts_on.isoformat(),
        ends_on=(plan.starts_on - timedelta(days=5)).isoformat()))
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert 'value="Renamed"' in response.content.decode()
    assert "<h1>Edit Steady</h1>" in response.content.decode()  # the title is the saved one
    plan.refresh_from_db()
    assert plan.title == "Steady"


def test_plan_dates_cannot_shrink_past_a_scheduled_communication(client, olivia):
    plan = PlanFactory(owner=olivia)
    CommunicationFactory(plan=plan, title="Late email", scheduled_on=plan.starts_on + timedelta(days=40))
    client.force_login(olivia)
    response = client.post(reverse("standards:plan-edit", args=[plan.pk]), plan_form(
        owner_email=olivia.email, starts_on=plan.starts_on.isoformat(),
        ends_on=(plan.starts_on + timedelta(days=10)).isoformat()))
    assert response.status_code == 200
    assert "Late email" in response.context["form"].errors["ends_on"][0]
    plan.refresh_from_db()
    assert plan.ends_on == plan.starts_on + timedelta(days=90)


def test_the_owner_of_a_plan_edits_it(client, leo):
    plan = PlanFactory(owner=leo, title="Sales plan")
    client.force_login(leo)
    response = client.post(reverse("standards:plan-edit", args=[plan.pk]), plan_form(title="Sales plan, v2"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Sales plan, v2"
    event = AuditEvent.objects.get(verb="plan.updated", actor=leo)
    assert event.details == {"title": ["Sales plan", "Sales plan, v2"], "objective": "changed",
                             "ends": [date_format(plan.starts_on + timedelta(days=90)), date_format(plan.ends_on)]}


def test_a_plan_edit_names_the_units_and_the_new_owner(client, olivia, leo, sales, support):
    plan = PlanFactory(owner=leo, title="Sales plan")
    plan.audience_units.set([sales])
    client.force_login(olivia)
    client.post(reverse("standards:plan-edit", args=[plan.pk]), plan_form(
        title="Sales plan", objective=plan.objective, owner_email="olivia@acme.example",
        audience_units=[sales.pk, support.pk], ends_on=plan.ends_on.isoformat()))
    event = AuditEvent.objects.get(verb="plan.updated", target_id=str(plan.pk))
    assert event.details == {"owner": ["Leo Marsh", "Olivia Hart"],
                             "audience units": ["Sales", "Customer Support, Sales"]}
    assert ("owner", "Leo Marsh → Olivia Hart") in describe.detail_lines(event)


def test_saving_a_plan_unchanged_records_nothing(client, leo):
    plan = PlanFactory(owner=leo)
    client.force_login(leo)
    response = client.post(reverse("standards:plan-edit", args=[plan.pk]), plan_form(
        title=plan.title, objective=plan.objective, ends_on=plan.ends_on.isoformat()))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(verb="plan.updated").exists()


def test_an_unknown_owner_address_is_refused_beside_the_field(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:plan-create"), plan_form(owner_email="nobody@acme.example"))
    assert "owner_email" in response.context["form"].errors
    assert not CommunicationPlan.objects.exists()


def test_someone_who_sees_a_plan_through_their_communication_cannot_change_it(client, olivia, eve):
    plan = PlanFactory(owner=olivia)
    CommunicationFactory(plan=plan, owner=eve)
    client.force_login(eve)
    assert client.get(reverse("standards:plan-detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("standards:plan-edit", args=[plan.pk])).status_code == 403
    assert client.get(reverse("standards:communication-create", args=[plan.pk])).status_code == 403
    assert client.post(reverse("standards:plan-archive", args=[plan.pk])).status_code == 403
    plan.refresh_from_db()
    assert not plan.is_archived


def test_people_outside_a_plan_get_404(client, olivia, eve):
    plan = PlanFactory(owner=olivia)
    client.force_login(eve)
    for name in ("plan-detail", "plan-edit", "communication-create"):
        assert client.get(reverse(f"standards:{name}", args=[plan.pk])).status_code == 404


def test_archive_and_restore_a_plan(client, olivia):
    plan = PlanFactory(owner=olivia)
    client.force_login(olivia)
    response = client.post(reverse("standards:plan-archive", args=[plan.pk]), {"action": "archive"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_archived
    assert "Restore plan" in client.get(plan.get_absolute_url()).content.decode()
    client.post(reverse("standards:plan-archive", args=[plan.pk]), {"action": "restore"})
    plan.refresh_from_db()
    assert not plan.is_archived
    assert list(AuditEvent.objects.filter(target_id=str(plan.pk), verb__startswith="plan.")
                .order_by("pk").values_list("verb", flat=True)) == ["plan.archived", "plan.restored"]


def test_archiving_twice_records_one_event(client, olivia):
    plan = PlanFactory(owner=olivia)
    client.force_login(olivia)
    client.post(reverse("standards:plan-archive", args=[plan.pk]))
    client.post(reverse("standards:plan-archive", args=[plan.pk]))
    assert AuditEvent.objects.filter(verb="plan.archived").count() == 1


# The plan page


def test_plan_page_shows_objective_audience_links_and_communications_in_date_order(client, olivia, sales):
    standard = publish_standard(StandardFactory(owner=olivia, title="Answer fast"), audience_units=[sales])
    principle = PrincipleFactory(title="We make it easy")
    plan = PlanFactory(owner=olivia, objective="Make **everyone** answer fast.", audience_role="leaders")
    plan.audience_units.set([sales])
    plan.standards.set([standard])
    plan.principles.set([principle])
    later = CommunicationFactory(plan=plan, title="Second", scheduled_on=_today() + timedelta(days=9))
    overdue = CommunicationFactory(plan=plan, title="First", scheduled_on=_today() - timedelta(days=2))
    client.force_login(olivia)
    response = client.get(plan.get_absolute_url())
    html = response.content.decode()
    assert "<strong>everyone</strong>" in html
    assert "Leaders, Sales" in html
    assert f'href="{standard.get_absolute_url()}"' in html
    assert f'href="{principle.get_absolute_url()}"' in html
    assert [c.pk for c in response.context["communications"]] == [overdue.pk, later.pk]
    assert html.count(">Overdue<") == 1
    assert "Add communication" in html


def test_plan_page_of_an_archived_plan_offers_no_new_communication(client, olivia):
    plan = PlanFactory(owner=olivia, is_archived=True)
    client.force_login(olivia)
    assert "Add communication" not in client.get(plan.get_absolute_url()).content.decode()
    response = client.post(reverse("standards:communication-create", args=[plan.pk]), _communication_data())
    assert response.status_code == 302
    assert not Communication.objects.exists()


def test_a_communication_owner_sees_the_plan_but_opens_only_their_own(client, olivia, eve):
    plan = PlanFactory(owner=olivia)
    mine = CommunicationFactory(plan=plan, owner=eve, title="Support newsletter")
    other = CommunicationFactory(plan=plan, owner=olivia, title="Spring town hall")
    client.force_login(eve)
    html = client.get(plan.get_absolute_url()).content.decode()
    assert f'href="{mine.get_absolute_url()}"' in html
    assert "Spring town hall" in html
    assert f'href="{other.get_absolute_url()}"' not in html
    assert "Add communication" not in html
    assert "Edit plan" not in html


def test_plan_page_query_count_does_not_grow(client, olivia, sales, support, django_assert_num_queries):
    plan = PlanFactory(owner=olivia)
    plan.audience_units.set([sales])
    CommunicationFactory(plan=plan)
    client.force_login(olivia)
    url = plan.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    plan.audience_units.add(support)
    plan.standards.set(StandardFactory.create_batch(3, owner=olivia))
    plan.principles.set(PrincipleFactory.create_batch(3))
    for _ in range(10):
        CommunicationFactory(plan=plan, owner=UserFactory())
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["communications"]) == 11


def test_plan_objective_markdown_is_sanitized(client, olivia):
    plan = PlanFactory(owner=olivia, objective=UNSAFE)
    client.force_login(olivia)
    html = client.get(plan.get_absolute_url()).content.decode().lower()
    assert "<strong>bold</strong>" in html
    for forbidden in ("<script>alert", "javascript:", "onerror", "onclick", "<div onclick"):
        assert forbidden not in html


# Communications


def test_an_editor_schedules_a_communication_within_the_plan(client, olivia, leo):
    plan = PlanFactory(owner=olivia)
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-create", args=[plan.pk]), _communication_data())
    assert response.status_code == 302
    communication = Communication.objects.get()
    assert communication.plan == plan
    assert communication.owner == leo
    assert communication.status == "planned"
    assert AuditEvent.objects.filter(verb="communication.created", target_id=str(communication.pk)).exists()


@pytest.mark.parametrize("days", [-1, 91])
def test_a_communication_outside_the_plan_dates_is_refused_beside_the_date(client, olivia, days):
    plan = PlanFactory(owner=olivia)
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-create", args=[plan.pk]), _communication_data(
        scheduled_on=(plan.starts_on + timedelta(days=days)).isoformat(), title="Off dates"))
    assert response.status_code == 200
    assert "Choose a date within the plan" in response.context["form"].errors["scheduled_on"][0]
    assert 'value="Off dates"' in response.content.decode()
    assert not Communication.objects.exists()


def test_the_owner_of_a_communication_changes_its_content(client, olivia, eve):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia), owner=eve, title="Draft")
    client.force_login(eve)
    response = client.post(reverse("standards:communication-edit", args=[communication.pk]), _communication_data(
        title="Final title", owner_email=eve.email, channel="newsletter"))
    assert response.status_code == 302
    communication.refresh_from_db()
    assert communication.title == "Final title"
    assert communication.channel == "newsletter"


def test_a_sent_communication_cannot_be_edited(client, olivia):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia), status="ready")
    set_communication_status(communication=communication, by=olivia, status="sent")
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-edit", args=[communication.pk]),
                           _communication_data(title="Rewritten"))
    assert response.status_code == 302
    communication.refresh_from_db()
    assert communication.title != "Rewritten"


def test_communication_page_shows_the_message_and_the_allowed_status_buttons(client, olivia):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia), message="Read **this**.")
    client.force_login(olivia)
    response = client.get(communication.get_absolute_url())
    html = response.content.decode()
    assert "<strong>this</strong>" in html
    assert [str(s) for s in response.context["next_statuses"]] == ["ready", "cancelled"]
    assert 'name="status" value="ready"' in html
    assert 'name="status" value="cancelled"' in html
    assert 'name="status" value="sent"' not in html
    assert reverse("standards:communication-send", args=[communication.pk]) not in html  # not email and ready


def test_communication_page_names_what_it_is_about_and_keeps_its_record(client, olivia):
    principle = PrincipleFactory(title="Make it easy")
    standard = publish_standard(StandardFactory(code="CX-STD-040", title="Answer within a day", principle=principle))
    plan = PlanFactory(owner=olivia)
    plan.standards.set([standard])
    plan.principles.set([principle])
    communication = CommunicationFactory(plan=plan, owner=olivia)
    set_communication_status(communication=communication, by=olivia, status="ready")
    client.force_login(olivia)
    response = client.get(communication.get_absolute_url())
    about = response.text[response.text.index(">About<"):]
    assert f'href="{standard.get_absolute_url()}">CX-STD-040 Answer within a day</a>' in about
    assert f'href="{principle.get_absolute_url()}">' in about
    record = response.text[response.text.index('id="history-heading"'):]
    assert "Communication status changed" in record
    assert "Planned → Ready" in unescape(record)
    assert "Olivia Hart" in record


ALLOWED = [(before, after) for before, targets in STATUS_CHANGES.items() for after in targets]
REFUSED = [(before, after) for before in Communication.Status.values for after in Communication.Status.values
           if after != before and after not in STATUS_CHANGES[before]]


def _communication_in(status: str, plan) -> Communication:
    communication = CommunicationFactory(plan=plan)
    if status != "planned":
        Communication.objects.filter(pk=communication.pk).update(
            status=status, sent_at=timezone.now() if status == "sent" else None)
        communication.refresh_from_db()
    return communication


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_each_allowed_status_change(client, olivia, before, after):
    communication = _communication_in(before, PlanFactory(owner=olivia))
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-status", args=[communication.pk]), {"status": after})
    assert response.status_code == 302
    communication.refresh_from_db()
    assert communication.status == after
    assert (communication.sent_at is not None) == (after == "sent")
    event = AuditEvent.objects.get(verb="communication.status_changed", target_id=str(communication.pk))
    assert event.details == {"status": [before.label, after.label]}  # as a person reads them


@pytest.mark.parametrize(("before", "after"), REFUSED)
def test_each_refused_status_change(client, olivia, before, after):
    communication = _communication_in(before, PlanFactory(owner=olivia))
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-status", args=[communication.pk]), {"status": after},
                           follow=True)
    communication.refresh_from_db()
    assert communication.status == before
    assert "can't be marked" in _text(response)
    assert not AuditEvent.objects.filter(verb="communication.status_changed").exists()


def test_an_unknown_status_is_refused(client, olivia):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia))
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-status", args=[communication.pk]), {"status": "gone"},
                           follow=True)
    assert "Choose one of the statuses offered." in response.content.decode()
    communication.refresh_from_db()
    assert communication.status == "planned"


def test_the_status_change_is_post_only(client, olivia):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia))
    client.force_login(olivia)
    assert client.get(reverse("standards:communication-status", args=[communication.pk]),
                      {"status": "ready"}).status_code == 405
    communication.refresh_from_db()
    assert communication.status == "planned"


def test_communication_message_markdown_is_sanitized(client, olivia, eve):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia), channel="email", status="ready",
                                         message=UNSAFE)
    client.force_login(olivia)
    pages = [client.get(communication.get_absolute_url()),
             client.get(reverse("standards:communication-send", args=[communication.pk]))]
    send_communication(communication=communication, by=olivia)  # the plan is for everyone, eve too
    client.force_login(eve)
    pages.append(client.get(communication.get_absolute_url()))
    for response in pages:
        html = response.content.decode().lower()
        assert "<strong>bold</strong>" in html
        for forbidden in ("<script>alert", "javascript:", "onerror", "onclick"):
            assert forbidden not in html


# Sending an email through cxcoe


@pytest.fixture
def ready_email(olivia, sales, leo, amir):
    plan = PlanFactory(owner=olivia, title="Sales launch")
    plan.audience_units.set([sales])  # leo and amir
    return CommunicationFactory(plan=plan, owner=olivia, channel="email", status="ready", title="Hello Sales",
                                message="The **new** standard.")


def test_send_page_confirms_how_many_people_it_will_reach(client, olivia, ready_email):
    client.force_login(olivia)
    response = client.get(reverse("standards:communication-send", args=[ready_email.pk]))
    assert response.status_code == 200
    assert response.context["audience_size"] == 2
    assert "Send to 2 people" in response.content.decode()
    assert not _ledger(ready_email).exists()
    ready_email.refresh_from_db()
    assert ready_email.status == "ready"


def test_sending_records_who_it_reached_and_a_second_send_is_refused(client, olivia, leo, amir, ready_email):
    client.force_login(olivia)
    url = reverse("standards:communication-send", args=[ready_email.pk])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == ready_email.get_absolute_url()
    ready_email.refresh_from_db()
    assert ready_email.status == "sent"
    assert ready_email.recipient_count == 2
    assert ready_email.sent_by == olivia
    rows = list(_ledger(ready_email).values_list("recipient__email", "status", "period"))
    assert sorted(rows) == [("amir@acme.example", "pending", "sent"), ("leo@acme.example", "pending", "sent")]
    sent_at = ready_email.sent_at

    again = client.post(url)
    assert again.status_code == 409
    assert "already sent" in again.content.decode()
    assert "Send to" not in again.content.decode()
    assert _ledger(ready_email).count() == 2
    ready_email.refresh_from_db()
    assert ready_email.sent_at == sent_at
    assert AuditEvent.objects.filter(verb="communication.sent").count() == 1


@pytest.mark.parametrize(("channel", "status", "reason"), [
    ("newsletter", "ready", "Only email communications are sent by cxcoe"),
    ("email", "planned", "Mark the communication ready before sending it."),
])
def test_only_a_ready_email_can_be_sent(client, olivia, ready_email, channel, status, reason):
    Communication.objects.filter(pk=ready_email.pk).update(channel=channel, status=status)
    client.force_login(olivia)
    url = reverse("standards:communication-send", args=[ready_email.pk])
    assert reason in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 409
    assert reason in response.content.decode()
    assert not _ledger(ready_email).exists()


def test_a_plan_without_audience_cannot_send(client, olivia, ready_email):
    ready_email.plan.audience_units.set([BusinessUnitFactory(code="EMPTY", name="Nobody here")])
    client.force_login(olivia)
    url = reverse("standards:communication-send", args=[ready_email.pk])
    assert "Nobody is in the plan's audience" in _text(client.get(url))
    response = client.post(url)
    assert response.status_code == 409
    assert "Nobody is in the plan's audience" in _text(response)
    ready_email.refresh_from_db()
    assert ready_email.status == "ready"


def test_the_communication_page_shows_delivery_from_the_ledger(client, olivia, leo, amir, ready_email, mailoutbox):
    send_communication(communication=ready_email, by=olivia)
    client.force_login(olivia)
    waiting = client.get(ready_email.get_absolute_url())
    assert waiting.context["delivery"] == {"total": 2, "sent": 0, "waiting": 2, "failed": 0, "cancelled": 0}
    reminders.send_reminders()
    _ledger(ready_email).filter(recipient=amir).update(status=Reminder.Status.FAILED)
    response = client.get(ready_email.get_absolute_url())
    assert response.context["delivery"] == {"total": 2, "sent": 1, "waiting": 0, "failed": 1, "cancelled": 0}
    html = response.content.decode()
    assert "Sent by cxcoe to 2 people." in html
    assert reverse("standards:communication-recipients-export", args=[ready_email.pk]) in html
    assert {message.to[0] for message in mailoutbox} == {"leo@acme.example", "amir@acme.example"}


def test_the_email_a_recipient_gets_shows_the_markdown_in_html_and_plain_words_in_text(olivia, amir, ready_email,
                                                                                    mailoutbox):
    send_communication(communication=ready_email, by=olivia)
    reminders.send_reminders()
    email = next(message for message in mailoutbox if message.to == ["amir@acme.example"])
    assert email.subject == "Hello Sales"
    assert "The new standard." in email.body
    assert "*" not in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "The <strong>new</strong> standard." in html


def test_recipients_export_lists_each_person_and_their_delivery(client, olivia, leo, amir, ready_email):
    send_communication(communication=ready_email, by=olivia)
    reminders.send_reminders()
    _ledger(ready_email).filter(recipient=amir).update(status=Reminder.Status.FAILED, sent_at=None)
    client.force_login(olivia)
    response = client.get(reverse("standards:communication-recipients-export", args=[ready_email.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == ["name", "email", "unit", "delivery_status", "sent_at"]
    assert [row[:4] for row in rows[1:]] == [
        ["Amir Haddad", "amir@acme.example", "Enterprise Sales", "failed"],
        ["Leo Marsh", "leo@acme.example", "Sales", "sent"],
    ]
    assert rows[1][4] == ""
    assert rows[2][4]


def test_a_communication_marked_sent_by_hand_says_there_is_no_delivery_record(client, olivia, ready_email):
    set_communication_status(communication=ready_email, by=olivia, status="sent")
    client.force_login(olivia)
    html = client.get(ready_email.get_absolute_url()).content.decode()
    assert "Marked sent by hand" in html


# What people who received it see


def test_a_recipient_opens_the_message_but_not_how_it_is_run(client, olivia, amir, ready_email):
    send_communication(communication=ready_email, by=olivia)
    client.force_login(amir)
    response = client.get(ready_email.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>new</strong>" in html
    assert "Hello Sales" in html
    assert 'name="status"' not in html
    assert "Delivery" not in html
    assert reverse("standards:communication-edit", args=[ready_email.pk]) not in html
    assert ready_email.plan.get_absolute_url() not in html
    for name in ("communication-edit", "communication-send", "communication-recipients-export"):
        assert client.get(reverse(f"standards:{name}", args=[ready_email.pk])).status_code == 403
    assert client.post(reverse("standards:communication-status", args=[ready_email.pk]),
                       {"status": "planned"}).status_code == 403
    assert client.get(ready_email.plan.get_absolute_url()).status_code == 404


def test_people_it_did_not_reach_get_404(client, olivia, eve, una, ready_email):
    send_communication(communication=ready_email, by=olivia)
    for person in (eve, una):
        client.force_login(person)
        assert client.get(ready_email.get_absolute_url()).status_code == 404


def test_the_notification_a_recipient_gets_links_to_the_message(client, olivia, amir, ready_email):
    send_communication(communication=ready_email, by=olivia)
    reminders.send_reminders()
    note = amir.notifications.get()
    client.force_login(amir)
    response = client.get(note.get_absolute_url(), follow=True)
    assert response.redirect_chain[-1][0] == ready_email.get_absolute_url()
    assert response.status_code == 200


def test_communication_page_query_count_does_not_grow(client, olivia, sales, django_assert_num_queries):
    plan = PlanFactory(owner=olivia)
    plan.audience_units.set([sales])
    UserFactory.create_batch(2, business_unit=sales)
    communication = CommunicationFactory(plan=plan, channel="email", status="ready")
    send_communication(communication=communication, by=olivia)
    client.force_login(olivia)
    url = communication.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    more = UserFactory.create_batch(20, business_unit=sales)
    reminders.notify(recipients=more, kind=kinds.COMMUNICATION, target=communication, key="sent",
                     title=communication.title)
    plan.audience_units.add(*[UserFactory().business_unit for _ in range(3)])
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    assert response.context["delivery"]["total"] == 22
