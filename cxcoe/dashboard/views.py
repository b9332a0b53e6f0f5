"""The two pages that read across every app: "My work" and the leader dashboard."""

from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from standards import metrics as standard_metrics
from standards.models import Acknowledgement, StandardVersion

from .. import reviews
from ..lib.types import AuthenticatedRequest
from ..models import BusinessUnit, Notification, Reminder, User
from ..people import counts
from ..permissions import dashboard_access_required

REVIEW_HORIZON_DAYS = 30


def reviews_due_for(user: User, today: date) -> list:
    """What this person should review: their items due within the horizon (for CoE staff also those without an
    owner), and the overdue reviews of others escalated to them (the review sweep's escalations, as their inbox
    has them: to the leaders above the owner, else to CoE staff)."""
    owned = Q(owner=user) | Q(owner=None) if user.is_coe_staff else Q(owner=user)
    items = []
    for model in reviews.reviewable_models():
        escalated = Reminder.objects.filter(
            recipient=user, kind=reviews.REVIEW_ESCALATION, target_type=ContentType.objects.get_for_model(model),
            target_id=OuterRef("pk"), due_on=OuterRef("next_review_on"),
        ).exclude(status=Reminder.Status.CANCELLED)
        queryset = model.under_review(model._default_manager.all()).filter(next_review_on__isnull=False)
        items += (queryset.filter((owned & Q(next_review_on__lte=today + timedelta(days=REVIEW_HORIZON_DAYS)))
                                  | Q(Exists(escalated)))
                  .select_related("owner").order_by("next_review_on", "pk")[:20])
    return sorted(items, key=lambda item: item.next_review_on)[:20]


def approvals_waiting_for(user) -> list:
    return list(StandardVersion.objects.awaiting_decision_by(user).select_related("standard")
                .order_by("submitted_at")[:10])


def my_work(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context = {
        "assigned_training": [],
        "reviews_due": reviews_due_for(user, timezone.localdate()),
        "acknowledgements_pending": Acknowledgement.objects.pending().filter(
            person=user, standard__status="published").select_related("standard").order_by("due_on")[:20],
        "approvals_waiting": approvals_waiting_for(user),
        "today": timezone.localdate(),
        "notifications": Notification.objects.unread().filter(recipient=user)[:5],
        "units_led": user.units_led,
    }
    return render(request, "cxcoe/my_work.html", context)


@dashboard_access_required
def leader_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    # A leader's dashboard covers the units they lead and everything below; not units they merely review.
    units = (BusinessUnit.objects.all() if user.is_coe_staff else user.led_units_subtree()).filter(
        is_active=True).annotate(
        leader_count=Count("leaders", distinct=True),
    )
    # Units with the page's figures set on them for the template (not model fields): each figure for the unit
    # alone (`own_*`) and for the unit and everything below it, which the table shows.
    rows: list[Any] = list(units.order_by("path"))
    by_unit, counted = counts.headcounts()
    rates = standard_metrics.acknowledgement_rates([unit.pk for unit in rows])
    lines = BusinessUnit.lines_up({unit.pk: unit.path for unit in rows})
    top = min((unit.depth for unit in rows), default=0)
    for unit in rows:
        unit.indent = unit.depth - top  # a leader's own units start at the left edge
        unit.own_headcount = by_unit.get(unit.pk, 0)
        unit.headcount = 0
        unit.ack_rate = standard_metrics.AckRate(0, 0, 0)
    by_pk = {unit.pk: unit for unit in rows}
    for unit in rows:
        for above in (by_pk[pk] for pk in lines[unit.pk]):
            above.headcount += unit.own_headcount
            above.ack_rate += rates.get(unit.pk, standard_metrics.AckRate(0, 0, 0))
    overall = sum(rates.values(), standard_metrics.AckRate(0, 0, 0))
    context = {
        "units": rows,
        "total_people": sum(unit.own_headcount for unit in rows),
        "counted": counted,
        # Within a leader's own units every unit is covered, by them: the figure is the CoE's to act on.
        "uncovered_units": len(counts.uncovered_units(rows)) if user.is_coe_staff else None,
        "ack_overall": overall,
        "scope_label": None if user.is_coe_staff else ", ".join(str(unit) for unit in user.units_led),
    }
    return render(request, "cxcoe/dashboard.html", context)
