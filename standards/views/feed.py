"""The private iCalendar feed: read by calendar apps, without a session, through its secret address."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import icalendar
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cxcoe.lib.text import plain_text

from ..models import CalendarFeed, Communication

# The feed keeps a year of history: enough to look back on, without growing for ever.
FEED_HISTORY_DAYS = 365


def _summary(communication: Communication) -> str:
    """The event's name: the channel, then the title, unless the title already starts with the channel's name
    ("Town hall: the principles in practice" stays as it is)."""
    channel, title = communication.get_channel_display(), communication.title
    if re.match(rf"{re.escape(channel)}\b", title, flags=re.IGNORECASE):
        return title
    return f"{channel}: {title}"


def _ical_event(communication: Communication, *, host: str, stamp: datetime, url: str) -> icalendar.Event:
    status = communication.get_status_display()
    if communication.is_overdue():
        status = _("%(status)s, overdue") % {"status": status}
    description = "\n".join([
        _("Status: %(status)s") % {"status": status},
        _("Plan: %(plan)s") % {"plan": communication.plan.title},
        _("Channel: %(channel)s") % {"channel": communication.get_channel_display()},
        url,
        "",
        plain_text(communication.message),  # what it says, without its Markdown: calendar apps show plain text
    ]).rstrip()
    event = icalendar.Event()
    # The UID stays the same between fetches, so calendar apps update an event instead of adding a copy.
    event.add("uid", f"communication-{communication.pk}@{host}")
    event.add("dtstamp", stamp)
    # A date (not a datetime) makes an all-day event: VALUE=DATE, ending the next day (DTEND is exclusive).
    event.add("dtstart", communication.scheduled_on)
    event.add("dtend", communication.scheduled_on + timedelta(days=1))
    event.add("summary", _summary(communication))
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
