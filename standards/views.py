"""Standards: the list, a standard's page, its versions and their approval, acknowledgements and progress."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from cxcoe import permissions as core_permissions
from cxcoe import reviews
from cxcoe.lib import rollups
from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import AuditEvent, BusinessUnit, ReviewRecord, User
from cxcoe.permissions import coe_staff_required

from . import permissions, services, tallies
from .compare import compare_versions
from .forms import (
    ApproveForm,
    CompareForm,
    RetireForm,
    SendBackForm,
    StandardFilterForm,
    StandardReviewForm,
    StandardSettingsForm,
    VersionForm,
)
from .models import Acknowledgement, Standard, StandardVersion

PAGE_SIZE = 50
REVIEW_SOON_DAYS = 30


def _visible(request: AuthenticatedRequest, pk: int) -> Standard:
    return get_object_or_404(Standard.objects.visible_to(request.user).select_related(
        "principle", "owner", "approver", "current_version", "ack_version"), pk=pk)


def _editable(request: AuthenticatedRequest, pk: int) -> Standard:
    standard = _visible(request, pk)
    if not permissions.can_edit_standard(request.user, standard):
        raise PermissionDenied
    return standard


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
        standards = standards.filter(Q(code__icontains=data["q"]) | Q(title__icontains=data["q"]))
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
        standards = standards.filter(under_review, next_review_on__lt=today)
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
    return standards.order_by(*StandardFilterForm.ORDER[data["sort"] or "code"])


def _with_ack_counts(standards: list[Standard], user: User) -> list[Standard]:
    """Give each standard `ack_asked` and `ack_done` for the version it asks, as last counted
    (standards/tallies.py): everyone's for CoE staff, the subtree's for a leader."""
    counts = tallies.totals_by_version([s.ack_version_id for s in standards if s.ack_version_id],
                                       _progress_units(user))
    for standard in standards:
        found = counts.get(standard.ack_version_id, {})
        standard.ack_asked, standard.ack_done = found.get("asked", 0), found.get("done", 0)
    return standards


def standard_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = StandardFilterForm(request.GET or None)
    page = Paginator(_standards(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    standards = list(page.object_list)
    counted = None
    if permissions.can_see_progress(request.user):
        _with_ack_counts(standards, request.user)
        counted = rollups.read(tallies.ROLLUP)
    return render(request, "standards/standard_list.html", {
        "filters": filters, "page_obj": page, "standards": standards, "today": timezone.localdate(),
        "counted": counted,
        "can_create": request.user.is_coe_staff, "shows_progress": permissions.can_see_progress(request.user),
    })


def standard_export(request: AuthenticatedRequest) -> HttpResponse:
    standards = _standards(request, StandardFilterForm(request.GET or None))
    header = ["code", "title", "principle", "status", "owner", "next_review", "needs_acknowledgement"]
    if permissions.can_see_progress(request.user):
        header += ["asked", "acknowledged"]  # in the leader's units only, for a leader
    else:
        header += ["my_acknowledgement"]

    def row(s: Standard) -> list:
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


def _progress_units(user: User):
    """The units whose acknowledgement progress `user` may see, or None for all of them (CoE staff)."""
    if user.is_coe_staff:
        return None
    return user.led_units_subtree()


def _progress(standard: Standard, user: User) -> dict | None:
    """Acknowledgement progress of the version being asked, by business unit, as last counted
    (standards/tallies.py): staff see every unit, leaders their subtree, others nothing."""
    if standard.ack_version_id is None or not permissions.can_see_progress(user):
        return None
    units = _progress_units(user)
    by_unit = [{"unit": tally.unit, "unit_id": tally.unit_id, "total": tally.asked, "done": tally.done,
                "overdue": tally.overdue} for tally in tallies.of_version(standard.ack_version_id, units)]
    by_unit.sort(key=lambda row: row["unit"].path if row["unit"] else "~")  # people without a unit last
    for row in by_unit:
        row["percent"] = round(100 * row["done"] / row["total"]) if row["total"] else 0
        row["pending"] = row["total"] - row["done"]
    total = sum(row["total"] for row in by_unit)
    done = sum(row["done"] for row in by_unit)
    return {"units": by_unit, "total": total, "done": done, "pending": total - done,
            "overdue": sum(row["overdue"] for row in by_unit),
            "percent": round(100 * done / total) if total else 0, "scope_is_subtree": units is not None,
            "counted": rollups.read(tallies.ROLLUP)}


def _history(standard: Standard):
    standard_type = ContentType.objects.get_for_model(Standard)
    return AuditEvent.objects.filter(target_type=standard_type, target_id=str(standard.pk)).select_related("actor")


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
    progress = _progress(standard, user)
    units_page = None
    if progress:
        # A standard asked of the whole organization has a row for each of hundreds of units: a page at a time.
        units_page = Paginator(progress["units"], PAGE_SIZE).get_page(request.GET.get("page"))
        progress["units"] = units_page.object_list
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
        "page_obj": units_page,
        "history": _history(standard)[:10] if (is_editor or user.is_coe_staff) else [],
        "today": timezone.localdate(),
    }


def standard_detail(request: AuthenticatedRequest, pk: int, **forms) -> HttpResponse:
    standard = _visible(request, pk)
    context = _detail_context(request, standard)
    context["approve_form"] = forms.get("approve_form") or ApproveForm()
    context["send_back_form"] = forms.get("send_back_form") or SendBackForm()
    context["review_form"] = forms.get("review_form") or StandardReviewForm(
        can_retire=core_permissions.can_retire(request.user, standard))
    return render(request, "standards/standard_detail.html", context)


@coe_staff_required
@saves_once
def standard_create(request: AuthenticatedRequest) -> HttpResponse:
    settings_form = StandardSettingsForm(request.POST or None, prefix="standard")
    version_form = VersionForm(request.POST or None, prefix="version", first_version=True)
    if request.method == "POST" and settings_form.is_valid() and version_form.is_valid():
        standard = settings_form.apply_people(settings_form.save(commit=False))
        try:
            standard = save_once(settings_form, by=request.user, save=lambda: services.create_standard(
                standard=standard, draft=version_form.save(commit=False), by=request.user,
                audience_units=settings_form.cleaned_data["audience_units"]))
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
    standard = _visible(request, pk)
    if not request.user.is_coe_staff:
        raise PermissionDenied
    form = StandardSettingsForm(request.POST or None, instance=standard, prefix="standard")
    if request.method == "POST" and form.is_valid():
        try:
            services.update_standard(standard=form.apply_people(form.save(commit=False)), by=request.user,
                                     audience_units=form.cleaned_data["audience_units"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The settings of %(code)s are saved.") % {"code": standard.code})
            return redirect(standard)
    return render(request, "standards/standard_form.html",
                  {"settings_form": form, "version_form": None, "standard": standard})


def draft_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _editable(request, pk)
    version = standard.open_version()
    if version is None or version.status != StandardVersion.Status.DRAFT:
        if version is not None:
            messages.info(request, _("Version %(number)s is waiting for approval. Take it back to draft to change it.")
                          % {"number": version.number})
        else:
            messages.info(request, _("There is no draft. Start a new version to change the text."))
        return redirect(standard)
    form = VersionForm(request.POST or None, instance=version, first_version=standard.current_version_id is None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.save_draft(version=form.save(commit=False), by=request.user)
            if "submit" in request.POST:
                services.submit_version(version=version, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            submitted = _("Version %(number)s is submitted for approval.") % {"number": version.number}
            messages.success(request, submitted if "submit" in request.POST else _("Draft saved."))
            return redirect(standard)
    return render(request, "standards/draft_form.html", {"form": form, "standard": standard, "version": version})


@require_POST
def standard_revise(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _editable(request, pk)
    try:
        services.start_revision(standard=standard, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(standard)
    return redirect("standards:draft-edit", pk=standard.pk)


def _on_open_version(request: AuthenticatedRequest, pk: int, service, *, missing: str, success: str) -> HttpResponse:
    """An editor's button on the open version (submit, recall); `success` is formatted with its number.
    A refusal (submitted twice, say) becomes an error message on the standard's page."""
    standard = _editable(request, pk)
    version = standard.open_version()
    if version is None:
        messages.error(request, missing)
        return redirect(standard)
    try:
        service(version=version, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success % {"number": version.number})
    return redirect(standard)


