"""Acknowledgement progress by version and unit, kept in AcknowledgementTally rows.

A standard asked of 50,000 people has 50,000 acknowledgement rows; its page, the standards list and the
dashboards show their totals by unit. Counting them on every view made those pages slow in proportion to the
organization, so the totals are kept here:

- `count` recounts a standard's tallies from its rows. The services call it where many rows change at once
  (asking the audience, retiring, the daily sweep), and beat recounts every standard through cxcoe.lib.rollups;
  that recount is what the pages' "counted ... ago" line dates.
- `record_acknowledgement` moves the one person's numbers as they acknowledge, in the same transaction, so
  the click shows at once.

What else moves a person's numbers (someone changing units, an overdue date passing) shows at the next recount.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from .models import Acknowledgement, AcknowledgementTally, Standard

ROLLUP = "standards.acknowledgements"  # its cxcoe.lib.rollups name


def count(standard: Standard) -> int:
    """Recount the tallies of the version `standard` asks. The caller holds the standard's row lock (every
    writer of its tallies does), so two recounts never interleave their delete and insert."""
    today = timezone.localdate()
    AcknowledgementTally.objects.filter(version__standard=standard).delete()
    if standard.ack_version_id is None:
        return 0
    rows = (Acknowledgement.objects.filter(version_id=standard.ack_version_id)
            .exclude(status=Acknowledgement.Status.WITHDRAWN)
            .values(unit_id=F("person__business_unit"))
            .annotate(asked=Count("pk"), done=Count("pk", filter=Q(status=Acknowledgement.Status.ACKNOWLEDGED)),
                      overdue=Count("pk", filter=Q(status=Acknowledgement.Status.PENDING, due_on__lt=today)))
            .order_by())
    tallies = [AcknowledgementTally(version_id=standard.ack_version_id, **row) for row in rows]
    AcknowledgementTally.objects.bulk_create(tallies)
    return len(tallies)


def count_all() -> dict:
    """Recount every standard's tallies, one standard (and one short lock) at a time: beat's rollup."""
    counted = 0
    for pk in Standard.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            count(Standard.objects.select_for_update().get(pk=pk))
            counted += 1
    return {"standards": counted}


def record_acknowledgement(row: Acknowledgement, *, unit_id: int | None, was_asked: bool, was_overdue: bool) -> None:
    """Count one acknowledgement into the tally of the person's unit. A unit with no tally yet waits for the
    next recount. Overdue never goes below zero: the request may have fallen overdue since the last count."""
    AcknowledgementTally.objects.filter(version_id=row.version_id, unit_id=unit_id).update(
        done=F("done") + 1, asked=F("asked") + (0 if was_asked else 1),
        overdue=Greatest(F("overdue") - int(was_overdue), 0))


def of_version(version_id: int, units=None):
    """The tallies of `version_id` by unit (only `units`, a queryset of units, when given), with their units."""
    rows = AcknowledgementTally.objects.filter(version_id=version_id).select_related("unit")
    return rows.filter(unit__in=units) if units is not None else rows


def totals_by_version(version_ids, units=None) -> dict[int, dict]:
    """{version id: {"asked": n, "done": n, "overdue": n}} for `version_ids`, over `units` when given."""
    rows = AcknowledgementTally.objects.filter(version_id__in=version_ids)
    if units is not None:
        rows = rows.filter(unit__in=units)
    return {row["version_id"]: row for row in rows.values("version_id").order_by()
            .annotate(asked=Sum("asked"), done=Sum("done"), overdue=Sum("overdue"))}


def totals_by_unit(unit_ids) -> dict[int, dict]:
    """{unit id: {"asked", "done", "overdue"}}: each unit's own people, over every published standard."""
    rows = AcknowledgementTally.objects.filter(unit_id__in=unit_ids,
                                               version__standard__status=Standard.Status.PUBLISHED)
    return {row["unit_id"]: row for row in rows.values("unit_id").order_by()
            .annotate(asked=Sum("asked"), done=Sum("done"), overdue=Sum("overdue"))}
