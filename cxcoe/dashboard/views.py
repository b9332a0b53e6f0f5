"""The two pages that read across every app: "My work" and the leader dashboard."""

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from standards import metrics as standard_metrics
from standards.models import Acknowledgement, StandardVersion

from .. import reviews
from ..lib.types import AuthenticatedRequest
from ..models import BusinessUnit, Notification
from ..people import counts
from ..permissions import dashboard_access_required

REVIEW_HORIZON_DAYS = 30


def reviews_due_for(user, today) -> list:
    """Items this person should review within the horizon; CoE staff also get the items without an owner."""
    owned = Q(owner=user) | Q(owner=None) if user.is_coe_staff else Q(owner=user)
    items = []
    for model in reviews.reviewable_models():
        queryset = model.under_review(model._default_manager.all())
        items += queryset.filter(owned, next_review_on__lte=today + timedelta(days=REVIEW_HORIZON_DAYS))[:20]
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
    # Units with the page's figures set on them (headcount, indent, ack_rate) for the template: not model fields.
    rows: list[Any] = list(units.order_by("path"))
    by_unit, counted = counts.headcounts()
    for unit in rows:
        unit.headcount = by_unit.get(unit.pk, 0)
    top = min((unit.depth for unit in rows), default=0)
    rates = standard_metrics.acknowledgement_rates([unit.pk for unit in rows])
    for unit in rows:
        unit.indent = unit.depth - top  # a leader's own units start at the left edge
        unit.ack_rate = rates.get(unit.pk)
    overall = standard_metrics.AckRate(sum(rate.asked for rate in rates.values()),
                                       sum(rate.done for rate in rates.values()),
                                       sum(rate.overdue for rate in rates.values()))
    context = {
        "units": rows,
        "total_people": sum(unit.headcount for unit in rows),
        "counted": counted,
        "units_without_leader": sum(1 for unit in rows if unit.leader_count == 0),
        "ack_overall": overall,
        "scope_label": None if user.is_coe_staff else ", ".join(str(unit) for unit in user.units_led),
    }
    return render(request, "cxcoe/dashboard.html", context)
