"""Communication plans, their communications, the calendar of what is coming and its private iCalendar feed."""

from __future__ import annotations

from calendar import Calendar
from datetime import date, datetime, timedelta

import icalendar
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import Reminder, User
from cxcoe.permissions import coe_staff_required

from . import kinds, permissions, services
from .forms import CalendarFilterForm, CommunicationForm, PlanFilterForm, PlanForm, StatusForm
from .models import CalendarFeed, Communication, CommunicationPlan, Standard

PAGE_SIZE = 25
OPEN = [Communication.Status.PLANNED, Communication.Status.READY]
STATUS_ORDER = list(Communication.Status.values)
# The feed keeps a year of history: enough to look back on, without growing for ever.
FEED_HISTORY_DAYS = 365
OVERDUE_SHOWN = 50

# Plans


def _plans(user: User, filters: PlanFilterForm):
    today = timezone.localdate()
    upcoming = Communication.objects.filter(plan=OuterRef("pk"), status__in=OPEN, scheduled_on__gte=today
                                            ).order_by("scheduled_on", "pk")
    plans = CommunicationPlan.objects.visible_to(user).select_related("owner").annotate(
        communication_count=Count("communications", filter=~Q(communications__status=Communication.Status.CANCELLED)),
        overdue_count=Count("communications", filter=Q(communications__status__in=OPEN,
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
    communications = list(plan.communications.select_related("owner").order_by("scheduled_on", "pk"))
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
        edited = form.save(commit=False)
        edited.owner = form.cleaned_data["owner_email"]
        try:
            saved = save_once(form, by=request.user, save=lambda: services.save_plan(
                plan=edited, by=request.user, audience_units=form.cleaned_data["audience_units"],
                standards=form.cleaned_data["standards"], principles=form.cleaned_data["principles"]))
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
    plan = services.set_plan_archived(plan=plan, by=request.user, archived=archived)
    if archived:
        messages.success(request, _("The plan \u201c%(title)s\u201d is archived: its communications get no more "
                                    "reminders. You can restore it.") % {"title": plan})
    else:
        messages.success(request, _("The plan \u201c%(title)s\u201d is active again.") % {"title": plan})
    return redirect(plan)


# Communications


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
    return sorted(services.STATUS_CHANGES[communication.status], key=STATUS_ORDER.index)


@require_GET
def communication_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    communication = _visible_communication(request, pk)
    if not permissions.can_manage_communication(request.user, communication):
        # Someone it reached reads the message, not how it is run.
        return render(request, "standards/communication_message.html", {"communication": communication})
    context = {
        "communication": communication,
        "plan": communication.plan,
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
    form = CommunicationForm(request.POST or None, instance=Communication(plan=plan), plan=plan)
    if request.method == "POST" and form.is_valid():
        communication = form.save(commit=False)
        communication.owner = form.cleaned_data["owner_email"]
        try:
            communication = save_once(form, by=request.user, save=lambda: services.save_communication(
                communication=communication, by=request.user))
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
    form = CommunicationForm(request.POST or None, instance=instance, plan=communication.plan)
    if request.method == "POST" and form.is_valid():
        edited = form.save(commit=False)
        edited.owner = form.cleaned_data["owner_email"]
        try:
            services.save_communication(communication=edited, by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("\u201c%(title)s\u201d is saved.") % {"title": edited})
            return redirect(edited)
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
        communication = services.set_communication_status(communication=communication, by=request.user,
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
            count = services.send_communication(communication=communication, by=request.user)
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
def communication_recipients_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    communication = _visible_communication(request, pk, to_change=True)
    ledger = _ledger(communication).select_related("recipient__business_unit").order_by("recipient__display_name",
                                                                                        "pk")
    rows = ([row.recipient.display_name, row.recipient.email,
             row.recipient.business_unit.name if row.recipient.business_unit else "", row.status,
             timezone.localtime(row.sent_at).isoformat() if row.sent_at else ""]
            for row in ledger.iterator(chunk_size=2000))
    return csv_response(f"communication-{communication.pk}-recipients.csv",
                        ["name", "email", "unit", "delivery_status", "sent_at"], rows)


# The calendar


def _month_after(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _calendar_query(request: AuthenticatedRequest):
    """The month shown, the filters, and the communications they select (CoE staff: all; others: theirs)."""
    user = request.user
    filters = CalendarFilterForm(request.GET or None)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    today = timezone.localdate()
    first = data.get("month") or today.replace(day=1)
    communications = (Communication.objects.editable_by(user).scheduled().filter(plan__is_archived=False)
                      .select_related("plan", "owner"))
    if channel := data.get("channel"):
        communications = communications.filter(channel=channel)
    if data.get("mine"):
        communications = communications.filter(Q(owner=user) | Q(plan__owner=user))
    month = communications.filter(scheduled_on__gte=first, scheduled_on__lt=_month_after(first))
    # Viewing this month, what is overdue from before it shows first: it is what needs doing.
    overdue = (communications.filter(status__in=OPEN, scheduled_on__lt=first) if first == today.replace(day=1)
               else communications.none())
    return {"filters": filters, "today": today, "first": first,
            "month_entries": list(month.order_by("scheduled_on", "pk")),
            "overdue_entries": list(overdue.order_by("scheduled_on", "pk")[:OVERDUE_SHOWN])}


def _weeks(first: date, today: date, entries: list[Communication]) -> list[list[dict]]:
    by_day: dict[date, list[Communication]] = {}
    for entry in entries:
        by_day.setdefault(entry.scheduled_on, []).append(entry)
    return [[{"date": day, "in_month": day.month == first.month, "is_today": day == today,
              "entries": by_day.get(day, []) if day.month == first.month else []} for day in week]
            for week in Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)]


@require_GET
def calendar(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context = _calendar_query(request)
    first, today = context["first"], context["today"]
    agenda: dict[date, list[Communication]] = {}
    for entry in context["month_entries"]:
        agenda.setdefault(entry.scheduled_on, []).append(entry)
    # Only the button below makes the address: a page view, a link prefetcher's included, writes nothing.
    feed = CalendarFeed.objects.filter(person=user).first()
    feed_url = request.build_absolute_uri(reverse("standards:calendar-feed", args=[feed.token])) if feed else ""
    previous = (first - timedelta(days=1)).replace(day=1)
    context.update({
        "weeks": _weeks(first, today, context["month_entries"]),
        "weekdays": [(WEEKDAYS[day], WEEKDAYS_ABBR[day]) for day in range(7)],
        "agenda": sorted(agenda.items()),
        "month_label": date_format(first, "YEAR_MONTH_FORMAT"),
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{_month_after(first):%Y-%m}",
        "this_month": f"{today:%Y-%m}",
        "is_this_month": first == today.replace(day=1),
        "has_any": Communication.objects.editable_by(user).exists(),
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed else "",
        "can_create": user.is_coe_staff,
    })
    return render(request, "standards/calendar.html", context)


@require_GET
def calendar_export(request: AuthenticatedRequest) -> HttpResponse:
    context = _calendar_query(request)
    today = context["today"]
    rows = ([entry.scheduled_on.isoformat(), entry.get_channel_display(), entry.title, entry.plan.title,
             entry.owner.email, entry.get_status_display(), "yes" if entry.is_overdue(today) else "",
             request.build_absolute_uri(entry.get_absolute_url())]
            for entry in [*context["overdue_entries"], *context["month_entries"]])
    return csv_response(f"communications-{context['first']:%Y-%m}.csv",
                        ["date", "channel", "title", "plan", "owner", "status", "overdue", "url"], rows)


@require_POST
def calendar_feed_issue(request: AuthenticatedRequest) -> HttpResponse:
    services.create_calendar_feed(person=request.user)
    messages.success(request, _("Your private calendar address is ready: subscribe to it in your calendar app."))
    return redirect(reverse("standards:calendar") + "#feed-heading")


@require_POST
def calendar_feed_reset(request: AuthenticatedRequest) -> HttpResponse:
    services.reset_calendar_feed(person=request.user)
    messages.success(request, _("Your calendar has a new private address. The old one no longer works: subscribe "
                                "again with the new one."))
    return redirect("standards:calendar")


# The iCalendar feed (RFC 5545). The icalendar library escapes TEXT values, folds long lines at 75 octets
# without splitting a UTF-8 character and ends every line with CRLF.


def _ical_event(communication: Communication, *, host: str, stamp: datetime, url: str) -> icalendar.Event:
    status = communication.get_status_display()
    if communication.is_overdue():
        status = _("%(status)s, overdue") % {"status": status}
    description = "\n".join([
        _("Status: %(status)s") % {"status": status},
        _("Plan: %(plan)s") % {"plan": communication.plan.title},
        _("Channel: %(channel)s") % {"channel": communication.get_channel_display()},
        url,
    ])
    event = icalendar.Event()
    # The UID stays the same between fetches, so calendar apps update an event instead of adding a copy.
    event.add("uid", f"communication-{communication.pk}@{host}")
    event.add("dtstamp", stamp)
    # A date (not a datetime) makes an all-day event: VALUE=DATE, ending the next day (DTEND is exclusive).
    event.add("dtstart", communication.scheduled_on)
    event.add("dtend", communication.scheduled_on + timedelta(days=1))
    event.add("summary", f"{communication.get_channel_display()}: {communication.title}")
    event.add("description", description)
    event.add("url", url)
    event.add("status", "TENTATIVE" if communication.status == Communication.Status.PLANNED else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private address is the key: calendar apps fetch it without a session."""
    feed = CalendarFeed.objects.select_related("person").filter(token=token).first()
    if feed is None or not feed.person.is_active:
        raise Http404
    person = feed.person
    since = timezone.localdate() - timedelta(days=FEED_HISTORY_DAYS)
    communications = (Communication.objects.scheduled().filter(Q(owner=person) | Q(plan__owner=person),
                                                               scheduled_on__gte=since, plan__is_archived=False)
                      .select_related("plan").order_by("scheduled_on", "pk"))
    host = request.get_host().split(":")[0]
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//cxcoe//Communications//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("CX communications"))
    stamp = timezone.now().replace(microsecond=0)  # in UTC, so DTSTAMP ends in Z
    for communication in communications.iterator(chunk_size=500):
        url = request.build_absolute_uri(communication.get_absolute_url())
        calendar.add_component(_ical_event(communication, host=host, stamp=stamp, url=url))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
