"""A leader acts on what they see: every count on the dashboard links to the people or requests behind it, a
unit's page lists its people with what waits on each, and a person's page shows their CX record.

Leo leads Sales; Sam works in Sales itself, Amir and Nora in Enterprise Sales below it. Bianca and Eve work in
Customer Support, which Leo does not lead. Two standards ask everyone: CX-STD-110, due in a month, which Amir
has acknowledged, and CX-STD-120, whose date passed ten days ago, which Eve has acknowledged.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe.lib import rollups
from cxcoe.models import Reminder
from cxcoe.people import counts
from standards import tallies
from standards.services.acknowledgements import acknowledge_standard
from standards.services.versions import start_revision, submit_version
from standards.sweeps import sweep_acknowledgements

from ..factories import BusinessUnitFactory, UserFactory
from .factories import PrincipleFactory, StandardFactory, publish_standard


def _ask_everyone(code: str, *, olivia, oscar, days_ago: int = 0):
    """Publish `code` for the whole organization, `days_ago` days ago: asked to acknowledge within 20 days."""
    past = timezone.localdate() - timedelta(days=days_ago)
    standard = StandardFactory(code=code, title=f"Standard {code}", principle=PrincipleFactory(), author=olivia,
                               owner=olivia, requires_acknowledgement=True, ack_days=20)
    return publish_standard(standard, approver=oscar, effective_on=past, today=past)


@pytest.fixture
def sam(sales):
    return UserFactory(email="sam@acme.example", display_name="Sam Okafor", business_unit=sales)


@pytest.fixture
def nora(enterprise_sales):
    return UserFactory(email="nora@acme.example", display_name="Nora Quist", business_unit=enterprise_sales)


@pytest.fixture
def asked(olivia, oscar, leo, sam, amir, nora, bianca, eve, una):
    on_time = _ask_everyone("CX-STD-110", olivia=olivia, oscar=oscar)
    late = _ask_everyone("CX-STD-120", olivia=olivia, oscar=oscar, days_ago=30)
    acknowledge_standard(standard=on_time, by=amir)
    acknowledge_standard(standard=late, by=eve)
    rollups.recount(tallies.ROLLUP)
    rollups.recount(counts.PEOPLE)
    return on_time, late


def _rows(client, url: str) -> int:
    """How many rows the list at `url` holds: its paginator's count, and the rows of its one page agree."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.context["page_obj"]
    assert len(page.object_list) == page.paginator.count  # one page in these tests
    return page.paginator.count


def _ack_list(**params) -> str:
    return reverse("standards:acknowledgement-list") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_the_standard_late_for_everyone_is_overdue(asked):
    on_time, late = asked
    today = timezone.localdate()
    assert {row.due_on < today for row in late.acknowledgements.all()} == {True}
    assert {row.due_on < today for row in on_time.acknowledgements.all()} == {False}


def test_each_units_overdue_count_links_to_exactly_those_requests(client, leo, sales, enterprise_sales, asked):
    client.force_login(leo)
    dashboard = client.get(reverse("dashboard"))
    units = {unit.code: unit for unit in dashboard.context["units"]}
    # Sales, all levels: Leo, Sam, Amir and Nora have not acknowledged CX-STD-120; Enterprise Sales: Amir and Nora.
    assert units["SAL"].ack_rate.overdue == 4
    assert units["SAL-01"].ack_rate.overdue == 2
    for unit in (sales, enterprise_sales):
        url = _ack_list(unit=unit.pk, status="overdue")
        assert url.replace("&", "&amp;") in dashboard.text
        assert _rows(client, url) == units[unit.code].ack_rate.overdue
    listed = client.get(_ack_list(unit=enterprise_sales.pk, status="overdue"))
    assert [row.person.display_name for row in listed.context["rows"]] == ["Amir Haddad", "Nora Quist"]


def test_each_units_rate_links_to_the_requests_it_counts(client, leo, sales, enterprise_sales, asked):
    client.force_login(leo)
    dashboard = client.get(reverse("dashboard"))
    for unit in dashboard.context["units"]:
        assert _rows(client, _ack_list(unit=unit.pk)) == unit.ack_rate.asked
        assert _rows(client, _ack_list(unit=unit.pk, status="acknowledged")) == unit.ack_rate.done
    overall = dashboard.context["ack_overall"]
    assert (overall.asked, overall.done, overall.overdue) == (8, 1, 4)
    assert _rows(client, _ack_list(status="overdue")) == overall.overdue
    assert _rows(client, reverse("standards:acknowledgement-list")) == overall.asked


