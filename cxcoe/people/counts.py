"""Active people by unit, rolled up (cxcoe/lib/rollups.py): the count grows with the organization, and the people
list, the units, a unit's page and the dashboard show it."""

from __future__ import annotations

from django.db.models import Count

from ..lib import rollups
from ..models import Rollup, User

PEOPLE = "people"


def count_people() -> dict:
    by_unit = dict(User.objects.active().order_by().values_list("business_unit").annotate(n=Count("pk")))
    return {"active": sum(by_unit.values()), "by_unit": {str(unit): n for unit, n in by_unit.items() if unit}}


def register() -> None:
    rollups.register(PEOPLE, count_people)


def headcounts() -> tuple[dict[int, int], Rollup]:
    """({unit id: active people in that unit itself}, the rollup they come from)."""
    counted = rollups.read(PEOPLE)
    return {int(unit): n for unit, n in counted.value["by_unit"].items()}, counted
