"""Read-only numbers about standards for the dashboards (cxcoe/dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q

from .models import Acknowledgement, Standard


@dataclass(frozen=True)
class AckRate:
    asked: int
    done: int
    overdue: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.asked) if self.asked else None


def acknowledgement_rates(unit_ids, *, today: date) -> dict[int, AckRate]:
    """For each unit, the acknowledgements asked of its own people for published standards, in one query."""
    # The versions being asked as a subquery, rather than joining each row to its standard to compare.
    asked_versions = Standard.objects.published().filter(ack_version__isnull=False).values("ack_version_id")
    rows = (Acknowledgement.objects
            .filter(person__business_unit_id__in=unit_ids, version_id__in=asked_versions)
            .exclude(status=Acknowledgement.Status.WITHDRAWN)
            .values("person__business_unit_id")
            .annotate(asked=Count("pk"), done=Count("pk", filter=Q(status=Acknowledgement.Status.ACKNOWLEDGED)),
                      overdue=Count("pk", filter=Q(status=Acknowledgement.Status.PENDING, due_on__lt=today)))
            .order_by())
    return {row["person__business_unit_id"]: AckRate(row["asked"], row["done"], row["overdue"]) for row in rows}
