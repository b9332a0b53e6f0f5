"""The core's rolled-up counts (cxcoe/rollups.py): active people by unit, and the audit log's length. Both grow
with the organization, and the people list, the units, a unit's page, the dashboard and the audit log show them."""

from __future__ import annotations

from django.db.models import Count

from . import rollups
from .models import AuditEvent, Rollup, User

PEOPLE = "people"
AUDIT_LOG = "audit-log"


def count_people() -> dict:
    by_unit = dict(User.objects.active().order_by().values_list("business_unit").annotate(n=Count("pk")))
    return {"active": sum(by_unit.values()), "by_unit": {str(unit): n for unit, n in by_unit.items() if unit}}


def count_audit_log() -> dict:
    return {"events": AuditEvent.objects.count()}


def register() -> None:
    rollups.register(PEOPLE, count_people)
    rollups.register(AUDIT_LOG, count_audit_log)


def headcounts() -> tuple[dict[int, int], Rollup]:
    """({unit id: active people in that unit itself}, the rollup they come from)."""
    counted = rollups.read(PEOPLE)
    return {int(unit): n for unit, n in counted.value["by_unit"].items()}, counted
