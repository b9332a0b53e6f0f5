"""Active people by unit, rolled up (cxcoe/lib/rollups.py): the count grows with the organization, and the people
list, the units, a unit's page and the dashboard show it."""

from __future__ import annotations

from django.db.models import Count

from ..lib import rollups
from ..models import BusinessUnit, Rollup, User

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


def with_units_below(own: dict[int, int]) -> dict[int, int]:
    """{unit id: the unit's own figure plus those of every unit below it}, for every unit, from {unit id: own
    figure}. One query, for the units' paths."""
    lines = BusinessUnit.lines_up(dict(BusinessUnit.objects.values_list("pk", "path")))
    totals = dict.fromkeys(lines, 0)
    for unit, n in own.items():
        for above in lines.get(unit, []):
            totals[above] += n
    return totals


def uncovered_units(units) -> list:
    """The units that no leader covers: neither the unit nor any unit above it has a leader. `units` are
    the units to judge, each with `leader_count`, and must hold the units above them (the whole tree, or a
    subtree from its top)."""
    lines = BusinessUnit.lines_up({unit.pk: unit.path for unit in units})
    led = {unit.pk for unit in units if unit.leader_count}
    return [unit for unit in units if not led.intersection(lines[unit.pk])]
