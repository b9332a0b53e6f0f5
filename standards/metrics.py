"""Read-only numbers about standards for the dashboards (cxcoe/dashboard)."""

from __future__ import annotations

from dataclasses import dataclass

from . import tallies


@dataclass(frozen=True)
class AckRate:
    asked: int
    done: int
    overdue: int

    def __add__(self, other: AckRate) -> AckRate:
        return AckRate(self.asked + other.asked, self.done + other.done, self.overdue + other.overdue)

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.asked) if self.asked else None


def acknowledgement_rates(unit_ids) -> dict[int, AckRate]:
    """For each unit, the acknowledgements asked of its own people for published standards, as last counted
    (standards/tallies.py; overdue as of that count)."""
    return {unit_id: AckRate(row["asked"], row["done"], row["overdue"])
            for unit_id, row in tallies.totals_by_unit(unit_ids).items()}
