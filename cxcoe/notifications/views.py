"""The inbox and email preferences (everyone), and the operations page of the reminder engine (CoE staff)."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import health
from ..audit import describe
from ..lib import queueing, rollups
from ..lib.csvexport import csv_response
from ..lib.paths import is_local_path
from ..lib.types import AuthenticatedRequest
from ..models import Notification, NotificationPreference, Reminder, SweepRun, User
from ..permissions import coe_staff_required
from . import inbox, reminders
from .forms import NotificationFilterForm, NotificationPreferencesForm, ReminderFilterForm

INBOX_PAGE_SIZE = 25
LEDGER_PAGE_SIZE = 50
FAILED_SHOWN = 50


def _back_to_inbox(request: AuthenticatedRequest) -> HttpResponse:
    """Where a no-JavaScript form post returns: the inbox page it came from, filters and all."""
    target = request.POST.get("next", "")
    inbox_path = reverse("notification-list")
    return redirect(target if is_local_path(target) and urlsplit(target).path == inbox_path else inbox_path)


def _with_kind_labels(rows):
    rows = list(rows)
    for row in rows:
        row.kind_label = reminders.kind_label(row.kind)
    return rows


def _described(rows: list[Any], viewer: User) -> None:
    """Ledger rows as the operations page reads them: their object named (one query per model for all of them)
    and linked where the viewer may open it, their kind and period in words."""
    found = describe.names(((row.target_type, row.target_id) for row in rows), viewer=viewer)
    for row in rows:
        row.kind_label = reminders.kind_label(row.kind)
        row.target_name = describe.name_of(found, row.target_type, row.target_id)
        row.period_words = reminders.describe_period(row.period)


def _own_notifications(request: AuthenticatedRequest):
    return Notification.objects.filter(recipient=request.user)


@require_GET
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = NotificationFilterForm(request.GET or None)
    notes = _own_notifications(request)
    if filters.is_valid():
        if filters.cleaned_data["kind"]:
            notes = notes.filter(kind=filters.cleaned_data["kind"])
        if filters.cleaned_data["unread"]:
            notes = notes.unread()
    page = Paginator(notes.order_by("-created_at", "-pk"), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page_obj": page, "notes": _with_kind_labels(page.object_list),
               "is_filtered": filters.is_bound and filters.has_changed()}
    return render(request, "cxcoe/notification_list.html", context)


@require_GET
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(_own_notifications(request), pk=pk)
    inbox.mark_read(notification=note, user=request.user)
    return redirect(note.url if is_local_path(note.url) else reverse("notification-list"))


@require_POST
def notification_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(_own_notifications(request), pk=pk)
    inbox.mark_read(notification=note, user=request.user)
    if request.htmx:
        # The row, plus the bell and the "mark all" button out of band, so their counts follow.
        return render(request, "cxcoe/_notification_read.html", {"note": _with_kind_labels([note])[0]})
    return _back_to_inbox(request)


@require_POST
def notification_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = inbox.mark_all_read(user=request.user)
    if count:
        messages.success(request, ngettext("Marked %(count)d notification as read.",
                                           "Marked %(count)d notifications as read.", count) % {"count": count})
    return _back_to_inbox(request)


@require_http_methods(["GET", "POST"])
def notification_preferences(request: AuthenticatedRequest) -> HttpResponse:
    current = dict(NotificationPreference.objects.filter(user=request.user).values_list("kind", "delivery"))
    form = NotificationPreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            inbox.set_preferences(user=request.user, default=form.cleaned_data["default"], kinds=form.deliveries())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("notification-preferences")
    return render(request, "cxcoe/notification_preferences.html", {"form": form})


def _ledger(filters: ReminderFilterForm):
    rows = Reminder.objects.select_related("recipient", "target_type").order_by("-created_at", "-pk")
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            rows = rows.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["kind"]:
            rows = rows.filter(kind=filters.cleaned_data["kind"])
    return rows


def _last_runs() -> list[tuple[reminders.Sweep, SweepRun | None]]:
    """Every registered sweep with its latest run, in one query (ids grow with start time)."""
    latest = SweepRun.objects.filter(name__in=list(reminders.SWEEPS)).values("name").annotate(last=Max("pk"))
    runs = {run.name: run for run in SweepRun.objects.filter(pk__in=latest.values("last"))}
    return [(sweep, runs.get(name)) for name, sweep in sorted(reminders.SWEEPS.items())]


@coe_staff_required
@require_GET
def operations(request: AuthenticatedRequest) -> HttpResponse:
    filters = ReminderFilterForm(request.GET or None)
    totals = rollups.read(reminders.LEDGER_TOTALS)
    counts = totals.value
    failed_rows = Reminder.objects.filter(status=Reminder.Status.FAILED)
    failed = list(failed_rows.select_related("recipient", "target_type").order_by("-created_at", "-pk")[:FAILED_SHOWN])
    ledger = _ledger(filters)
    paginator: Paginator
    if not (filters.is_valid() and any(filters.cleaned_data.values())):
        # The whole ledger's length is the rolled-up total: counting half a million rows is what grows.
        paginator = rollups.CountedPaginator(ledger, LEDGER_PAGE_SIZE, count=sum(counts.values()))
    else:
        paginator = Paginator(ledger, LEDGER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    _described(failed + rows, request.user)
    checks = health.run_checks()
    context = {
        "checks": checks,
        "checks_failing": [check for check in checks if not check.ok],
        "queue": queueing.summary(),
        "sweeps": _last_runs(),
        "sweep_hour": settings.CXCOE_SWEEP_HOUR,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Reminder.Status.choices],
        "totals": totals,
        "failed": failed,
        "failed_total": failed_rows.count(),
        "filters": filters,
        "page_obj": page,
        "rows": rows,
    }
    return render(request, "cxcoe/operations.html", context)


@coe_staff_required
@require_GET
def operations_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    rows = (
        [r.pk, r.created_at.isoformat(), r.recipient.email, r.kind, r.target_type.model, r.target_id, r.period,
         r.due_on or "", r.status, r.attempts, r.next_attempt_at.isoformat(),
         r.sent_at.isoformat() if r.sent_at else "", r.last_error]
        for r in _ledger(ReminderFilterForm(request.GET or None)).iterator(chunk_size=2000)
    )
    header = ["id", "created_utc", "recipient", "kind", "object_type", "object_id", "period", "due_on", "status",
              "attempts", "next_attempt_utc", "sent_utc", "last_error"]
    return csv_response("reminders.csv", header, rows)


@coe_staff_required
@require_POST
def operations_run_sweep(request: AuthenticatedRequest, name: str) -> HttpResponse:
    sweep = reminders.SWEEPS.get(name)
    if sweep is None:
        raise Http404
    if reminders.request_sweep(name=name, by=request.user):
        messages.success(request, _("%(sweep)s: queued. Its run shows below when it is done.") % {"sweep": sweep.label})
    else:
        messages.info(request, _("%(sweep)s: already queued or running.") % {"sweep": sweep.label})
    return redirect("operations")


@coe_staff_required
@require_POST
def operations_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Reminder.objects.filter(status=Reminder.Status.FAILED), pk=pk)
    if inbox.retry_failed_reminder(reminder=row, by=request.user):
        messages.success(request, _("The reminder to %(person)s will be sent again.") % {"person": row.recipient})
    else:
        messages.info(request, _("That reminder is no longer failed."))
    return redirect("operations")
