from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe.audit import describe
from cxcoe.models import AuditEvent, BusinessUnit
from cxcoe.people import services

from ..factories import BusinessUnitFactory, UserFactory
from ..steps import csv_lines


def test_subtree_is_one_query_over_all_levels(acme, sales, enterprise_sales, support):
    team = BusinessUnitFactory(code="SAL-01-T1", name="Team 1", parent=enterprise_sales)
    with CaptureQueriesContext(connection) as queries:
        codes = set(sales.subtree().values_list("code", flat=True))
    assert codes == {"SAL", "SAL-01", "SAL-01-T1"}
    assert len(queries) == 1
    assert team.depth == 3


def test_leader_scope_is_their_units_and_everything_below(leo, sales, enterprise_sales, support):
    assert set(leo.led_units_subtree()) == {sales, enterprise_sales}
    assert set(BusinessUnit.objects.visible_to(leo)) == {sales, enterprise_sales}


def test_leader_of_two_units_sees_both_subtrees(sales, enterprise_sales, support, operations):
    leader = UserFactory(leads=[enterprise_sales, support])
    assert set(leader.led_units_subtree()) == {enterprise_sales, support}


def test_moving_a_unit_moves_its_whole_subtree(olivia, acme, sales, enterprise_sales, support):
    team = BusinessUnitFactory(code="SAL-01-T1", name="Team 1", parent=enterprise_sales)
    services.update_unit(unit=enterprise_sales, by=olivia, parent=support)
    team.refresh_from_db()
    assert team.path == "/ACME/SUP/SAL-01/SAL-01-T1/"
    assert team.depth == 3
    assert set(support.subtree().values_list("code", flat=True)) == {"SUP", "SAL-01", "SAL-01-T1"}
    assert not sales.subtree().filter(code="SAL-01-T1").exists()
    assert AuditEvent.objects.filter(verb="unit.updated", target_id=str(enterprise_sales.pk)).exists()


def test_a_unit_cannot_move_below_itself(olivia, sales, enterprise_sales):
    with pytest.raises(ValidationError):
        services.update_unit(unit=sales, by=olivia, parent=enterprise_sales)
    sales.refresh_from_db()
    assert sales.path == "/ACME/SAL/"


def test_unit_form_creates_a_unit_with_leaders(client, olivia, sales, leo):
    client.force_login(olivia)
    response = client.post(reverse("unit-create"), {"code": "sal-02", "name": "Renewals", "parent": sales.pk,
                                                    "leader_emails": "LEO@acme.example", "is_active": "on"})
    unit = BusinessUnit.objects.get(code="SAL-02")
    assert response.status_code == 302
    assert unit.path == "/ACME/SAL/SAL-02/"
    assert list(unit.leaders.all()) == [leo]
    assert AuditEvent.objects.filter(verb="role.leaders_changed", target_id=str(unit.pk)).exists()


def test_unit_form_keeps_input_and_explains_a_bad_code(client, olivia, sales):
    client.force_login(olivia)
    response = client.post(reverse("unit-create"), {"code": "bad code!", "name": "Renewals", "parent": sales.pk})
    assert response.status_code == 200
    assert "Renewals" in response.text
    assert "Use capital letters" in response.text
    assert not BusinessUnit.objects.filter(name="Renewals").exists()


def test_unit_form_names_leaders_nobody_has(client, olivia, sales, leo):
    client.force_login(olivia)
    response = client.post(reverse("unit-edit", args=[sales.pk]), {
        "name": "Sales", "parent": sales.parent_id, "is_active": "on",
        "leader_emails": "leo@acme.example, ghost@acme.example",
    })
    assert "Nobody active has the address ghost@acme.example." in response.text
    assert "ghost@acme.example" in response.context["form"]["leader_emails"].value()
    assert list(sales.leaders.all()) == [leo]


