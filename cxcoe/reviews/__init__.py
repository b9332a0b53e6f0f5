"""Review cycles: items with an owner that must be re-checked every N days (DESIGN.md §5).

Any model that subclasses `ReviewCycle` takes part: the daily "reviews" sweep reminds owners before
and after the review date, escalates after CXCOE_ESCALATE_AFTER_DAYS to the leaders of the owner's
unit (or CoE staff), and sends owner-less items to CoE staff. `record_review` closes a cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import permissions
from ..audit import record_event
from ..models import ReviewCycle, ReviewRecord, User
from ..notifications import Kind, Message, register_kind, reminders

REVIEW_DUE = "review.due"
REVIEW_ESCALATION = "review.escalation"
# A review is due for its owner from this many days before its date: My work lists it, the person's open items
# count it, and its page opens the review form.
REVIEW_HORIZON_DAYS = 30


# What retires an item when its review says "retired", by model, registered by the owning app's ready(). Retiring
# can be more than a status (a standard withdraws its pending acknowledgements and reminders), so the review
# calls the app's own service; a model with none falls back to its retire_from_review().
RETIRERS: dict[type[ReviewCycle], Callable[..., None]] = {}


def register_retirer(model: type[ReviewCycle], retire: Callable[..., None]) -> None:
    """`retire(item=..., by=..., note=...)` runs inside the review's transaction, with the item's row locked."""
    RETIRERS[model] = retire


def reviewable_models() -> list[type[ReviewCycle]]:
    return [model for model in apps.get_models() if issubclass(model, ReviewCycle)]


def _still_due(reminder, item) -> bool:
    return item.next_review_on == reminder.due_on and item.is_under_review()


def _due_date(reminder) -> str:
    return date_format(reminder.due_on) if reminder.due_on else _("its review date")


def _render_due(reminder, item) -> Message:
    return Message(
        title=_("Review %(item)s: %(when)s") % {"item": item, "when": reminders.describe_due(reminder.due_on)},
        body=_("%(item)s is due for its review on %(date)s. Check it is still right, then record the review: "
               "confirmed, updated or retired.") % {"item": item, "date": _due_date(reminder)},
        url=item.get_absolute_url(),
    )


def _render_escalation(reminder, item) -> Message:
    owner = item.owner or _("CoE staff")
    return Message(
        title=_("Overdue review: %(item)s") % {"item": item},
        body=_("The review of %(item)s was due on %(date)s and is still open. Its owner is %(owner)s. Please "
               "follow up, or record the review yourself.") % {"item": item, "date": _due_date(reminder),
                                                        "owner": owner},
        url=item.get_absolute_url(),
    )


def sweep_reviews(*, today: date) -> int:
    """Declare review reminders and escalations for every reviewable model; returns new ledger rows."""
    staff = list(User.objects.active().coe_staff().values_list("pk", flat=True))
    horizon = today + timedelta(days=max(settings.CXCOE_REMINDER_OFFSETS))
    declared = 0
    for model in reviewable_models():
        type_id = ContentType.objects.get_for_model(model).pk
        rows = list(model.under_review(model._default_manager.all()).filter(next_review_on__lte=horizon)
                    .values_list("pk", "next_review_on", "owner_id", "owner__is_active", "owner__business_unit_id"))
        overdue_units = {row[4] for row in rows if row[4] and reminders.is_escalated(row[1], today)}
        leaders = reminders.nearest_leaders(overdue_units)

        def due_items(rows=rows, leaders=leaders, type_id=type_id) -> Iterator[reminders.Due]:
            for pk, due_on, owner_id, owner_active, owner_unit in rows:
                # Always a period: the rows are within the horizon of the earliest reminder.
                if period := reminders.reminder_period(due_on, today):
                    owners = [owner_id] if owner_id and owner_active else staff
                    for person in owners:
                        yield reminders.Due(person, REVIEW_DUE, type_id, pk, period, due_on)
                if reminders.is_escalated(due_on, today):
                    above = [person for person in leaders.get(owner_unit, []) if person != owner_id] or staff
                    for person in above:
                        yield reminders.Due(person, REVIEW_ESCALATION, type_id, pk,
                                            reminders.escalation_period(due_on), due_on, is_escalation=True)

        declared += reminders.declare(due_items())
    return declared


def register() -> None:
    """Called by the core's AppConfig.ready(): the review kinds and the daily review sweep."""
    register_kind(Kind(REVIEW_DUE, gettext_lazy("Reviews due"), render=_render_due, is_still_due=_still_due))
    register_kind(Kind(REVIEW_ESCALATION, gettext_lazy("Overdue reviews of others"), render=_render_escalation,
                       is_still_due=_still_due, important=True))
    reminders.register_sweep(reminders.Sweep("reviews", gettext_lazy("Review cycles"), sweep_reviews))


@transaction.atomic
def record_review(*, item: ReviewCycle, by: User, outcome: str, note: str = "",
                  today: date | None = None) -> ReviewRecord:
    """Close the current review: record it, set the next review date (or retire the item), stop reminders."""
    today = today or timezone.localdate()
    if not permissions.can_review(by, item):
        raise ValidationError(_("Only the owner or CoE staff can record this review."))
    if outcome not in ReviewRecord.Outcome.values:
        raise ValidationError(_("Choose an outcome."))
    if outcome == ReviewRecord.Outcome.RETIRED and not permissions.can_retire(by, item):
        raise ValidationError(_("Only CoE staff can retire this."))
    item = type(item)._default_manager.select_for_update().get(pk=item.pk)
    if outcome == ReviewRecord.Outcome.RETIRED:
        if retire := RETIRERS.get(type(item)):
            retire(item=item, by=by, note=note)
        else:
            item.retire_from_review(by=by)
        item.next_review_on = None
    else:
        item.next_review_on = today + timedelta(days=item.review_interval_days)
    item.save(update_fields=["next_review_on"])
    reminders.settle(item, kinds=[REVIEW_DUE, REVIEW_ESCALATION])
    record = ReviewRecord.objects.create(
        content_type=ContentType.objects.get_for_model(item), object_id=item.pk, reviewed_by=by, outcome=outcome,
        note=note, next_review_on=item.next_review_on,
    )
    record_event(actor=by, verb="review.recorded", target=item,
                 details={"outcome": outcome, "next_review_on": str(item.next_review_on or "")})
    return record


def hand_back_to_coe(*, person_ids: list[int]) -> int:
    """What leavers owned goes to CoE staff (no owner) and is flagged for reassignment."""
    moved = 0
    for model in reviewable_models():
        moved += model._default_manager.filter(owner_id__in=person_ids).update(owner=None, owner_flagged=True)
    return moved


def reviews_of(item: ReviewCycle):
    return ReviewRecord.objects.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk) \
        .select_related("reviewed_by")
