"""A standard's versions: the draft, submitting and recalling it, approval, history and comparison."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxcoe.lib.types import AuthenticatedRequest

from .. import permissions
from ..compare import compare_versions
from ..forms import (
    ApproveForm,
    CompareForm,
    SendBackForm,
    VersionForm,
)
from ..models import Standard, StandardVersion
from ..services.versions import (
    approve_version,
    save_draft,
    send_back,
    start_revision,
    submit_version,
    withdraw_submission,
)
from .catalogue import standard_detail
from .lookups import editable_standard, visible_standard


def draft_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = editable_standard(request, pk)
    version = standard.open_version()
    if version is None or version.status != StandardVersion.Status.DRAFT:
        if version is not None:
            messages.info(request, _("Version %(number)s is waiting for approval. Take it back to draft to change it.")
                          % {"number": version.number})
        else:
            messages.info(request, _("There is no draft. Start a new version to change the text."))
        return redirect(standard)
    form = VersionForm(request.POST or None, instance=StandardVersion.objects.get(pk=version.pk),
                       first_version=standard.current_version_id is None)
    if request.method == "POST" and form.is_valid():
        try:
            version = save_draft(version=version, by=request.user, **form.cleaned_data)
            if "submit" in request.POST:
                submit_version(version=version, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            submitted = _("Version %(number)s is submitted for approval.") % {"number": version.number}
            messages.success(request, submitted if "submit" in request.POST else _("Draft saved."))
            return redirect(standard)
    return render(request, "standards/draft_form.html", {"form": form, "standard": standard, "version": version})


@require_POST
def standard_revise(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = editable_standard(request, pk)
    try:
        start_revision(standard=standard, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(standard)
    return redirect("standards:draft-edit", pk=standard.pk)


def _on_open_version(request: AuthenticatedRequest, pk: int, service, *, missing: str, success: str) -> HttpResponse:
    """An editor's button on the open version (submit, recall); `success` is formatted with its number.
    A refusal (submitted twice, say) becomes an error message on the standard's page."""
    standard = editable_standard(request, pk)
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
    return _on_open_version(request, pk, submit_version, missing=_("There is no draft to submit."),
                            success=_("Version %(number)s is submitted for approval."))


@require_POST
def draft_recall(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _on_open_version(request, pk, withdraw_submission,
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
    standard = visible_standard(request, pk)
    version = _submitted(request, standard)
    if version is None:
        return redirect(standard)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            approve_version(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Version %(number)s of %(code)s is approved and current.")
                             % {"number": version.number, "code": standard.code})
            return redirect(standard)
    return standard_detail(request, pk, approve_form=form)


@require_POST
def version_send_back(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = visible_standard(request, pk)
    version = _submitted(request, standard)
    if version is None:
        return redirect(standard)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            send_back(version=version, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Version %(number)s is sent back to its author.") % {"number": version.number})
            return redirect(standard)
    return standard_detail(request, pk, send_back_form=form)


def _version_or_404(request: AuthenticatedRequest, standard: Standard, number: int) -> StandardVersion:
    version = get_object_or_404(standard.versions.select_related("decided_by", "created_by"), number=number)
    if not version.was_published and not permissions.can_see_drafts(request.user, standard):
        raise Http404
    return version


def version_detail(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    standard = visible_standard(request, pk)
    version = _version_or_404(request, standard, number)
    previous = standard.versions.filter(number__lt=number).order_by("-number").first()
    if previous is not None and not previous.was_published:
        previous = standard.versions.filter(number__lt=number, status__in=[
            StandardVersion.Status.CURRENT, StandardVersion.Status.SUPERSEDED]).order_by("-number").first()
    return render(request, "standards/version_detail.html",
                  {"standard": standard, "version": version, "previous": previous})


def version_compare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = visible_standard(request, pk)
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


def approval_list(request: AuthenticatedRequest) -> HttpResponse:
    """What waits for this person's decision, and their drafts that came back with comments."""
    user = request.user
    waiting = (StandardVersion.objects.awaiting_decision_by(user)
               .select_related("standard", "submitted_by", "standard__principle").order_by("submitted_at"))
    returned = (StandardVersion.objects.filter(status=StandardVersion.Status.DRAFT).exclude(returned_comment="")
                .filter(standard__in=Standard.objects.editable_by(user))
                .select_related("standard").order_by("standard__code"))
    return render(request, "standards/approval_list.html", {"waiting": waiting, "returned": returned})