def test_staff_dashboard_counts_match_their_lists(client, olivia, asked):
    client.force_login(olivia)
    dashboard = client.get(reverse("dashboard"))
    overall = dashboard.context["ack_overall"]
    assert _rows(client, _ack_list(status="overdue")) == overall.overdue
    assert _rows(client, reverse("standards:acknowledgement-list")) == overall.asked
    people = client.get(reverse("person-list"))
    assert dashboard.context["total_people"] == people.context["page_obj"].paginator.count
    assert f'href="{reverse("person-list")}"' in dashboard.text


def test_each_headcount_links_to_the_people_it_counts(client, leo, sales, enterprise_sales, asked):
    client.force_login(leo)
    dashboard = client.get(reverse("dashboard"))
    for unit in dashboard.context["units"]:
        assert f'href="{unit.get_absolute_url()}#people">{unit.headcount}</a>' in dashboard.text
        assert _rows(client, unit.get_absolute_url()) == unit.headcount
        assert _rows(client, f"{unit.get_absolute_url()}?level=own") == unit.own_headcount
    assert (dashboard.context["total_people"], dashboard.context["people_url"]) == (4, f"{sales.get_absolute_url()}"
                                                                                     "#people")
    sales_page = client.get(sales.get_absolute_url(), {"level": "own"})
    assert [person.display_name for person in sales_page.context["page_obj"]] == ["Leo Marsh", "Sam Okafor"]


def test_a_unit_page_lists_each_persons_open_items_linked_to_them(client, leo, sales, amir, nora, asked):
    client.force_login(leo)
    page = client.get(sales.get_absolute_url())
    assert page.context["shows_open_items"]
    by_name = {person.display_name: person.open_counts for person in page.context["page_obj"]}
    (amirs,) = by_name["Amir Haddad"]
    assert (amirs.text, amirs.tally.overdue) == ("1 standard to acknowledge", 1)
    (noras,) = by_name["Nora Quist"]
    assert (noras.text, noras.tally.overdue) == ("2 standards to acknowledge", 1)
    assert f'href="{noras.url.replace("&", "&amp;")}">2 standards to acknowledge</a>' in page.text
    assert _rows(client, noras.url) == 2
    assert _rows(client, noras.overdue_url) == 1
    listed = client.get(amirs.url)
    assert [row.standard.code for row in listed.context["rows"]] == ["CX-STD-120"]


def test_open_items_are_for_staff_and_the_leaders_above_not_a_units_review_owner(client, olivia, una, support,
                                                                                  asked):
    support.owner = una  # Una leads Operations and owns Customer Support's review: she confirms who is in it
    support.save()
    client.force_login(una)
    page = client.get(support.get_absolute_url())
    assert page.status_code == 200
    assert not page.context["shows_open_items"]
    assert "Open items" not in page.text
    client.force_login(olivia)
    assert client.get(support.get_absolute_url()).context["shows_open_items"]


def test_a_persons_page_shows_their_cx_record_with_links(client, leo, amir, asked):
    client.force_login(leo)
    page = client.get(reverse("person-detail", args=[amir.pk]))
    (section,) = page.context["open_sections"]
    assert (section.tally.open, section.tally.overdue, section.tally.done) == (1, 1, 1)
    assert [item.label for item in section.items] == ["CX-STD-120 Standard CX-STD-120"]
    assert section.items[0].is_overdue
    assert _rows(client, section.open_url) == 1
    assert _rows(client, section.overdue_url) == 1
    done = client.get(section.done_url)
    assert [row.standard.code for row in done.context["rows"]] == ["CX-STD-110"]
    assert "1 acknowledged" in page.text
    assert "1 overdue" in page.text


def test_a_leaders_list_stays_in_their_units(client, leo, eve, bianca, support, asked):
    client.force_login(leo)
    assert client.get(_ack_list(unit=support.pk)).status_code == 404
    assert client.get(_ack_list(person=eve.pk)).status_code == 404
    everyone = client.get(reverse("standards:acknowledgement-list"))
    assert "Eve Walker" not in everyone.text
    assert "Bianca Rossi" not in everyone.text


