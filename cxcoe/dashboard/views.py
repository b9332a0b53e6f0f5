"""The two pages that read across every app: "My work" and the leader dashboard (the site search is in
search.py)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from library import metrics as library_metrics
from standards import kinds as standard_kinds
from standards import metrics as standard_metrics
from standards import tallies as standard_tallies
from standards.models import Acknowledgement, StandardVersion

from .. import health, reviews
from ..lib import rollups
from ..lib.types import AuthenticatedRequest
from ..models import BusinessUnit, Notification, Reminder, User
from ..people import counts
from ..permissions import dashboard_access_required

# Requests that My work shows as the work itself (a button, a review, an approval): its notifications list leaves
# them out rather than say each twice, and the bell still counts them.
SHOWN_AS_WORK = [standard_kinds.ACK_DUE, standard_kinds.APPROVAL_REQUESTED, reviews.REVIEW_DUE,
                 reviews.REVIEW_ESCALATION]
PENDING_SHOWN = 10  # a leader's standards and units still to acknowledge, most overdue first


@dataclass(frozen=True)
class Figure:
    """One number on My work: what it counts, in words after it, and the list that shows those same items."""

    count: int
    label: str
    url: str


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
        items += (queryset.filter((owned & Q(next_review_on__lte=today + timedelta(days=reviews.REVIEW_HORIZON_DAYS)))
                                  | Q(Exists(escalated)))
                  .select_related("owner").order_by("next_review_on", "pk")[:20])
    return sorted(items, key=lambda item: item.next_review_on)[:20]


def reviews_apply_to(user: User, reviews_due: list) -> bool:
    """Whether My work has a reviews section for this person: CoE staff, whoever owns a reviewable item, and
    whoever has an overdue review escalated to them. Asked of every model for everyone else, whatever is due, so
    that the page's queries stay as many."""
    if user.is_coe_staff:
        return True
    owns = [model.under_review(model._default_manager.filter(owner=user)).exists()
            for model in reviews.reviewable_models()]
    return any(owns) or bool(reviews_due)


def approvals_waiting_for(user) -> list:
    return list(StandardVersion.objects.awaiting_decision_by(user).select_related("standard")
                .order_by("submitted_at")[:10])


def programme_figures(user: User, today: date) -> dict[str, Any]:
    """The CoE's own home: what is overdue across the organization, what waits and what comes, and whether the
    reminders get out. Each figure links to the list of what it counts."""
    standards = standard_metrics.programme(user=user, today=today)
    standard_list = reverse("standards:standard-list")
    calendar = reverse("standards:calendar")
    operations = reverse("operations")
    return {
        "overdue": [
            Figure(standards.acknowledgements_overdue, _("acknowledgements overdue"),
                   f"{reverse('standards:acknowledgement-list')}?status=overdue"),
            Figure(standards.standards_stale, _("standards past their review date"),
                   f"{standard_list}?review=stale"),
            Figure(BusinessUnit.objects.stale(today).count(), _("units past their review date"),
                   f"{reverse('unit-list')}?review=stale"),
            Figure(library_metrics.freshness(today).stale, _("library resources past their review date"),
                   f"{reverse('library:resource-list')}?freshness=stale"),
            Figure(standards.communications_overdue, _("communications past their date, not sent"),
                   f"{calendar}?due=overdue"),
        ],
        "coming": [
            Figure(standards.awaiting_others, _("versions waiting for another approver"),
                   f"{standard_list}?status=awaiting&approver=others"),
            Figure(standards.communications_coming, _("communications due in the next 7 days"),
                   f"{calendar}?due=week"),
            Figure(Reminder.objects.filter(status=Reminder.Status.FAILED).count(), _("reminders that failed"),
                   f"{operations}?status=failed"),
        ],
        "acknowledgements_counted": rollups.read(standard_tallies.ROLLUP),
        "worker_problem": health.worker_problem(),
        "operations_url": operations,
    }


def unit_figures(user: User) -> dict[str, Any]:
    """A leader's units and everything below them: acknowledgements, reviews, and each standard still to
    acknowledge by unit, each linking to its list (the dashboard, a standard's pending people)."""
    subtree = user.led_units_subtree().filter(is_active=True)
    rates = standard_metrics.acknowledgement_rates(list(subtree.values_list("pk", flat=True)))
    pending, pending_total = standard_metrics.pending_by_standard_and_unit(subtree, limit=PENDING_SHOWN)
    by_standard: dict[Any, list] = {}  # in the order of their most overdue unit
    for row in pending:
        by_standard.setdefault(row.version.standard, []).append(row)
    return {
        "rate": sum(rates.values(), standard_metrics.AckRate(0, 0, 0)),
        "stale_units": subtree.stale(timezone.localdate()).count(),
        "pending": pending,
        "pending_by_standard": list(by_standard.items()),
        "pending_more": pending_total - len(pending),
        "acknowledgements_counted": rollups.read(standard_tallies.ROLLUP),
    }


def my_work(request: AuthenticatedRequest) -> HttpResponse:
    """Each person's own queue, the actions in place; for CoE staff the programme's figures, for leaders their
    units'."""
    user = request.user
    today = timezone.localdate()
    reviews_due = reviews_due_for(user, today)
    context = {
        "reviews_due": reviews_due,
        "shows_reviews": reviews_apply_to(user, reviews_due),
        "acknowledgements_pending": Acknowledgement.objects.pending().filter(
            person=user, standard__status="published").select_related("standard").order_by("due_on")[:20],
        "approvals_waiting": approvals_waiting_for(user),
        "today": today,
        "notifications": Notification.objects.unread().filter(recipient=user).exclude(kind__in=SHOWN_AS_WORK)[:5],
        "units_led": user.units_led,
        "programme": programme_figures(user, today) if user.is_coe_staff else None,
        "unit_figures": unit_figures(user) if user.units_led else None,
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
    led = user.units_led
    context = {
        "units": rows,
        # CoE staff count everyone active, as the people list does; a leader the people of their units' table.
        "total_people": counted.value["active"] if user.is_coe_staff else sum(unit.own_headcount for unit in rows),
        "people_url": (reverse("person-list") if user.is_coe_staff
                       else f"{led[0].get_absolute_url()}#people" if len(led) == 1 else "#units"),
        "counted": counted,
        # Within a leader's own units every unit is covered, by them: the figure is the CoE's to act on.
        "uncovered_units": len(counts.uncovered_units(rows)) if user.is_coe_staff else None,
        "ack_overall": overall,
        "scope_label": None if user.is_coe_staff else ", ".join(str(unit) for unit in user.units_led),
    }
    return render(request, "cxcoe/dashboard.html", context)
