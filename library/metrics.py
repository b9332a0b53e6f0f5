"""Read-only numbers about the library for its pages and the dashboards (cxcoe/dashboard): freshness above all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q

from standards.models import Principle

from .models import Resource


@dataclass(frozen=True)
class Freshness:
    """Of the published resources counted, how many are not past their review date."""

    published: int
    fresh: int

    @property
    def stale(self) -> int:
        return self.published - self.fresh

    @property
    def percent(self) -> int | None:
        return round(100 * self.fresh / self.published) if self.published else None


def _counts(today: date, prefix: str = "") -> dict[str, Count]:
    published = Q(**{f"{prefix}status": Resource.Status.PUBLISHED})
    stale = Q(**{f"{prefix}next_review_on__lt": today})
    return {"published": Count(f"{prefix}pk", filter=published),
            "fresh": Count(f"{prefix}pk", filter=published & ~stale)}


def freshness(today: date, resources=None) -> Freshness:
    """The freshness score of the library (or of `resources`): the share of published resources not stale."""
    resources = Resource.objects.all() if resources is None else resources
    # Counting the review date rather than the id lets PostgreSQL read the (status, next_review_on) index alone.
    row = resources.published().aggregate(published=Count("*"),
                                          stale=Count("next_review_on", filter=Q(next_review_on__lt=today)))
    return Freshness(row["published"], row["published"] - row["stale"])


def freshness_by_owner(today: date) -> list[dict[str, Any]]:
    """One row per owner of published resources (None: CoE staff, no owner): `owner_id`, `owner__display_name`,
    `owner__email`, and the Freshness, stalest share first. One GROUP BY."""
    rows = (Resource.objects.published().values("owner_id", "owner__display_name", "owner__email").order_by()
            .annotate(**_counts(today)))
    return _ranked(rows)


def freshness_by_principle(today: date) -> list[dict[str, Any]]:
    """One row per principle with published resources linked to it: `principle_id`, `title`, and the Freshness.
    A resource linked to two principles counts for each; resources with none are left out."""
    # Filtered before the annotation, the join to published resources is the one counted.
    rows = (Principle.objects.filter(resources__status=Resource.Status.PUBLISHED).values("pk", "title").order_by()
            .annotate(**_counts(today, prefix="resources__")))
    return _ranked(rows)


def _ranked(rows) -> list[dict[str, Any]]:
    ranked = []
    for row in rows:
        row = dict(row)
        row["freshness"] = Freshness(row.pop("published"), row.pop("fresh"))
        ranked.append(row)
    return sorted(ranked, key=lambda row: (row["freshness"].percent, -row["freshness"].published))
