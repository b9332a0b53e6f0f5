"""A person's own way of reading dates: their time zone and their date style (cxcoe.models.DateStyle).

Django picks date formats by the active language, so a style is carried as a regional English whose formats
are in cxcoe/formats. The site's own language stays English either way.
"""

import contextlib
import zoneinfo
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone, translation

from ..models import DateStyle, User

LANGUAGE_OF_STYLE: dict[str, str] = {
    DateStyle.DAY_MONTH: "en-gb",
    DateStyle.MONTH_DAY: "en-us",
    DateStyle.YEAR_FIRST: "en-ca",
}


def time_zone_of(person: User) -> zoneinfo.ZoneInfo | None:
    """The person's zone; None for a zone since removed from the tz database (the site's zone applies)."""
    try:
        return zoneinfo.ZoneInfo(person.time_zone) if person.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def language_of(person: User) -> str:
    return LANGUAGE_OF_STYLE.get(person.date_style, settings.LANGUAGE_CODE)


def activate_for(person) -> None:
    """For a request: the signed-in person's zone and style. Someone not signed in reads the site's zone, in the
    language LocaleMiddleware chose for the request."""
    timezone.deactivate()
    if person.is_authenticated:
        if zone := time_zone_of(person):
            timezone.activate(zone)
        translation.activate(language_of(person))


@contextlib.contextmanager
def reading_as(person: User) -> Iterator[None]:
    """What is written for one person away from a request (an email a worker sends) reads the way they read."""
    with timezone.override(time_zone_of(person)), translation.override(language_of(person)):
        yield