def test_unit_edit_cannot_pick_its_own_subtree_as_parent(client, olivia, sales, enterprise_sales):
    client.force_login(olivia)
    response = client.post(reverse("unit-edit", args=[sales.pk]),
                           {"name": "Sales", "parent": enterprise_sales.pk, "is_active": "on"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    sales.refresh_from_db()
    assert sales.parent.code == "ACME"


def test_unit_export_lists_codes_parents_and_leaders(client, olivia, leo, sales, enterprise_sales):
    client.force_login(olivia)
    body = b"".join(client.get(reverse("unit-export")).streaming_content).decode()
    assert body.splitlines()[0] == "code,name,parent_code,leader_emails"
    assert "SAL,Sales,ACME,leo@acme.example" in body.splitlines()


def test_leader_dashboard_counts_people_in_their_subtree_only(client, leo, amir, bianca, sales):
    UserFactory(business_unit=sales, is_active=False)
    client.force_login(leo)
    response = client.get(reverse("dashboard"))
    assert response.context["total_people"] == 2  # leo and amir; bianca is in Support, one is deactivated
    assert {unit.code for unit in response.context["units"]} == {"SAL", "SAL-01"}


def _figures(response) -> dict[str, tuple[int, int]]:
    """{unit name: (people at all levels, people in the unit itself)} from a page's units."""
    return {unit.name: (unit.headcount, unit.own_headcount) for unit in response.context["units"]}


def test_people_counts_say_all_levels_and_add_up_the_units_below(client, olivia, leo, una, amir, bianca, eve):
    """The tree of tests/conftest.py: Acme holds Olivia; Sales (Leo) holds Enterprise Sales (Amir); Customer Support
    holds Bianca and Eve; Operations holds Una. Counted by hand."""
    client.force_login(olivia)
    expected = {"Acme": (6, 1), "Sales": (2, 1), "Enterprise Sales": (1, 1), "Customer Support": (2, 2),
                "Operations": (1, 1)}
    dashboard = client.get(reverse("dashboard"))
    assert _figures(dashboard) == expected
    assert dashboard.context["total_people"] == 6
    assert "People, all levels" in dashboard.text
    assert "1 in the unit itself" in dashboard.text  # beneath Acme's 6
    units = client.get(reverse("unit-list"))
    assert _figures(units) == expected
    sales = client.get(reverse("unit-detail", args=[leo.business_unit_id]))
    assert "1 person, all levels" in sales.text  # Enterprise Sales, under Sales


def test_a_unit_is_covered_when_it_or_a_unit_above_has_a_leader(client, olivia, leo, una, amir, bianca):
    """Sales and Operations have leaders, so Enterprise Sales is covered by Sales; Acme and Customer Support have
    no leader at their level or above."""
    client.force_login(olivia)
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["uncovered_units"] == 2
    assert f'href="{reverse("unit-list")}?leader=none"' in dashboard.text
    listed = client.get(reverse("unit-list"), {"leader": "none"})
    assert [unit.name for unit in listed.context["units"]] == ["Acme", "Customer Support"]
    exported = b"".join(client.get(reverse("unit-export"), {"leader": "none"}).streaming_content).decode()
    assert [line.split(",")[0] for line in exported.splitlines()[1:]] == ["ACME", "SUP"]


def test_a_leaders_dashboard_leaves_out_the_coverage_figure_every_unit_of_theirs_meets(client, leo, amir):
    client.force_login(leo)
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["uncovered_units"] is None
    assert "no leader" not in dashboard.text


def _org(size):
    root = BusinessUnit.objects.get(code="ACME")
    for i in range(size):
        unit = BusinessUnitFactory(code=f"X{size}-{i}", parent=root)
        UserFactory.create_batch(2, business_unit=unit, leads=[unit] if i % 2 else [])


@pytest.mark.parametrize("url_name", ["unit-list", "dashboard"])
def test_unit_pages_query_count_does_not_grow(client, olivia, url_name, django_assert_num_queries):
    client.force_login(olivia)
    _org(3)
    client.get(reverse(url_name))  # warm the session and the content-type cache
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url_name)).status_code == 200
    _org(30)
    with django_assert_num_queries(len(small)):
        client.get(reverse(url_name))


def test_unit_detail_query_count_does_not_grow(client, olivia, sales, django_assert_num_queries):
    client.force_login(olivia)
    UserFactory.create_batch(3, business_unit=sales, leads=[sales])
    client.get(reverse("unit-detail", args=[sales.pk]))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("unit-detail", args=[sales.pk]))
    for i in range(10):
        BusinessUnitFactory(code=f"SAL-C{i}", parent=sales)
    UserFactory.create_batch(30, business_unit=sales, leads=[sales])
    with django_assert_num_queries(len(small)):
        client.get(reverse("unit-detail", args=[sales.pk]))


def test_unit_form_sets_the_review_owner_and_schedule(client, olivia, sales, leo):
    client.force_login(olivia)
    client.post(reverse("unit-edit", args=[sales.pk]), {
        "name": "Sales", "parent": sales.parent_id, "is_active": "on", "owner_email": "LEO@acme.example",
        "review_interval_days": "90", "next_review_on": "2026-12-01",
    })
    sales.refresh_from_db()
    assert (sales.owner, sales.review_interval_days, str(sales.next_review_on)) == (leo, 90, "2026-12-01")
    event = AuditEvent.objects.get(verb="unit.updated", target_id=str(sales.pk))
    assert event.details == {"owner": ["", "Leo Marsh"], "review every (days)": ["180", "90"],
                             "next review": ["", "1 Dec 2026"]}


def test_renaming_a_unit_records_the_name_before_and_after(client, olivia, sales, leo):
    client.force_login(olivia)
    form = {"name": "Sales", "parent": sales.parent_id, "is_active": "on", "leader_emails": "leo@acme.example",
            "review_interval_days": "180"}
    client.post(reverse("unit-edit", args=[sales.pk]), {**form, "name": "Sales and Renewals"})
    event = AuditEvent.objects.get(verb="unit.updated", target_id=str(sales.pk))
    assert (event.actor, event.target_label, event.details) == (
        olivia, "Sales and Renewals", {"name": ["Sales", "Sales and Renewals"]})
    assert describe.detail_lines(event) == [("name", "Sales → Sales and Renewals")]


