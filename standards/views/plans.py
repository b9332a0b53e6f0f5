"""Communication plans and their communications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from cxcoe.audit import describe
from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import AuditEvent, Reminder, User
from cxcoe.permissions import coe_staff_required

from .. import kinds, permissions
from ..forms import CommunicationForm, PlanFilterForm, PlanForm, StatusForm
from ..models import Communication, CommunicationPlan, Standard
from ..services.plans import (
    STATUS_CHANGES,
    create_communication,
    create_plan,
    send_communication,
    set_communication_status,
    set_plan_archived,
    update_communication,
    update_plan,
)

PAGE_SIZE = 25


STATUS_ORDER = list(Communication.Status.values)


def _plans(user: User, filters: PlanFilterForm):
    today = timezone.localdate()
    upcoming = Communication.objects.filter(plan=OuterRef("pk"), status__in=Communication.OPEN, scheduled_on__gte=today
                                            ).order_by("scheduled_on", "pk")
    plans = CommunicationPlan.objects.visible_to(user).select_related("owner").annotate(
        communication_count=Count("communications", filter=~Q(communications__status=Communication.Status.CANCELLED)),
        overdue_count=Count("communications", filter=Q(communications__status__in=Communication.OPEN,
                                                        communications__scheduled_on__lt=today)),
        next_pk=Subquery(upcoming.values("pk")[:1]),
        next_title=Subquery(upcoming.values("title")[:1]),
        next_on=Subquery(upcoming.values("scheduled_on")[:1]),
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    if query := data.get("q", "").strip():
        plans = plans.filter(Q(title__icontains=query) | Q(objective__icontains=query))
    state = data.get("state") or "active"
    if state != "all":
        plans = plans.filter(is_archived=state == "archived")
    if data.get("owner") == "me":
        plans = plans.filter(owner=user)
    order = {"starts": ["starts_on", "title"], "title": ["title", "pk"], "ends": ["ends_on", "title"]}
    return plans.order_by(*order.get(data.get("sort") or "-starts", ["-starts_on", "title", "pk"]))


@require_GET
@vary_on_headers("HX-Request")
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = PlanFilterForm(request.GET or None)
    page = Paginator(_plans(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page_obj": page, "plans": page.object_list,
               "is_filtered": filters.is_bound and filters.has_changed(), "can_create": request.user.is_coe_staff}
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "standards/_plan_table.html" if partial else "standards/plan_list.html", context)


def _visible_plan(request: AuthenticatedRequest, pk: int, *, to_change: bool = False) -> CommunicationPlan:
    """A plan the user may see (else 404); with `to_change`, one they may also change (else 403)."""
    plan = get_object_or_404(CommunicationPlan.objects.visible_to(request.user)
                             .select_related("owner").prefetch_related("audience_units"), pk=pk)
    if to_change and not permissions.can_edit_plan(request.user, plan):
        raise PermissionDenied
    return plan


@require_GET
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = _visible_plan(request, pk)
    can_edit = permissions.can_edit_plan(user, plan)
    communications: list[Any] = list(plan.communications.select_related("owner").order_by("scheduled_on", "pk"))
    for communication in communications:
        # Someone who sees the plan through one communication they own opens only that one.
        communication.can_open = can_edit or communication.owner_id == user.pk
    context = {
        "plan": plan,
        "can_edit": can_edit,
        "communications": communications,
        "standards": Standard.objects.visible_to(user).filter(communication_plans=plan).order_by("code"),
        "principles": plan.principles.order_by("position", "pk"),
        "audience_size": plan.audience_people().count(),
    }
    return render(request, "standards/plan_detail.html", context)


def _plan_form(request: AuthenticatedRequest, plan: CommunicationPlan | None) -> HttpResponse:
    # The form edits its own copy, so the page title keeps the saved name while the form shows what was typed.
    instance = CommunicationPlan.objects.get(pk=plan.pk) if plan else CommunicationPlan()
    form = PlanForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                saved = save_once(form, by=request.user,
                                  save=lambda: create_plan(by=request.user, **form.cleaned_data))
            else:
                saved = update_plan(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The plan \u201c%(title)s\u201d is saved.") % {"title": saved})
            return redirect(saved)
    return render(request, "standards/plan_form.html", {"form": form, "plan": plan})


@coe_staff_required
@saves_once
def plan_create(request: AuthenticatedRequest) -> HttpResponse:
    return _plan_form(request, None)


def plan_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _plan_form(request, _visible_plan(request, pk, to_change=True))


@require_POST
def plan_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk, to_change=True)
    archived = request.POST.get("action") != "restore"
    plan = set_plan_archived(plan=plan, by=request.user, archived=archived)
    if archived:
        messages.success(request, _("The plan \u201c%(title)s\u201d is archived: its communications get no more "
                                    "reminders. You can restore it.") % {"title": plan})
    else:
        messages.success(request, _("The plan \u201c%(title)s\u201d is active again.") % {"title": plan})
    return redirect(plan)


def _visible_communication(request: AuthenticatedRequest, pk: int, *, to_change: bool = False) -> Communication:
    """A communication the user may see (else 404); with `to_change`, one they manage (else 403)."""
    communication = get_object_or_404(
        Communication.objects.visible_to(request.user).select_related("plan", "plan__owner", "owner", "sent_by"),
        pk=pk)
    if to_change and not permissions.can_manage_communication(request.user, communication):
        raise PermissionDenied
    return communication


def _ledger(communication: Communication):
    return Reminder.objects.filter(kind=kinds.COMMUNICATION, target_id=communication.pk,
                                   target_type=ContentType.objects.get_for_model(Communication))


def _delivery(communication: Communication) -> dict:
    """How far the sending got, from the reminder ledger: one count per state."""
    counts = dict(_ledger(communication).order_by().values("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    return {
        "total": sum(counts.values()),
        "sent": counts.get(Reminder.Status.SENT, 0),
        "waiting": counts.get(Reminder.Status.PENDING, 0) + counts.get(Reminder.Status.SENDING, 0),
        "failed": counts.get(Reminder.Status.FAILED, 0),
        "cancelled": counts.get(Reminder.Status.CANCELLED, 0),
    }


def _next_statuses(communication: Communication) -> list[Communication.Status]:
    return sorted(STATUS_CHANGES[Communication.Status(communication.status)], key=STATUS_ORDER.index)


@require_GET
def communication_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    communication = _visible_communication(request, pk)
    if not permissions.can_manage_communication(request.user, communication):
        # Someone it reached reads the message, not how it is run.
        return render(request, "standards/communication_message.html", {"communication": communication})
    plan = communication.plan
    record = AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(Communication),
                                       target_id=str(communication.pk)).select_related("actor", "target_type")
    context = {
        "communication": communication,
        "plan": plan,
        "standards": plan.standards.visible_to(request.user).order_by("code"),
        "principles": plan.principles.order_by("position"),
        "history": describe.events(record[:20], viewer=request.user),
        "next_statuses": _next_statuses(communication),
        "can_send": (communication.can_be_sent_by_cxcoe
                     and permissions.can_send_communication(request.user, communication)),
        "delivery": _delivery(communication) if communication.status == Communication.Status.SENT else None,
    }
    return render(request, "standards/communication_detail.html", context)


@saves_once
def communication_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk, to_change=True)
    if plan.is_archived:
        messages.error(request, _("This plan is archived. Restore it before adding communications."))
        return redirect(plan)
    form = CommunicationForm(request.POST or None, instance=Communication(plan=plan), plan=plan,
                             user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            communication = save_once(form, by=request.user, save=lambda: create_communication(
                plan=plan, by=request.user, **form.cleaned_data))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("\u201c%(title)s\u201d is scheduled for %(date)s.") % {
                "title": communication, "date": date_format(communication.scheduled_on)})
            return redirect(plan)
    return render(request, "standards/communication_form.html", {"form": form, "plan": plan, "communication": None})


def communication_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    communication = _visible_communication(request, pk, to_change=True)
    if communication.status == Communication.Status.SENT:
        messages.error(request, _("This communication was sent; it can't change any more."))
        return redirect(communication)
    instance = Communication.objects.select_related("plan", "owner").get(pk=pk)
    form = CommunicationForm(request.POST or None, instance=instance, plan=communication.plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = update_communication(communication=communication, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("\u201c%(title)s\u201d is saved.") % {"title": saved})
            return redirect(saved)
    return render(request, "standards/communication_form.html",
                  {"form": form, "plan": communication.plan, "communication": communication})


@require_POST
def communication_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    communication = _visible_communication(request, pk, to_change=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses offered."))
        return redirect(communication)
    try:
        communication = set_communication_status(communication=communication, by=request.user,
                                                          status=form.cleaned_data["status"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("\u201c%(title)s\u201d is %(status)s.") % {
            "title": communication, "status": communication.get_status_display().lower()})
    return redirect(communication)


def communication_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET confirms who it will reach; POST sends it, once."""
    communication = _visible_communication(request, pk, to_change=True)
    if not permissions.can_send_communication(request.user, communication):
        raise PermissionDenied
    plan = communication.plan
    error = None
    if request.method == "POST":
        try:
            count = send_communication(communication=communication, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            communication.refresh_from_db()
        else:
            messages.success(request, _("\u201c%(title)s\u201d is on its way to %(count)s people. Delivery shows "
                                        "below as inboxes and email are reached.") % {
                "title": communication, "count": count})
            return redirect(communication)
    audience_size = plan.audience_people().count()
    context = {"communication": communication, "plan": plan, "audience_size": audience_size, "error": error,
               "refusal": permissions.send_refusal(request.user, communication, audience_size=audience_size)}
    return render(request, "standards/communication_send.html", context, status=409 if error else 200)


@require_GET
def communication_recipients_export(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    communication = _visible_communication(request, pk, to_change=True)
    ledger = _ledger(communication).select_related("recipient__business_unit").order_by("recipient__display_name",
                                                                                        "pk")
    rows = ([row.recipient.display_name, row.recipient.email,
             row.recipient.business_unit.name if row.recipient.business_unit else "", row.status,
             timezone.localtime(row.sent_at).isoformat() if row.sent_at else ""]
            for row in ledger.iterator(chunk_size=2000))
    return csv_response(f"communication-{communication.pk}-recipients.csv",
                        ["name", "email", "unit", "delivery_status", "sent_at"], rows)
