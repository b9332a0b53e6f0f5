"""The two pages that read across every app: "My work" and the leader dashboard."""

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import BusinessUnit
from ..permissions import dashboard_access_required


def my_work(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "assigned_training": [],
        "reviews_due": [],
        "acknowledgements_pending": [],
        "notifications": [],
        "units_led": user.units_led,
    }
    return render(request, "cxcoe/my_work.html", context)


@dashboard_access_required
def leader_dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = BusinessUnit.objects.visible_to(user).filter(is_active=True).annotate(
        headcount=Count("members", filter=Q(members__is_active=True), distinct=True),
        leader_count=Count("leaders", distinct=True),
    )
    rows = list(units.order_by("path"))
    top = min((unit.depth for unit in rows), default=0)
    for unit in rows:
        unit.indent = unit.depth - top  # a leader's own units start at the left edge
    context = {
        "units": rows,
        "total_people": sum(unit.headcount for unit in rows),
        "units_without_leader": sum(1 for unit in rows if unit.leader_count == 0),
        "scope_label": None if user.is_coe_staff else ", ".join(str(unit) for unit in user.units_led),
    }
    return render(request, "cxcoe/dashboard.html", context)