def test_saving_a_unit_that_changed_nothing_records_nothing(client, olivia, sales, leo):
    client.force_login(olivia)
    response = client.post(reverse("unit-edit", args=[sales.pk]), {
        "name": "Sales", "parent": sales.parent_id, "is_active": "on", "leader_emails": "leo@acme.example",
        "review_interval_days": "180",
    })
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(target_type__model="businessunit", target_id=str(sales.pk)).exists()


def test_moving_a_unit_records_its_parent_by_name(olivia, sales, enterprise_sales, support):
    services.update_unit(unit=enterprise_sales, by=olivia, parent=support)
    event = AuditEvent.objects.get(verb="unit.updated", target_id=str(enterprise_sales.pk))
    assert event.details == {"parent unit": ["Sales", "Customer Support"]}


def test_unit_form_refuses_an_unknown_owner_and_a_silly_interval(client, olivia, sales):
    client.force_login(olivia)
    response = client.post(reverse("unit-edit", args=[sales.pk]), {
        "name": "Sales", "parent": sales.parent_id, "is_active": "on", "owner_email": "ghost@acme.example",
        "review_interval_days": "2",
    })
    assert "Nobody active has the address ghost@acme.example." in response.text
    assert "Choose between 7 days and 3 years" in response.text
    sales.refresh_from_db()
    assert sales.owner is None


def test_the_owner_records_a_review_from_the_unit_page(client, leo, sales):
    sales.owner = leo
    sales.save()
    client.force_login(leo)
    response = client.post(reverse("unit-review", args=[sales.pk]), {"outcome": "confirmed", "note": "Checked"})
    assert response.status_code == 302
    sales.refresh_from_db()
    assert sales.next_review_on is not None
    assert sales.review_interval_days == 180


def test_a_review_without_an_outcome_is_explained_and_changes_nothing(client, olivia, sales):
    client.force_login(olivia)
    response = client.post(reverse("unit-review", args=[sales.pk]), {"note": "typed"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "typed" in response.text
    sales.refresh_from_db()
    assert sales.next_review_on is None


def test_the_review_form_waits_behind_a_button_until_the_review_is_near(client, leo, sales):
    sales.owner = leo
    sales.next_review_on = timezone.localdate() + timedelta(days=120)
    sales.save()
    client.force_login(leo)
    far = client.get(sales.get_absolute_url())
    assert '<details class="review-form border-top pt-3 mt-3">' in far.text  # closed
    assert "Review early" in far.text
    assert "Record a review" not in far.text
    BusinessUnit.objects.filter(pk=sales.pk).update(next_review_on=timezone.localdate() + timedelta(days=20))
    near = client.get(sales.get_absolute_url())
    assert "<details" not in near.text  # the form itself
    assert "Record a review" in near.text
    assert 'name="outcome"' in near.text


def test_the_review_form_explains_only_the_outcomes_it_offers(client, leo, olivia, sales):
    sales.owner = leo
    sales.save()
    client.force_login(leo)  # the owner, who may not archive the unit
    owner_sees = client.get(sales.get_absolute_url())
    assert [value for value, _label in owner_sees.context["review_form"].fields["outcome"].choices] == [
        "confirmed", "updated"]
    assert "Retired" not in owner_sees.text
    assert "its name, place, leaders and people are still right" in owner_sees.text
    client.force_login(olivia)
    assert "Retired archives the unit" in client.get(sales.get_absolute_url()).text


def test_someone_who_only_sees_the_unit_cannot_review_it(client, leo, sales):
    client.force_login(leo)  # leads Sales, but is not its review owner
    assert client.post(reverse("unit-review", args=[sales.pk]), {"outcome": "confirmed"}).status_code == 403
    sales.refresh_from_db()
    assert sales.next_review_on is None


def test_my_work_lists_my_reviews_due(client, leo, sales, django_assert_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    sales.owner = leo
    sales.next_review_on = timezone.localdate() - timedelta(days=2)
    sales.save()
    client.force_login(leo)
    response = client.get(reverse("home"))
    assert response.context["reviews_due"] == [sales]
    assert "overdue since" in response.text


def test_the_units_list_shows_the_units_past_their_review_date(client, olivia, sales, support, operations):
    today = timezone.localdate()
    BusinessUnit.objects.filter(pk=sales.pk).update(next_review_on=today - timedelta(days=1))
    BusinessUnit.objects.filter(pk=support.pk).update(next_review_on=today)  # due today: not past it yet
    BusinessUnit.objects.filter(pk=operations.pk).update(next_review_on=today - timedelta(days=9), is_active=False)
    client.force_login(olivia)
    response = client.get(reverse("unit-list"), {"review": "stale"})
    assert [unit.code for unit in response.context["units"]] == ["SAL"]
    assert "Review overdue" in response.content.decode()
    assert 'name="review" value="stale" checked' in response.content.decode()
    export = csv_lines(client.get(reverse("unit-export"), {"review": "stale"}))
    assert [line.split(",")[0] for line in export[1:]] == ["SAL"]
    BusinessUnit.objects.filter(pk=sales.pk).update(next_review_on=today)
    assert "Every active unit is reviewed on time." in client.get(reverse("unit-list"), {"review": "stale"}).text
