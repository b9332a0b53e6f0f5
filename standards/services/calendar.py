"""A person's private calendar address (the iCalendar feed of communications)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from cxcoe.audit import record_event
from cxcoe.models import User

from ..models import (
    CalendarFeed,
)


@transaction.atomic
def create_calendar_feed(*, person: User) -> CalendarFeed:
    """The person's private calendar address, made when they ask for it. Asking again (a double click, a second
    tab) gives the address they have: a person has one at most."""
    feed, created = CalendarFeed.objects.get_or_create(person=person, defaults={"token": secrets.token_urlsafe(32)})
    if created:
        record_event(actor=person, verb="calendar.created", target=person)
    return feed


@transaction.atomic
def reset_calendar_feed(*, person: User) -> CalendarFeed:
    """A new private address; the old one stops working at once. Without one yet, this makes the first."""
    feed = CalendarFeed.objects.select_for_update().filter(person=person).first()
    if feed is None:
        return create_calendar_feed(person=person)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    record_event(actor=person, verb="calendar.reset", target=person)
    return feed
