import io
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxcoe.models import AuditEvent, BusinessUnit, Reminder, User
from cxcoe.people import services

from ..factories import PASSWORD, UserFactory


@pytest.fixture
def site_admin(acme):
    return UserFactory(email="admin@acme.example", is_staff=True, is_superuser=True, business_unit=acme)


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_the_site_admin_lists_and_opens_every_model(client, site_admin, olivia, model):
    client.force_login(site_admin)
    meta = model._meta
    changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200


def test_site_admin_edit_of_a_unit_keeps_the_tree_consistent(client, site_admin, sales, enterprise_sales, support):
    client.force_login(site_admin)
    client.post(reverse("admin:cxcoe_businessunit_change", args=[sales.pk]),
                {"code": "SAL", "name": "Sales", "parent": support.pk, "is_active": "on"})
    enterprise_sales.refresh_from_db()
    assert enterprise_sales.path == "/ACME/SUP/SAL/SAL-01/"
    assert AuditEvent.objects.filter(verb="unit.updated", target_id=str(sales.pk)).exists()


def test_site_admin_refuses_a_loop_beside_the_field(client, site_admin, sales, enterprise_sales):
    client.force_login(site_admin)
    response = client.post(reverse("admin:cxcoe_businessunit_change", args=[sales.pk]),
                           {"code": "SAL", "name": "Sales", "parent": enterprise_sales.pk, "is_active": "on"})
    assert response.status_code == 200
    assert "A unit cannot sit below itself" in response.text
    assert BusinessUnit.objects.get(pk=sales.pk).path == "/ACME/SAL/"



def test_a_unit_added_in_the_site_admin_is_made_by_the_service_with_its_leaders(client, site_admin, sales, amir):
    client.force_login(site_admin)
    response = client.post(reverse("admin:cxcoe_businessunit_add"),
                           {"code": "SAL-02", "name": "Inside Sales", "parent": sales.pk, "leaders": [amir.pk],
                            "is_active": "on"})
    assert response.status_code == 302
    unit = BusinessUnit.objects.get(code="SAL-02")
    assert (unit.path, unit.depth, list(unit.leaders.all())) == ("/ACME/SAL/SAL-02/", 2, [amir])
    assert AuditEvent.objects.get(verb="unit.created", target_id=str(unit.pk)).details == {"code": "SAL-02",
                                                                                          "parent": "SAL"}


def test_a_principle_added_in_the_site_admin_comes_last_in_the_order(client, site_admin):
    from standards.models import Principle

    first = Principle.objects.create(title="We make it easy", statement="Little effort.", position=0)
    client.force_login(site_admin)
    response = client.post(reverse("admin:standards_principle_add"),
                           {"title": "We keep our promises", "statement": "What we say, we do.",
                            "explanation": "", "examples": ""})
    assert response.status_code == 302
    added = Principle.objects.exclude(pk=first.pk).get()
    assert (added.title, added.position) == ("We keep our promises", 1)
    assert AuditEvent.objects.filter(verb="principle.created", target_id=str(added.pk)).exists()

def test_site_admin_leader_changes_are_audited(client, site_admin, sales, amir):
    client.force_login(site_admin)
    client.post(reverse("admin:cxcoe_businessunit_change", args=[sales.pk]),
                {"code": "SAL", "name": "Sales", "parent": sales.parent_id, "leaders": [amir.pk], "is_active": "on"})
    assert list(sales.leaders.all()) == [amir]
    event = AuditEvent.objects.get(verb="role.leaders_changed", target_id=str(sales.pk))
    assert event.details["added"] == ["amir@acme.example"]


def test_an_email_changed_by_the_site_admin_signs_in_and_the_old_one_no_longer_does(client, site_admin, eve,
                                                                                   support):
    services.verify_directory_address(person=eve)  # as the people import does: allauth keeps the address too
    client.force_login(site_admin)
    response = client.post(reverse("admin:cxcoe_user_change", args=[eve.pk]), {
        "email": "eve.walker@acme.example", "display_name": "Eve Walker", "business_unit": support.pk,
        "job_title": "Support Specialist", "time_zone": eve.time_zone,
    })
    assert response.status_code == 302
    assert User.objects.get(pk=eve.pk).email == "eve.walker@acme.example"
    event = AuditEvent.objects.get(verb="person.updated", target_id=str(eve.pk))
    assert (event.actor, event.details) == (site_admin, {"email": ["eve@acme.example", "eve.walker@acme.example"]})

    old = Client().post(reverse("account_login"), {"login": "eve@acme.example", "password": PASSWORD})
    assert old.status_code == 200
    assert "_auth_user_id" not in old.wsgi_request.session
    new = Client().post(reverse("account_login"), {"login": "eve.walker@acme.example", "password": PASSWORD})
    assert new.status_code == 302
    assert new.wsgi_request.session["_auth_user_id"] == str(eve.pk)


def test_seed_demo_builds_the_organization_once(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (BusinessUnit.objects.count(), User.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (BusinessUnit.objects.count(), User.objects.count(), AuditEvent.objects.count()) == counts
    assert counts[0] == 12
    assert counts[1] == 60
    assert max(BusinessUnit.objects.values_list("depth", flat=True)) == 2
    olivia = User.objects.get(email="olivia@acme.example")
    leo = User.objects.get(email="leo@acme.example")
    assert olivia.is_coe_staff
    assert [unit.code for unit in leo.units_led] == ["SAL"]
    assert User.objects.get(email="admin@acme.example").is_superuser
    assert User.objects.get(email="eve@acme.example").check_password("cxcoe-demo")
    due = set(Reminder.objects.values_list("recipient__email", "kind"))
    assert {("leo@acme.example", "review.due"), ("nadia@acme.example", "review.due"),
            ("olivia@acme.example", "review.escalation")} <= due


def test_my_work_shows_the_leaders_units_and_a_dashboard_link(client, leo, sales):
    client.force_login(leo)
    response = client.get(reverse("home"))
    assert response.context["units_led"] == [sales]
    assert reverse("dashboard") in response.text


def test_my_work_for_an_employee_has_no_manage_or_dashboard_links(client, eve):
    client.force_login(eve)
    response = client.get(reverse("home"))
    assert reverse("dashboard") not in response.text
    assert reverse("person-list") not in response.text
    assert "You are up to date." in response.text


def test_times_show_in_the_persons_time_zone(client, olivia, amir):
    AuditEvent.objects.create(actor=olivia, verb="person.updated", target_label="Amir",
                              created_at=datetime(2026, 1, 1, 20, 0, tzinfo=UTC))
    olivia.time_zone = "Asia/Tokyo"
    olivia.save()
    client.force_login(olivia)
    response = client.get(reverse("audit-list"), {"verb": "person.updated"})
    assert "2 Jan 2026, 05:00" in response.text


@pytest.mark.parametrize("fixture", ["eve", "leo", "olivia"])
def test_my_work_query_count_does_not_grow(client, request, fixture, sales, django_assert_num_queries):
    person = request.getfixturevalue(fixture)
    client.force_login(person)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    for i in range(10):
        sales.children.create(code=f"SAL-N{i}", name=f"New {i}", path=f"/ACME/SAL/SAL-N{i}/", depth=2)
        UserFactory(business_unit=sales)
    with django_assert_num_queries(len(small)):
        client.get(reverse("home"))


def test_healthz_answers_without_signing_in(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.text == "ok"
