"""Keeping the library fresh: an owner's review queue (My reviews) and CoE staff's freshness report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cxcoe.lib.types import AuthenticatedRequest
from standards.models import Standard

from .. import metrics, permissions
from ..forms import BulkReviewForm
from ..models import DUE_SOON_DAYS, Resource
from ..services.resources import confirm_resources, reassign_resources

PAGE_SIZE = 25
SUGGESTED_SHOWN = 10


def review_queue(user, today):
    """The published resources whose review is this person's and needs them now: a linked standard changed (first),
    due within DUE_SOON_DAYS, then overdue; the most read first within each."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return (Resource.objects.owned_for_review_by(user).with_link_changes()
            .filter(Q(links_changed=True) | Q(next_review_on__lte=soon))
            .annotate(bucket=Case(When(links_changed=True, then=Value(0)),
                                  When(next_review_on__gte=today, then=Value(1)),
                                  default=Value(2), output_field=IntegerField()))
            .select_related("owner").order_by("bucket", "-view_count", "next_review_on", "pk"))


def _with_changed_standards(resources: list[Any], user) -> list[Any]:
    """Give each resource `changed_standards`: its linked standards (those this person may read) that published a
    version since it was last checked, each with its current version, for the link to what changed. One query."""
    links = (Resource.standards.through.objects
             .filter(resource__in=[resource.pk for resource in resources],
                     standard__current_version__decided_at__gt=F("resource__links_checked_at"),
                     standard__in=Standard.objects.visible_to(user))
             .select_related("standard__current_version").order_by("standard__code")) if resources else []
    by_resource: dict[int, list[Standard]] = {}
    for link in links:
        by_resource.setdefault(link.resource_id, []).append(link.standard)
    for resource in resources:
        resource.changed_standards = by_resource.get(resource.pk, [])
    return resources


def my_reviews(request: AuthenticatedRequest, form: BulkReviewForm | None = None) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    queue = review_queue(user, today)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    owned = Resource.objects.owned_for_review_by(user)
    resources = _with_changed_standards(list(page.object_list), user)
    return render(request, "library/my_reviews.html", {
        "page_obj": page, "resources": resources, "today": today,
        "form": form or BulkReviewForm(queue=queue),
        "freshness": metrics.freshness(today, owned),
        "owns_any": owned.exists() or bool(page.paginator.count),
    })


@require_POST
def my_reviews_bulk(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = BulkReviewForm(request.POST, queue=review_queue(user, timezone.localdate()))
    if form.is_valid():
        chosen = list(form.cleaned_data["selected"])
        try:
            if form.cleaned_data["action"] == "confirm":
                done = confirm_resources(resources=chosen, by=user)
                messages.success(request, ngettext("%(n)s review is recorded.", "%(n)s reviews are recorded.",
                                                   done) % {"n": done})
            else:
                owner = form.cleaned_data["owner_email"]
                done = reassign_resources(resources=chosen, by=user, owner=owner)
                messages.success(request, ngettext("%(n)s resource now belongs to %(person)s.",
                                                   "%(n)s resources now belong to %(person)s.", done)
                                 % {"n": done, "person": owner})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("library:my-reviews")
    return my_reviews(request, form=form)


def freshness_report(request: AuthenticatedRequest) -> HttpResponse:
    """The library's freshness, by owner and by principle, and what could be archived."""
    if not permissions.can_see_freshness_report(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    suggested = Resource.objects.suggested_for_archive(today).select_related("owner").order_by("next_review_on", "pk")
    return render(request, "library/freshness.html", {
        "today": today,
        "library": metrics.freshness(today),
        "by_owner": metrics.freshness_by_owner(today),
        "by_principle": metrics.freshness_by_principle(today),
        "suggested": list(suggested[:SUGGESTED_SHOWN]),
        "suggested_count": suggested.count(),
        "unused_days": _("%(n)s days") % {"n": 180},
    })