@require_POST
def draft_submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _on_open_version(request, pk, services.submit_version, missing=_("There is no draft to submit."),
                            success=_("Version %(number)s is submitted for approval."))


@require_POST
def draft_recall(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _on_open_version(request, pk, services.withdraw_submission,
                            missing=_("There is no version waiting for approval."),
                            success=_("Version %(number)s is back to draft."))


def _submitted(request: AuthenticatedRequest, standard: Standard) -> StandardVersion | None:
    """The version waiting for a decision, after checking that `request.user` is the one to decide."""
    version = standard.open_version()
    if version is None or version.status != StandardVersion.Status.SUBMITTED:
        messages.error(request, _("No version of %(code)s is waiting for approval.") % {"code": standard.code})
        return None
    if permissions.approval_refusal(request.user, version):
        raise PermissionDenied
    return version


@require_POST
def version_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _visible(request, pk)
    version = _submitted(request, standard)
    if version is None:
        return redirect(standard)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.approve_version(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Version %(number)s of %(code)s is approved and current.")
                             % {"number": version.number, "code": standard.code})
            return redirect(standard)
    return standard_detail(request, pk, approve_form=form)


@require_POST
def version_send_back(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _visible(request, pk)
    version = _submitted(request, standard)
    if version is None:
        return redirect(standard)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.send_back(version=version, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Version %(number)s is sent back to its author.") % {"number": version.number})
            return redirect(standard)
    return standard_detail(request, pk, send_back_form=form)


def standard_retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _visible(request, pk)
    if not request.user.is_coe_staff:
        raise PermissionDenied
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retire_standard(standard=standard, by=request.user, note=form.cleaned_data["note"])
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
    standard = _visible(request, pk)
    if not core_permissions.can_review(request.user, standard):
        raise PermissionDenied
    form = StandardReviewForm(request.POST, can_retire=core_permissions.can_retire(request.user, standard))
    if form.is_valid():
        try:
            save_once(form, by=request.user, save=lambda: services.review_standard(
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


@require_POST
def standard_acknowledge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _visible(request, pk)
    try:
        row = services.acknowledge_standard(standard=standard, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        # htmx would follow a plain redirect and swap the whole page into the acknowledgement box.
        return HttpResponseClientRedirect(standard.get_absolute_url()) if request.htmx else redirect(standard)
    if request.htmx:
        return render(request, "standards/_acknowledgement.html",
                      {"standard": standard, "my_ack": row, "must_ack": False, "just_acknowledged": True})
    messages.success(request, _("Thank you: your acknowledgement of %(code)s is recorded.") % {"code": standard.code})
    return redirect(standard)


def _version_or_404(request: AuthenticatedRequest, standard: Standard, number: int) -> StandardVersion:
    version = get_object_or_404(standard.versions.select_related("decided_by", "created_by"), number=number)
    if not version.was_published and not permissions.can_see_drafts(request.user, standard):
        raise Http404
    return version


def version_detail(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    standard = _visible(request, pk)
    version = _version_or_404(request, standard, number)
    previous = standard.versions.filter(number__lt=number).order_by("-number").first()
    if previous is not None and not previous.was_published:
        previous = standard.versions.filter(number__lt=number, status__in=[
            StandardVersion.Status.CURRENT, StandardVersion.Status.SUPERSEDED]).order_by("-number").first()
    return render(request, "standards/version_detail.html",
                  {"standard": standard, "version": version, "previous": previous})


def version_compare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = _visible(request, pk)
    form = CompareForm(request.GET)
    if form.is_valid():
        old_number, new_number = sorted([form.cleaned_data["a"], form.cleaned_data["b"]])
    else:
        published = list(standard.versions.filter(status__in=[StandardVersion.Status.CURRENT,
                                                                StandardVersion.Status.SUPERSEDED])
                         .order_by("-number").values_list("number", flat=True)[:2])
        if len(published) < 2:
            return render(request, "standards/version_compare.html", {"standard": standard, "changes": None})
        new_number, old_number = published
    old = _version_or_404(request, standard, old_number)
    new = _version_or_404(request, standard, new_number)
    choices = [version for version in standard.versions.all()
               if version.was_published or version.pk in (old.pk, new.pk)]
    return render(request, "standards/version_compare.html", {
        "standard": standard, "old": old, "new": new, "changes": compare_versions(old, new), "choices": choices,
    })


def progress_pending(request: AuthenticatedRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Who in one unit has not acknowledged yet: for CoE staff and the leaders above that unit."""
    standard = _visible(request, pk)
    units = _progress_units(request.user)
    if units is None:
        unit = get_object_or_404(BusinessUnit, pk=unit_pk)
    elif request.user.is_leader:
        unit = get_object_or_404(units, pk=unit_pk)
    else:
        raise Http404
    if standard.ack_version_id is None:
        raise Http404
    rows = (Acknowledgement.objects.pending().filter(version_id=standard.ack_version_id, person__business_unit=unit)
            .select_related("person").order_by("due_on", "person__display_name"))
    if request.GET.get("format") == "csv":
        data = ([row.person.display_name, row.person.email, row.due_on.isoformat()] for row in rows.iterator())
        return csv_response(f"{standard.code}-{unit.code}-pending.csv", ["name", "email", "due_on"], data)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "standards/progress_pending.html", {
        "standard": standard, "unit": unit, "page_obj": page, "rows": page.object_list, "today": timezone.localdate(),
    })


def acknowledgement_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every request to acknowledge this standard, all versions, as evidence: CoE staff see everyone, leaders
    their subtree."""
    standard = _visible(request, pk)
    if not permissions.can_see_progress(request.user):
        raise Http404
    rows = (Acknowledgement.objects.filter(standard=standard)
            .select_related("person__business_unit", "version", "read_version")
            .order_by("-version__number", "person__display_name", "pk"))
    units = _progress_units(request.user)
    if units is not None:
        rows = rows.filter(person__business_unit__in=units)
    data = (
        [row.person.display_name, row.person.email, row.person.business_unit.name if row.person.business_unit else "",
         row.version.number, row.get_status_display(), row.due_on.isoformat(),
         timezone.localtime(row.acknowledged_at).isoformat() if row.acknowledged_at else "",
         row.read_version.number if row.read_version else ""]
        for row in rows.iterator(chunk_size=2000)
    )
    return csv_response(f"{standard.code}-acknowledgements.csv",
                        ["name", "email", "unit", "version_asked", "status", "due_on", "acknowledged_at",
                         "version_read"], data)


def approval_list(request: AuthenticatedRequest) -> HttpResponse:
    """What waits for this person's decision, and their drafts that came back with comments."""
    user = request.user
    waiting = (StandardVersion.objects.awaiting_decision_by(user)
               .select_related("standard", "submitted_by", "standard__principle").order_by("submitted_at"))
    returned = (StandardVersion.objects.filter(status=StandardVersion.Status.DRAFT).exclude(returned_comment="")
                .filter(standard__in=Standard.objects.editable_by(user))
                .select_related("standard").order_by("standard__code"))
    return render(request, "standards/approval_list.html", {"waiting": waiting, "returned": returned})
