"""My work, per role: Eve acknowledges standards in place and sees nothing that does not apply to her; Olivia's
My work is the CoE's own home, each figure a link to the list of what it counts; Leo sees his units' figures."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import BusinessUnit, Reminder, WorkerHeartbeat
from cxcoe.notifications import reminders
from standards import tallies
from standards.models import Acknowledgement, Standard
from standards.services.versions import submit_version

from ..factories import BusinessUnitFactory, UserFactory
from ..library.factories import make_resource
from ..standards.factories import (
    CommunicationFactory,
    PlanFactory,
    PrincipleFactory,
    StandardFactory,
    publish_standard,
)
from ..steps import page_text, same_queries_after


@pytest.fixture
def oscar(acme):
    return UserFactory(email="oscar@acme.example", display_name="Oscar Lind", business_unit=acme, coe_staff=True)


@pytest.fixture
def asks_support(olivia, oscar, support, bianca, eve):
    """`asks_support("CX-STD-020", title)`: a standard for Customer Support, published today; Bianca and Eve are
    asked to acknowledge it."""
    principle = PrincipleFactory()

    def publish(code: str, title: str = "Answer within one working day") -> Standard:
        return publish_standard(StandardFactory(code=code, title=title, principle=principle, author=olivia,
                                                owner=olivia, requires_acknowledgement=True,
                                                audience_units=[support]), approver=oscar)
    return publish


def _home(client, person):
    client.force_login(person)
    return client.get(reverse("home"))


# Eve, an employee: the acknowledgements are the page


def test_eve_sees_an_acknowledge_button_for_each_pending_standard_and_no_cards_that_do_not_apply(
        client, eve, asks_support):
    asks_support("CX-STD-020", "Reply within a day")
    asks_support("CX-STD-021", "Use the customer's name")
    response = _home(client, eve)
    text = page_text(response)
    assert "Acknowledge CX-STD-020" in text
    assert "Acknowledge CX-STD-021" in text
    for absent in ("Reviews due", "Assigned training", "Across the organization", "Your units"):
        assert absent not in text
    assert response.context["shows_reviews"] is False


def test_eve_acknowledges_from_my_work_without_javascript_and_comes_back_to_it(client, eve, asks_support):
    standard = asks_support("CX-STD-020")
    client.force_login(eve)
    response = client.post(reverse("standards:standard-acknowledge", args=[standard.pk]), {"next": reverse("home")})
    assert response.status_code == 302
    assert response.url == reverse("home")
    row = Acknowledgement.objects.get(standard=standard, person=eve)
    assert (row.status, row.acknowledged_at is not None) == ("acknowledged", True)
    page = client.get(response.url)
    assert "Thank you: your acknowledgement of CX-STD-020 is recorded." in page_text(page)
    assert "Acknowledge CX-STD-020" not in page_text(page)
    assert "You are up to date." in page_text(page)


def test_eve_acknowledges_from_my_work_with_htmx_and_the_row_says_so(client, eve, asks_support):
    standard = asks_support("CX-STD-020")
    client.force_login(eve)
    reminders.run_sweep(name="acknowledgements")
    reminders.send_reminders()
    home = client.get(reverse("home"))
    assert home.context["nav"]["unread_notifications"] == 1
    assert list(home.context["notifications"]) == []  # the request is the button, not said twice
    response = client.post(reverse("standards:standard-acknowledge", args=[standard.pk]), {"next": reverse("home")},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thank you: your acknowledgement is recorded." in html
    assert '<a id="notification-bell"' in html  # the bell's count follows, out of band
    assert 'data-hx-swap-oob="true"' in html
    assert "notif-count" not in html
    assert Acknowledgement.objects.get(standard=standard, person=eve).status == "acknowledged"


def test_the_my_work_form_swaps_the_message_into_its_own_row(client, eve, asks_support):
    standard = asks_support("CX-STD-020")
    html = _home(client, eve).content.decode()
    assert f'data-hx-target="#my-ack-action-{standard.pk}"' in html
    assert 'data-hx-select="#acknowledgement > *"' in html
    assert '<input type="hidden" name="next" value="/">' in html


def test_an_acknowledgement_from_the_standard_page_still_returns_there(client, eve, asks_support):
    standard = asks_support("CX-STD-020")
    client.force_login(eve)
    for elsewhere in ({}, {"next": "https://evil.example/"}, {"next": "/manage/people/"}):
        Acknowledgement.objects.filter(person=eve).update(status="pending", acknowledged_at=None)
        response = client.post(reverse("standards:standard-acknowledge", args=[standard.pk]), elsewhere)
        assert response.url == standard.get_absolute_url()


def test_a_refused_acknowledgement_from_my_work_returns_to_my_work_with_the_reason(client, eve, asks_support):
    standard = asks_support("CX-STD-020")
    Standard.objects.filter(pk=standard.pk).update(status=Standard.Status.RETIRED)
    client.force_login(eve)
    url = reverse("standards:standard-acknowledge", args=[standard.pk])
    assert client.post(url, {"next": "/"}, headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/"
    page = client.post(url, {"next": "/"}, follow=True)
    assert page.redirect_chain == [("/", 302)]
    assert "does not ask for acknowledgement" in page_text(page)


def test_eve_gets_a_reviews_section_once_she_owns_something_to_review(client, eve, support):
    support.owner = eve
    support.next_review_on = timezone.localdate() + timedelta(days=120)
    support.save()
    response = _home(client, eve)
    assert response.context["shows_reviews"] is True
    assert response.context["reviews_due"] == []
    assert "No reviews due." in page_text(response)


# Reviews due: one's own, those with no owner for the CoE, and the overdue reviews escalated to one


def test_an_overdue_review_escalated_to_olivia_is_in_her_reviews_due(client, olivia, support, acme):
    nadia = UserFactory(email="nadia@acme.example", display_name="Nadia Brooks", business_unit=support,
                        leads=[support])
    today = timezone.localdate()
    support.owner, support.next_review_on = nadia, today - timedelta(days=16)
    support.save()
    acme.next_review_on = today + timedelta(days=200)  # nobody's, but not due
    acme.save()
    reminders.run_sweep(name="reviews", today=today)
    reminders.send_reminders()
    assert "Overdue review: Customer Support" in [note.title for note in olivia.notifications.all()]
    response = _home(client, olivia)
    assert response.context["reviews_due"] == [support]
    text = page_text(response)
    assert "Customer Support Business unit · Owned by Nadia Brooks: please follow up." in text
    assert "overdue since" in text
    client.force_login(nadia)  # her own, overdue
    assert client.get(reverse("home")).context["reviews_due"] == [support]


def test_a_review_recorded_leaves_the_escalated_reviews_due(client, olivia, support):
    nadia = UserFactory(email="nadia@acme.example", business_unit=support, leads=[support])
    support.owner, support.next_review_on = nadia, timezone.localdate() - timedelta(days=20)
    support.save()
    reminders.run_sweep(name="reviews")
    client.force_login(olivia)
    client.post(reverse("unit-review", args=[support.pk]), {"outcome": "confirmed"})
    assert client.get(reverse("home")).context["reviews_due"] == []


# Olivia, CoE staff: My work is the CoE's own home


@pytest.fixture
def programme(olivia, oscar, leo, eve, bianca, support, sales, asks_support):
    """What the CoE follows, counted by hand: 1 acknowledgement overdue (Eve's of CX-STD-020), 1 standard past its
    review date (CX-STD-021), 1 unit past its review date (Customer Support; an archived one is not counted),
    1 communication past its date and 2 due in the next 7 days, 1 version waiting for Leo (another approver; one
    waits for Olivia herself) and 1 failed reminder."""
    today = timezone.localdate()
    overdue = asks_support("CX-STD-020", "Reply within a day")
    Acknowledgement.objects.filter(standard=overdue, person=eve).update(due_on=today - timedelta(days=1))
    tallies.count(overdue)
    stale = asks_support("CX-STD-021", "Use the customer's name")
    Standard.objects.filter(pk=stale.pk).update(next_review_on=today - timedelta(days=3))
    support.next_review_on = today - timedelta(days=2)
    support.save()
    BusinessUnitFactory(code="OLD", name="Old unit", is_active=False, next_review_on=today - timedelta(days=9))
    for code, approver in (("CX-STD-030", leo), ("CX-STD-031", None)):
        standard = StandardFactory(code=code, author=olivia, approver=approver)
        submit_version(version=standard.open_version(), by=olivia)
    plan = PlanFactory(owner=olivia, title="Launch the principles")
    CommunicationFactory(plan=plan, title="Late newsletter", scheduled_on=today - timedelta(days=2))
    CommunicationFactory(plan=plan, title="Sent on time", scheduled_on=today - timedelta(days=1), status="sent",
                         sent_at=timezone.now())
    CommunicationFactory(plan=plan, title="Team meeting today", scheduled_on=today)
    CommunicationFactory(plan=plan, title="Town hall in a week", scheduled_on=today + timedelta(days=7))
    CommunicationFactory(plan=plan, title="Later", scheduled_on=today + timedelta(days=8))
    CommunicationFactory(plan=PlanFactory(owner=olivia, is_archived=True), title="Archived",
                         scheduled_on=today - timedelta(days=5))
    Reminder.objects.create(recipient=bianca, kind="standard.acknowledgement", status=Reminder.Status.FAILED,
                            period="2026-03-09/before-7",
                            target_type=ContentType.objects.get_for_model(Acknowledgement),
                            target_id=Acknowledgement.objects.get(standard=overdue, person=bianca).pk)
    make_resource(by=olivia, title="Old guide", publish=True, today=today - timedelta(days=100))
    make_resource(by=olivia, title="Fresh guide", publish=True, today=today)
    return {"overdue": overdue, "stale": stale}


def _figures(response) -> dict[str, tuple[int, str]]:
    found = response.context["programme"]
    return {str(figure.label): (figure.count, figure.url) for figure in [*found["overdue"], *found["coming"]]}


def test_olivia_sees_each_figure_with_its_number_and_the_list_behind_it(client, olivia, programme):
    response = _home(client, olivia)
    assert _figures(response) == {
        "acknowledgements overdue": (1, "/standards/acknowledgements/?status=overdue"),
        "standards past their review date": (1, "/standards/?review=stale"),
        "units past their review date": (1, "/manage/units/?review=stale"),
        "library resources past their review date": (1, "/library/?freshness=stale"),
        "communications past their date, not sent": (1, "/standards/calendar/?due=overdue"),
        "versions waiting for another approver": (1, "/standards/?status=awaiting&approver=others"),
        "communications due in the next 7 days": (2, "/standards/calendar/?due=week"),
        "reminders that failed": (1, "/manage/operations/?status=failed"),
    }
    html = response.content.decode()
    for count, url in _figures(response).values():
        assert f'href="{url.replace("&", "&amp;")}"><span class="stat">{count}</span>' in html
    text = page_text(response)
    assert "Worker not seen No background worker has reported in yet." in text
    assert [version.standard.code for version in response.context["approvals_waiting"]] == ["CX-STD-031"]


def test_following_each_figure_lists_those_same_items(client, olivia, programme):
    client.force_login(olivia)
    figures = _figures(client.get(reverse("home")))

    def opened(label):
        return client.get(figures[label][1]).context

    assert [(row.standard.code, row.person.email) for row in opened("acknowledgements overdue")["rows"]] == [
        ("CX-STD-020", "eve@acme.example")]
    assert [s.code for s in opened("standards past their review date")["standards"]] == ["CX-STD-021"]
    assert [u.code for u in opened("units past their review date")["units"]] == ["SUP"]
    assert [r.title for r in opened("library resources past their review date")["resources"]] == ["Old guide"]
    assert [c.title for c in opened("communications past their date, not sent")["due_entries"]] == [
        "Late newsletter"]
    assert [c.title for c in opened("communications due in the next 7 days")["due_entries"]] == [
        "Team meeting today", "Town hall in a week"]
    assert [s.code for s in opened("versions waiting for another approver")["standards"]] == ["CX-STD-030"]
    assert [r.recipient.email for r in opened("reminders that failed")["rows"]] == ["bianca@acme.example"]


def test_a_worker_seen_a_minute_ago_reads_as_reporting(client, olivia):
    WorkerHeartbeat.objects.create(hostname="celery@web-1", seen_at=timezone.now() - timedelta(minutes=1))
    assert "Worker reporting" in page_text(_home(client, olivia))
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=12))
    assert "No background worker has reported in for 12 minutes." in page_text(_home(client, olivia))


def test_the_figures_are_the_coes_alone(client, leo, eve, programme):
    for person in (leo, eve):
        response = _home(client, person)
        assert response.context["programme"] is None
        assert "Across the organization" not in page_text(response)


# Leo, a leader: his own queue and his units' figures


def test_leo_sees_his_units_figures_each_a_link(client, olivia, oscar, leo, amir, sales, enterprise_sales,
                                                support, eve):
    leo.business_unit = enterprise_sales  # so that Sales itself has none of the standard's audience but Leo
    leo.save()
    standard = publish_standard(StandardFactory(code="CX-STD-040", title="Call back when we promise",
                                                author=olivia, requires_acknowledgement=True,
                                                audience_units=[sales, support]), approver=oscar)
    Acknowledgement.objects.filter(standard=standard, person=amir).update(
        due_on=timezone.localdate() - timedelta(days=1))
    tallies.count(standard)
    enterprise_sales.next_review_on = timezone.localdate() - timedelta(days=1)
    enterprise_sales.save()
    response = _home(client, leo)
    units = response.context["unit_figures"]
    assert (units["rate"].asked, units["rate"].done, units["rate"].overdue) == (2, 0, 1)
    assert units["stale_units"] == 1
    assert [(row.version.standard.code, row.unit.code, row.pending, row.overdue) for row in units["pending"]] == [
        ("CX-STD-040", "SAL-01", 2, 1)]
    pending_url = reverse("standards:progress-pending", args=[standard.pk, enterprise_sales.pk])
    html = response.content.decode()
    assert f'href="{pending_url}">Enterprise Sales: 2 of 2 not yet acknowledged</a>' in html
    assert f'href="{reverse("dashboard")}"><span class="stat">1</span> <span class="figure-label">units past' in html
    listed = client.get(pending_url).context["rows"]
    assert sorted(row.person.email for row in listed) == ["amir@acme.example", "leo@acme.example"]
    assert "Customer Support" not in page_text(response)  # Eve's unit is not Leo's


# Query counts: the page reads as many rows whatever the organization's size


def _grow_organization(olivia, oscar, eve, support, n: int):
    principle = PrincipleFactory()
    plan = PlanFactory(owner=olivia)
    for i in range(n):
        code = f"CX-STD-{500 + len(Standard.objects.all()):03d}"
        publish_standard(StandardFactory(code=code, principle=principle, author=olivia,
                                         requires_acknowledgement=True, audience_units=[support]), approver=oscar)
        StandardFactory(code=f"{code}-D", principle=principle, author=olivia)
        CommunicationFactory(plan=plan, scheduled_on=timezone.localdate() + timedelta(days=i % 10 - 3))
        BusinessUnitFactory(parent=support, next_review_on=timezone.localdate() - timedelta(days=i + 1))
        UserFactory(business_unit=support)
    Acknowledgement.objects.filter(person=eve).update(due_on=timezone.localdate() - timedelta(days=1))
    Reminder.objects.create(recipient=eve, kind="review.due", status=Reminder.Status.FAILED,
                            period=f"p{Reminder.objects.count()}",
                            target_type=ContentType.objects.get_for_model(BusinessUnit), target_id=support.pk)


@pytest.mark.parametrize("person", ["olivia", "eve"])
def test_my_work_reads_as_many_queries_at_two_sizes(client, request, person, olivia, oscar, eve, support,
                                                    django_assert_num_queries):
    _grow_organization(olivia, oscar, eve, support, 2)
    client.force_login(request.getfixturevalue(person))
    response = same_queries_after(client, reverse("home"), lambda: _grow_organization(olivia, oscar, eve, support, 8),
                                  django_assert_num_queries)
    assert len(response.context["acknowledgements_pending"]) == (10 if person == "eve" else 0)
