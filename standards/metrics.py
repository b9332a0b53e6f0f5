"""Read-only numbers about standards for the dashboards (cxcoe/dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Sum

from cxcoe.models import User

from . import tallies
from .models import AcknowledgementTally, Communication, Standard, StandardVersion


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


def _current_tallies():
    """The tallies of the version each published standard asks people to acknowledge."""
    return AcknowledgementTally.objects.filter(version__standard__status=Standard.Status.PUBLISHED,
                                               version__standard__ack_version=F("version"))


@dataclass(frozen=True)
class Programme:
    """The standards' figures on the CoE's own home, each the count of a list: the acknowledgement list's
    `?status=overdue` (as last counted), the standards list's `?review=stale` and `?status=awaiting&approver=others`,
    the calendar's `?due=overdue` and `?due=week`."""

    acknowledgements_overdue: int
    standards_stale: int
    awaiting_others: int
    communications_overdue: int
    communications_coming: int


def programme(*, user: User, today: date) -> Programme:
    """Across the organization, for CoE staff: `awaiting_others` leaves out the versions waiting for `user`."""
    # People in active units, as the acknowledgement list behind the figure shows them.
    overdue = _current_tallies().filter(unit__is_active=True).aggregate(n=Sum("overdue"))["n"] or 0
    return Programme(
        acknowledgements_overdue=overdue,
        standards_stale=Standard.objects.stale(today).count(),
        awaiting_others=StandardVersion.objects.filter(status=StandardVersion.Status.SUBMITTED).exclude(
            standard__in=Standard.objects.decided_by(user)).count(),
        communications_overdue=Communication.objects.overdue(today).count(),
        communications_coming=Communication.objects.coming(today).count(),
    )


def pending_by_standard_and_unit(units, *, limit: int) -> tuple[list[AcknowledgementTally], int]:
    """In `units` (a queryset), each published standard and unit whose people have not all acknowledged, as last
    counted: the most overdue first, at most `limit` of them, with how many there are in all. Each row has
    `pending`, its version's standard and its unit."""
    rows = _current_tallies().filter(unit__in=units, asked__gt=F("done")).annotate(pending=F("asked") - F("done"))
    shown = list(rows.select_related("version__standard", "unit")
                 .order_by("-overdue", "-pending", "version__standard__code", "unit__path")[:limit])
    return shown, len(shown) if len(shown) < limit else rows.count()