def test_an_employee_sees_only_their_own_requests(client, eve, amir, asked):
    client.force_login(eve)
    mine = client.get(reverse("standards:acknowledgement-list"))
    assert {row.person for row in mine.context["rows"]} == {eve}
    assert not mine.context["shows_people"]
    assert client.get(_ack_list(person=amir.pk)).status_code == 404
    assert "Remind" not in mine.text


def test_a_pending_request_can_be_reminded_from_the_list(client, leo, nora, asked):
    client.force_login(leo)
    listed = client.get(_ack_list(person=nora.pk, status="pending"))
    assert all(row.can_remind for row in listed.context["rows"])
    on_time, _late = asked
    remind = reverse("standards:progress-remind", args=[on_time.pk, nora.business_unit_id])
    assert remind in listed.text
    back = _ack_list(person=nora.pk, status="pending")
    assert f'name="next" value="{back.replace("&", "&amp;")}"' in listed.text
    response = client.post(remind, {"person": nora.pk, "next": back})
    assert response["Location"] == back  # back to the list the button was on
    assert Reminder.objects.filter(recipient=nora, target_id=on_time.acknowledgements.get(person=nora).pk).exists()
    elsewhere = client.post(remind, {"person": nora.pk, "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("standards:progress-pending", args=[on_time.pk, nora.business_unit_id])


def _more_people(sales, n: int, standards) -> None:
    """`n` more people in a new unit under Sales, asked by the sweep, every other one having acknowledged."""
    unit = BusinessUnitFactory(parent=sales)
    people = UserFactory.create_batch(n, business_unit=unit)
    sweep_acknowledgements(today=timezone.localdate())
    for person in people[::2]:
        for standard in standards:
            acknowledge_standard(standard=standard, by=person)
    rollups.recount(counts.PEOPLE)
    rollups.recount(tallies.ROLLUP)


@pytest.mark.parametrize("page", ["unit", "list", "person"])
def test_leader_pages_query_count_does_not_grow(client, leo, sales, amir, asked, page, olivia, oscar,
                                               django_assert_num_queries):
    url = {"unit": sales.get_absolute_url(), "list": reverse("standards:acknowledgement-list"),
           "person": reverse("person-detail", args=[amir.pk])}[page]
    client.force_login(leo)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _more_people(sales, 30, asked)
    if page == "person":  # Amir himself is asked more: more items than his record lists
        for n in range(12):
            _ask_everyone(f"CX-STD-2{n:02d}", olivia=olivia, oscar=oscar)
        rollups.recount(tallies.ROLLUP)
    with django_assert_num_queries(len(small)):
        response = client.get(url)
    if page == "person":
        assert "13 standards to acknowledge" in response.text  # CX-STD-120 and the twelve
    else:
        assert len(re.findall("<tr>", response.text)) > 30


def test_a_version_waiting_for_approval_shows_on_its_approvers_record_only_to_staff_and_them(client, olivia, leo,
                                                                                           amir, sales):
    sales.leaders.add(amir)  # Amir may approve: a leader (of Sales, below which Leo leads too)
    standard = publish_standard(StandardFactory(code="CX-STD-300", author=olivia, approver=amir),
                                audience_units=[sales])
    # Leo reads the published standard, but not its second version, which waits for Amir's decision.
    submit_version(version=start_revision(standard=standard, by=olivia), by=olivia)
    for viewer, shown in ((olivia, True), (amir, True), (leo, False)):
        client.force_login(viewer)
        sections = client.get(reverse("person-detail", args=[amir.pk])).context["open_sections"]
        assert ("approvals" in [section.kind.name for section in sections]) == shown, viewer


def test_staffs_overdue_figure_counts_the_people_its_list_shows(client, olivia, amir, asked):
    client.force_login(olivia)
    amir.business_unit.is_active = False  # his unit archived: he leaves the figure and the list alike
    amir.business_unit.save()
    rollups.recount(tallies.ROLLUP)
    figures = {str(f.label): f for f in client.get(reverse("home")).context["programme"]["overdue"]}
    overdue = figures["acknowledgements overdue"]
    assert overdue.count == _rows(client, overdue.url)
