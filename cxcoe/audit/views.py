"""The audit log's page and its CSV export."""

import json
from itertools import islice

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from ..lib import rollups
from ..lib.csvexport import csv_response
from ..lib.types import AuthenticatedRequest
from ..models import AuditEvent
from ..permissions import coe_staff_required
from . import counts, describe
from .forms import AuditFilterForm

PAGE_SIZE = 50
EXPORT_CHUNK = 2000


def _audit_events(filters: AuditFilterForm):
    events = AuditEvent.objects.select_related("actor", "target_type")
    if not filters.is_valid():
        return events
    data = filters.cleaned_data
    if data["q"]:
        events = events.filter(Q(target_label__icontains=data["q"]) | Q(details__icontains=data["q"]))
    if data["verb"]:
        events = events.filter(verb=data["verb"])
    if data["actor"]:
        events = events.filter(actor__email__icontains=data["actor"])
    if data["since"]:
        events = events.filter(created_at__date__gte=data["since"])
    if data["until"]:
        events = events.filter(created_at__date__lte=data["until"])
    return events


@coe_staff_required
def audit_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = AuditFilterForm(request.GET or None)
    counted = None
    if filters.is_valid() and any(filters.cleaned_data.values()):
        paginator = Paginator(_audit_events(filters), PAGE_SIZE)
    else:  # the whole log: its rolled-up length, rather than counting every event on each view
        counted = rollups.read(counts.AUDIT_LOG)
        paginator = rollups.CountedPaginator(_audit_events(filters), PAGE_SIZE, count=counted.value["events"])
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "cxcoe/audit_list.html", {
        "filters": filters, "page_obj": page, "events": describe.events(page.object_list, viewer=request.user),
        "counted": counted})


@coe_staff_required
def audit_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """Every event of the filters: what was recorded (the verb, the object's type, id and name then, the details)
    and beside it the words the page shows. Names are looked up a chunk of events at a time."""
    events = _audit_events(AuditFilterForm(request.GET or None)).iterator(chunk_size=EXPORT_CHUNK)

    def rows():
        while chunk := list(islice(events, EXPORT_CHUNK)):
            for row in describe.events(chunk, viewer=request.user):
                e = row.event
                yield [e.created_at.isoformat(), e.actor.email if e.actor else "", e.verb, e.verb_label,
                       e.target_type.model if e.target_type else "", e.target_id, e.target_label, row.target or "",
                       json.dumps(e.details, ensure_ascii=False), row.details_text, e.ip_address or "", e.user_agent]

    return csv_response("audit-log.csv",
                        ["time_utc", "actor", "action", "action_in_words", "object_type", "object_id", "object",
                         "object_in_words", "details", "details_in_words", "ip", "user_agent"], rows())
