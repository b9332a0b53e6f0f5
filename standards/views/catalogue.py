"""The standards list and its CSV, a standard's page, and its settings, review and retirement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxcoe import permissions as core_permissions
from cxcoe import reviews
from cxcoe.audit import describe
from cxcoe.lib import rollups
from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import AuditEvent, ReviewRecord, User
from cxcoe.permissions import coe_staff_required

from .. import permissions, tallies, uses
from ..forms import (
    ApproveForm,
    RetireForm,
    SendBackForm,
    StandardFilterForm,
    StandardReviewForm,
    StandardSettingsForm,
    VersionForm,
)
from ..models import Acknowledgement, AcknowledgementTally, Standard, StandardVersion
from ..search import matching_standards
from ..services.catalogue import create_standard, retire_standard, review_standard, update_standard
from .acknowledgements import unit_progress
from .lookups import visible_standard

PAGE_SIZE = 50


REVIEW_SOON_DAYS = 30


def _standards(request: AuthenticatedRequest, filters: StandardFilterForm):
    user = request.user
    today = timezone.localdate()
    mine = Acknowledgement.objects.filter(person=user, version=OuterRef("ack_version"))
    awaiting = StandardVersion.objects.filter(standard=OuterRef("pk"), status=StandardVersion.Status.SUBMITTED)
    if not user.is_coe_staff:  # an unreleased revision is news only for its owner and its approver
        awaiting = awaiting.filter(Q(standard__owner=user) | Q(standard__approver=user))
    standards = (Standard.objects.visible_to(user).select_related("principle", "owner")
                 .annotate(pending_for_me=Exists(mine.filter(status=Acknowledgement.Status.PENDING)),
                           done_by_me=Exists(mine.filter(status=Acknowledgement.Status.ACKNOWLEDGED)),
                           is_awaiting=Exists(awaiting)).order_by("code"))
    if not filters.is_valid():
        return standards
    data = filters.cleaned_data
    if data["q"]:
        standards = matching_standards(standards, data["q"])
    if data["principle"]:
        standards = standards.filter(principle=data["principle"])
    if data["status"] == "awaiting":
        standards = standards.filter(is_awaiting=True)
    elif data["status"]:
        standards = standards.filter(status=data["status"])
    if data["owner"] == "me":
        standards = standards.filter(owner=user)
    elif data["owner"] == "none":
        standards = standards.filter(owner=None)
    under_review = Q(status=Standard.Status.PUBLISHED)
    if data["review"] == "stale":
        standards = standards.stale(today)
    elif data["review"] == "soon":
        standards = standards.filter(under_review, next_review_on__gte=today,
                                     next_review_on__lte=today + timedelta(days=REVIEW_SOON_DAYS))
    elif data["review"] == "ok":
        standards = standards.filter(under_review, next_review_on__gt=today + timedelta(days=REVIEW_SOON_DAYS))
    if data["ack"] == "required":
        standards = standards.filter(requires_acknowledgement=True)
    elif data["ack"] == "none":
        standards = standards.filter(requires_acknowledgement=False)
    elif data["ack"] == "pending_me":
        standards = standards.filter(pending_for_me=True)
    elif data["ack"] == "overdue":
        standards = standards.filter(_has_overdue_acknowledgements(user, mine, today))
    if data["approver"] == "me":
        standards = standards.filter(pk__in=Standard.objects.decided_by(user).values("pk"))
    elif data["approver"] == "others":
        standards = standards.exclude(pk__in=Standard.objects.decided_by(user).values("pk"))
    return standards.order_by(*StandardFilterForm.ORDER[data["sort"] or "code"])


def _has_overdue_acknowledgements(user: User, mine, today) -> Exists:
    """Published standards with acknowledgements past their date: among the people whose progress `user` sees, as
    last counted (the tallies the list's counts come from), else their own."""
    if not permissions.can_see_progress(user):
        return Exists(mine.filter(status=Acknowledgement.Status.PENDING, due_on__lt=today))
    overdue = AcknowledgementTally.objects.filter(version=OuterRef("ack_version"), overdue__gt=0,
                                                  version__standard__status=Standard.Status.PUBLISHED)
    units = permissions.progress_units(user)
    return Exists(overdue if units is None else overdue.filter(unit__in=units))


def _with_ack_counts(standards: list[Any], user: User) -> list[Any]:
    """Give each standard `ack_asked`, `ack_done` and `ack_overdue` for the version it asks, as last counted
    (standards/tallies.py): everyone's for CoE staff, the subtree's for a leader."""
    counts = tallies.totals_by_version([s.ack_version_id for s in standards if s.ack_version_id],
                                       permissions.progress_units(user))
    for standard in standards:
        found = counts.get(standard.ack_version_id, {})
        standard.ack_asked, standard.ack_done = found.get("asked", 0), found.get("done", 0)
        standard.ack_overdue = found.get("overdue", 0)
    return standards


# The filters beyond the search, and the list length up to which they start folded away.
MORE_FILTERS = ["principle", "status", "owner", "review", "ack", "approver", "sort"]
FEW_STANDARDS = 15


def standard_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = StandardFilterForm(request.GET or None)
    page = Paginator(_standards(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    standards = list(page.object_list)
    counted = None
    if permissions.can_see_progress(request.user):
        _with_ack_counts(standards, request.user)
        counted = rollups.read(tallies.ROLLUP)
    narrowing = [name for name in MORE_FILTERS if request.GET.get(name)]
    return render(request, "standards/standard_list.html", {
        "filters": filters, "page_obj": page, "standards": standards, "today": timezone.localdate(),
        "counted": counted,
        # The search stays in sight; the other filters open when one is in use or the list is long.
        "more_filters_open": bool(narrowing) or page.paginator.count > FEW_STANDARDS,
        "can_create": request.user.is_coe_staff, "shows_progress": permissions.can_see_progress(request.user),
    })


def standard_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    standards = _standards(request, StandardFilterForm(request.GET or None))
    header = ["code", "title", "principle", "status", "owner", "next_review", "needs_acknowledgement"]
    if permissions.can_see_progress(request.user):
        header += ["asked", "acknowledged"]  # in the leader's units only, for a leader
    else:
        header += ["my_acknowledgement"]

    def row(s: Any) -> list:  # a standard with its counts (_with_ack_counts, pending_for_me, done_by_me)
        fields = [s.code, s.title, s.principle.title, s.get_status_display(), s.owner.email if s.owner else "",
                  s.next_review_on.isoformat() if s.next_review_on else "",
                  "yes" if s.requires_acknowledgement else "no"]
        if permissions.can_see_progress(request.user):
            return [*fields, s.ack_asked, s.ack_done]
        return [*fields, "pending" if s.pending_for_me else "done" if s.done_by_me else ""]

    def rows():
        for start in range(0, standards.count(), 500):
            chunk = list(standards[start:start + 500])
            if permissions.can_see_progress(request.user):
                _with_ack_counts(chunk, request.user)
            yield from (row(s) for s in chunk)

    return csv_response("standards.csv", header, rows())


def _history(standard: Standard):
    standard_type = ContentType.objects.get_for_model(Standard)
    return (AuditEvent.objects.filter(target_type=standard_type, target_id=str(standard.pk))
            .select_related("actor", "target_type"))


def _detail_context(request: AuthenticatedRequest, standard: Standard) -> dict:
    user = request.user
    is_editor = permissions.can_edit_standard(user, standard)
    sees_drafts = permissions.can_see_drafts(user, standard)
    versions = list(standard.versions.select_related("decided_by", "created_by", "submitted_by"))
    open_version = next((version for version in versions if version.is_open), None)
    shown = versions if sees_drafts else [
        version for version in versions if version.was_published]
    my_ack = None
    if standard.ack_version_id:
        my_ack = Acknowledgement.objects.filter(version_id=standard.ack_version_id, person=user).first()
    last_ack = (Acknowledgement.objects.filter(standard=standard, person=user,
                                               status=Acknowledgement.Status.ACKNOWLEDGED)
                .select_related("version").order_by("-acknowledged_at").first())
    progress = unit_progress(standard, user, page=request.GET.get("page", "1"))
    return {
        "standard": standard,
        "version": standard.current_version,
        "open_version": open_version if sees_drafts else None,
        "versions": shown,
        "is_editor": is_editor,
        "can_decide": open_version is not None and permissions.can_decide(user, open_version),
        "self_refusal": open_version and permissions.self_approval_refusal(user, open_version),
        "can_retire": user.is_coe_staff and not standard.is_retired,
        "can_review": standard.is_under_review() and core_permissions.can_review(user, standard),
        "review_records": reviews.reviews_of(standard)[:5],
        "my_ack": my_ack,
        "last_ack": last_ack,
        "must_ack": my_ack is not None and my_ack.status == Acknowledgement.Status.PENDING,
        "progress": progress,
        "page_obj": progress["page_obj"] if progress else None,
        "history": describe.events(_history(standard)[:10], viewer=user) if (is_editor or user.is_coe_staff) else [],
        "to_check": uses.to_check(standard, user) if (is_editor or user.is_coe_staff) else [],
        "today": timezone.localdate(),
    }


def standard_detail(request: AuthenticatedRequest, pk: int, **forms) -> HttpResponse:
    standard = visible_standard(request, pk)
    context = _detail_context(request, standard)
    context["approve_form"] = forms.get("approve_form") or ApproveForm()
    context["send_back_form"] = forms.get("send_back_form") or SendBackForm()
    context["review_form"] = forms.get("review_form") or StandardReviewForm(item=standard, by=request.user)
    return render(request, "standards/standard_detail.html", context)


@coe_staff_required
@saves_once
def standard_create(request: AuthenticatedRequest) -> HttpResponse:
    settings_form = StandardSettingsForm(request.POST or None, prefix="standard")
    version_form = VersionForm(request.POST or None, prefix="version", first_version=True)
    if request.method == "POST" and settings_form.is_valid() and version_form.is_valid():
        try:
            standard = save_once(settings_form, by=request.user, save=lambda: create_standard(
                by=request.user, version=version_form.cleaned_data, **settings_form.cleaned_data))
        except ValidationError as exc:
            settings_form.add_error(None, exc)
        else:
            messages.success(request, _("%(code)s is saved as a draft. Submit it for approval when it is ready.")
                             % {"code": standard.code})
            return redirect(standard)
    return render(request, "standards/standard_form.html",
                  {"settings_form": settings_form, "version_form": version_form, "standard": None})


def standard_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Audience, approver, acknowledgement and review settings: CoE staff only, as they are the controls."""
    standard = visible_standard(request, pk)
    if not permissions.can_change_settings(request.user, standard):
        raise PermissionDenied
    # The form changes its own copy, so the page keeps the saved settings while it shows what was typed.
    form = StandardSettingsForm(request.POST or None, instance=Standard.objects.get(pk=pk), prefix="standard")
    if request.method == "POST" and form.is_valid():
        try:
            update_standard(standard=standard, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The settings of %(code)s are saved.") % {"code": standard.code})
            return redirect(standard)
    return render(request, "standards/standard_form.html",
                  {"settings_form": form, "version_form": None, "standard": standard})


def standard_retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = visible_standard(request, pk)
    if not request.user.is_coe_staff:
        raise PermissionDenied
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retire_standard(standard=standard, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(code)s is retired. Its history stays readable.") % {"code": standard.code})
            return redirect(standard)
    pending = Acknowledgement.objects.pending().filter(standard=standard).count()
    return render(request, "standards/standard_retire.html", {"standard": standard, "form": form,
                                                               "pending": pending})


@require_POST
@saves_once
def standard_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = visible_standard(request, pk)
    if not core_permissions.can_review(request.user, standard):
        raise PermissionDenied
    form = StandardReviewForm(request.POST, item=standard, by=request.user)
    if form.is_valid():
        try:
            save_once(form, by=request.user, save=lambda: review_standard(
                standard=standard, by=request.user, **form.cleaned_data)[0])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your review of %(code)s is recorded.") % {"code": standard.code})
            # "Updated" opened a new draft: the owner goes on to write it.
            if form.cleaned_data["outcome"] == ReviewRecord.Outcome.UPDATED:
                return redirect("standards:draft-edit", pk=standard.pk)
            return redirect(standard)
    return standard_detail(request, pk, review_form=form)
