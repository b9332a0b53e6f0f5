"""Numbers people type have a sensible range, said beside the field and kept by the database; huge ids and page
numbers are refused or ignored, never a 500 (SQLite raised OverflowError on them)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import BusinessUnit
from standards.models import CommunicationPlan, Standard

from ..factories import BusinessUnitFactory
from ..standards.factories import PlanFactory, StandardFactory

HUGE = str(2**64)


def test_a_new_plan_for_a_unit_id_no_table_holds_is_refused_beside_the_field(client, olivia):
    client.force_login(olivia)
    today = timezone.localdate()
    for unit in (HUGE, "-" + HUGE, "\u00b2"):
        response = client.post(reverse("standards:plan-create"), {
            "title": "Launch", "objective": "Everyone knows.", "owner_email": olivia.email,
            "audience_role": "everyone", "audience_units": [unit], "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=9)).isoformat()})
        assert response.status_code == 200
        assert response.context["form"].errors["audience_units"]
    assert not CommunicationPlan.objects.exists()


def test_a_review_interval_beyond_ten_years_is_refused_beside_the_field(client, olivia, sales):
    client.force_login(olivia)
    response = client.post(reverse("unit-edit", args=[sales.pk]), {
        "code": sales.code, "name": sales.name, "parent": sales.parent_id, "is_active": "on",
        "review_interval_days": str(10**18)})
    assert response.status_code == 200
    assert "review_interval_days" in response.context["form"].errors
    assert 'id="id_review_interval_days_errors"' in response.content.decode()
    sales.refresh_from_db()
    assert sales.review_interval_days == 180


def test_the_database_keeps_the_ranges_too(db, olivia):
    unit = BusinessUnitFactory(code="RNG")
    for days in (0, 3651):
        with pytest.raises(IntegrityError), transaction.atomic():
            BusinessUnit.objects.filter(pk=unit.pk).update(review_interval_days=days)
    standard = StandardFactory(author=olivia)
    for field in ("ack_days", "joiner_ack_days"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Standard.objects.filter(pk=standard.pk).update(**{field: 366})
    with pytest.raises(IntegrityError), transaction.atomic():
        Standard.objects.filter(pk=standard.pk).update(review_interval_days=3651)


@pytest.mark.parametrize("page", ["9" * 30, str(2**63), "-1", "1e400", "NaN", "\x00", "1" + "0" * 5000])
def test_a_huge_or_odd_page_number_shows_a_page(client, olivia, page):
    PlanFactory(owner=olivia)
    client.force_login(olivia)
    for name in ["person-list", "unit-list", "import-list", "audit-list", "operations", "notification-list",
                 "standards:standard-list", "standards:plan-list"]:
        assert client.get(reverse(name), {"page": page}).status_code == 200, name
    assert client.get(reverse("person-list"), {"unit": page}).status_code == 200
    assert client.get(reverse("standards:standard-list"), {"principle": page}).status_code == 200
    assert client.get(reverse("standards:version-compare", args=[StandardFactory(author=olivia).pk]),
                      {"a": page, "b": page}).status_code in (200, 404)
