"""Steps that tests in several modules take."""

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from html import unescape

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxcoe.models import AuditEvent, Notification

# The day the reminder and sweep tests stand on, a Monday: due dates and reminder periods are counted from it.
TODAY = date(2026, 3, 2)


def csv_rows(response) -> list[list[str]]:
    """A streamed CSV export, read into its rows."""
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def csv_lines(response) -> list[str]:
    """A streamed CSV export, as its lines of text."""
    return b"".join(response.streaming_content).decode().splitlines()


def read_to_the_end(response) -> bytes:
    """A response's body, a streamed one read as a browser reads it: to its end, which closes it (a download's
    file with it). Closing one by hand would fire request_finished, which closes the test's database connection."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def audit_events(target, verb: str) -> list[AuditEvent]:
    """The audit trail's events of one verb about one object."""
    return list(AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(target),
                                          target_id=str(target.pk), verb=verb))


def inbox_of(client, person):
    """`person` signs in and opens their inbox: the page, with its notes and the bell's count
    (`context["nav"]["unread_notifications"]`)."""
    client.force_login(person)
    return client.get(reverse("notification-list"))


def inbox_row(response, note) -> str:
    """One notification's row of an inbox page, as HTML."""
    html = response.content.decode()
    start = html.index(f'id="notification-{note.pk}"')
    return html[start:html.index("</li>", start)]


def done_by_title(person, kind: str) -> dict[str, bool]:
    """`person`'s notifications of one kind: {title: is it done}."""
    notes = Notification.objects.filter(recipient=person, kind=kind)
    return {note.title: note.done_at is not None for note in notes}


# What a page must never show a reader: an ISO date, or an object as a raw id ("Communication #10").
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RAW_ID = re.compile(r"#\d")


def page_text(response) -> str:
    """The page as a reader sees it: the text of its main part, without markup, spaces run together."""
    body = response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body[body.index("<main"):body.index("</main>")])).split())


def same_queries_after(client, url: str, grow: Callable[[], object], assert_num_queries):
    """The page at `url` once, then again after `grow()` added rows, in as many queries; the second response."""
    client.get(url)  # the first view fills caches (content types, the session)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow()
    with assert_num_queries(len(small)):
        return client.get(url)
