"""The calendar of communications coming and overdue, its CSV, and the person's calendar address."""

from __future__ import annotations

from calendar import Calendar
from datetime import date, timedelta

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.types import AuthenticatedRequest

from ..forms import CalendarFilterForm
from ..models import COMING_DAYS, CalendarFeed, Communication
from ..services.calendar import create_calendar_feed, reset_calendar_feed

OVERDUE_SHOWN = 50


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
    # "Past their date" and "the next 7 days" are lists, whatever the month (My work links to them).
    if due := data.get("due"):
        listed = communications.overdue(today) if due == "overdue" else communications.coming(today)
        return {"filters": filters, "today": today, "first": first, "due": due, "month_entries": [],
                "overdue_entries": [], "due_entries": list(listed.order_by("scheduled_on", "pk"))}
    month = communications.filter(scheduled_on__gte=first, scheduled_on__lt=_month_after(first))
    # Viewing this month, what is overdue from before it shows first: it is what needs doing.
    overdue = (communications.filter(status__in=Communication.OPEN, scheduled_on__lt=first)
               if first == today.replace(day=1) else communications.none())
    return {"filters": filters, "today": today, "first": first, "due": "", "due_entries": [],
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
        "coming_until": today + timedelta(days=COMING_DAYS),
        "is_this_month": first == today.replace(day=1),
        "has_any": Communication.objects.editable_by(user).exists(),
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed else "",
        "can_create": user.is_coe_staff,
    })
    return render(request, "standards/calendar.html", context)


@require_GET
def calendar_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    context = _calendar_query(request)
    today = context["today"]
    rows = ([entry.scheduled_on.isoformat(), entry.get_channel_display(), entry.title, entry.plan.title,
             entry.owner.email, entry.get_status_display(), "yes" if entry.is_overdue(today) else "",
             request.build_absolute_uri(entry.get_absolute_url())]
            for entry in [*context["overdue_entries"], *context["month_entries"], *context["due_entries"]])
    return csv_response(f"communications-{context['first']:%Y-%m}.csv",
                        ["date", "channel", "title", "plan", "owner", "status", "overdue", "url"], rows)


@require_POST
def calendar_feed_issue(request: AuthenticatedRequest) -> HttpResponse:
    create_calendar_feed(person=request.user)
    messages.success(request, _("Your private calendar address is ready: subscribe to it in your calendar app."))
    return redirect(reverse("standards:calendar") + "#feed-heading")


@require_POST
def calendar_feed_reset(request: AuthenticatedRequest) -> HttpResponse:
    reset_calendar_feed(person=request.user)
    messages.success(request, _("Your calendar has a new private address. The old one no longer works: subscribe "
                                "again with the new one."))
    return redirect("standards:calendar")
