"""Steps that tests in several modules take."""

import csv
import io
from datetime import date

from django.contrib.contenttypes.models import ContentType

from cxcoe.models import AuditEvent

# The day the reminder and sweep tests stand on, a Monday: due dates and reminder periods are counted from it.
TODAY = date(2026, 3, 2)


def csv_rows(response) -> list[list[str]]:
    """A streamed CSV export, read into its rows."""
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def csv_lines(response) -> list[str]:
    """A streamed CSV export, as its lines of text."""
    return b"".join(response.streaming_content).decode().splitlines()


def audit_events(target, verb: str) -> list[AuditEvent]:
    """The audit trail's events of one verb about one object."""
    return list(AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(target),
                                          target_id=str(target.pk), verb=verb))
