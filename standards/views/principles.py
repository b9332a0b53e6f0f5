"""CX principles: everyone reads them; CoE staff write, order, archive and delete them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.permissions import coe_staff_required

from ..forms import ArchiveForm, MoveForm, PrincipleForm
from ..models import CommunicationPlan, Principle, Standard
from ..services.principles import (
    create_principle,
    delete_principle,
    move_principle,
    set_principle_archived,
    update_principle,
)


def _list_anchor(principle: Principle) -> str:
    return f"{reverse('standards:principle-list')}#principle-{principle.pk}"


def principle_list(request: AuthenticatedRequest) -> HttpResponse:
    is_staff = request.user.is_coe_staff
    shown = Principle.objects.order_by("is_archived", "position", "pk")
    if not is_staff:
        shown = shown.active()
    principles: list[Any] = list(shown)  # each given its standard_count below
    # Counted through the reader's scope, so nobody learns of standards they can't open.
    counts = dict(Standard.objects.visible_to(request.user).published().values_list("principle")
                  .annotate(n=Count("pk")).values_list("principle", "n"))
    for principle in principles:
        principle.standard_count = counts.get(principle.pk, 0)
    return render(request, "standards/principle_list.html", {
        "active": [principle for principle in principles if not principle.is_archived],
        "archived": [principle for principle in principles if principle.is_archived],
        "can_manage": is_staff,
    })


def principle_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    # Archived principles stay readable: standards written under them still link here.
    principle = get_object_or_404(Principle, pk=pk)
    standards = Standard.objects.visible_to(request.user).filter(principle=principle).order_by("code")
    plans = (CommunicationPlan.objects.visible_to(request.user).filter(principles=principle)
             .select_related("owner").order_by("is_archived", "-starts_on", "title"))
    is_staff = request.user.is_coe_staff
    return render(request, "standards/principle_detail.html", {
        "principle": principle,
        "standards": standards,
        "plans": list(plans),
        "can_manage": is_staff,
    })


def _principle_form(request: AuthenticatedRequest, principle: Principle) -> HttpResponse:
    form = PrincipleForm(request.POST or None, instance=principle)
    if request.method == "POST" and form.is_valid():
        try:
            if principle.pk is None:
                principle = save_once(form, by=request.user,
                                      save=lambda: create_principle(by=request.user, **form.cleaned_data))
            else:
                principle = update_principle(principle=principle, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The principle \u201c%(title)s\u201d is saved.") % {"title": principle})
            return redirect(principle)
    return render(request, "standards/principle_form.html", {"form": form, "principle": principle})


@coe_staff_required
@saves_once
def principle_create(request: AuthenticatedRequest) -> HttpResponse:
    return _principle_form(request, Principle())


@coe_staff_required
def principle_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _principle_form(request, get_object_or_404(Principle, pk=pk))


@coe_staff_required
@require_POST
def principle_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    principle = get_object_or_404(Principle, pk=pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to archive or restore the principle."))
        return redirect(principle)
    archived = form.cleaned_data["archived"]
    principle = set_principle_archived(principle=principle, by=request.user, archived=archived)
    if archived:
        messages.success(request, _("\u201c%(title)s\u201d is archived: it leaves the list of principles, and "
                                    "its standards keep pointing to it.") % {"title": principle})
    else:
        messages.success(request, _("\u201c%(title)s\u201d is back in the list of principles.") % {"title": principle})
    return redirect(principle)


@coe_staff_required
def principle_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    principle = get_object_or_404(Principle, pk=pk)
    error = None
    if request.method == "POST":
        try:
            delete_principle(principle=principle, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The principle \u201c%(title)s\u201d is deleted.") % {"title": principle})
            return redirect("standards:principle-list")
    return render(request, "standards/principle_delete.html", {
        "principle": principle,
        "error": error,
        "standard_count": principle.standards.count(),
        "plan_count": principle.communication_plans.count(),
    })


def _place(principle: Principle) -> int:
    """The principle's number in the list people read (1 is the first)."""
    order = list(Principle.objects.active().order_by("position", "pk").values_list("pk", flat=True))
    return order.index(principle.pk) + 1


@coe_staff_required
@require_POST
def principle_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    principle = get_object_or_404(Principle, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to move the principle up or down."))
    elif principle.is_archived:
        messages.error(request, _("An archived principle has no place in the order. Restore it first."))
    else:
        before = _place(principle)
        move_principle(principle=principle, by=request.user, up=form.cleaned_data["direction"] == "up")
        after = _place(principle)
        if after == before:
            messages.info(request, _("\u201c%(title)s\u201d is already number %(position)s.") % {
                "title": principle, "position": after})
        else:
            messages.success(request, _("\u201c%(title)s\u201d is now number %(position)s.") % {
                "title": principle, "position": after})
    return redirect(_list_anchor(principle))
