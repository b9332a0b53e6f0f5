"""Acknowledging a standard, and the progress of its audience by unit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from cxcoe.lib import rollups
from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.paths import is_local_path
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import BusinessUnit, User
from cxcoe.notifications import reminders

from .. import kinds, metrics, permissions, tallies
from ..forms import AcknowledgementFilterForm
from ..models import Acknowledgement, Standard
from ..services.acknowledgements import acknowledge_standard, remind_pending
from .lookups import visible_standard

PAGE_SIZE = 50


def unit_progress(standard: Standard, user: User, *, page: str | None = None) -> dict | None:
    """Acknowledgement progress of the version being asked, by business unit, as last counted
    (standards/tallies.py): staff see every unit, leaders their subtree, others nothing.

    With `page`, "units" holds that page of the rows ("page_obj" says which): a standard asked of the whole
    organization has a row for each of hundreds of units. The totals are always those of every unit."""
    if standard.ack_version_id is None or not permissions.can_see_progress(user):
        return None
    units = permissions.progress_units(user)
    by_unit = [{"unit": tally.unit, "unit_id": tally.unit_id, "total": tally.asked, "done": tally.done,
                "overdue": tally.overdue} for tally in tallies.of_version(standard.ack_version_id, units)]
    by_unit.sort(key=lambda row: row["unit"].path if row["unit"] else "~")  # people without a unit last
    for row in by_unit:
        row["percent"] = round(100 * row["done"] / row["total"]) if row["total"] else 0
        row["pending"] = row["total"] - row["done"]
    total = sum(row["total"] for row in by_unit)
    done = sum(row["done"] for row in by_unit)
    page_obj = None if page is None else Paginator(by_unit, PAGE_SIZE).get_page(page)
    return {"units": by_unit if page_obj is None else page_obj.object_list, "page_obj": page_obj,
            "total": total, "done": done, "pending": total - done,
            "overdue": sum(row["overdue"] for row in by_unit),
            "percent": round(100 * done / total) if total else 0, "scope_is_subtree": units is not None,
            "counted": rollups.read(tallies.ROLLUP)}


@require_POST
def standard_acknowledge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    standard = visible_standard(request, pk)
    # The button is on the standard's page and on My work; each returns to where it was pressed.
    back = reverse("home") if request.POST.get("next") == reverse("home") else standard.get_absolute_url()
    try:
        row = acknowledge_standard(standard=standard, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        # htmx would follow a plain redirect and swap the whole page into the acknowledgement box.
        return HttpResponseClientRedirect(back) if request.htmx else redirect(back)
    if request.htmx:
        return render(request, "standards/_acknowledgement.html",
                      {"standard": standard, "my_ack": row, "must_ack": False, "just_acknowledged": True})
    messages.success(request, _("Thank you: your acknowledgement of %(code)s is recorded.") % {"code": standard.code})
    return redirect(back)


def acknowledgements_for(user: User, *, person: User | None = None, unit: BusinessUnit | None = None,
                         own_only: bool = False):
    """The requests behind the acknowledgement figures `user` sees (Acknowledgement.objects.asked): one person's;
    else, for CoE staff and leaders, those of the people in the active units of their scope (`unit` and, unless
    `own_only`, the units below it); else their own. The dashboard's rates count the same people's requests."""
    rows = Acknowledgement.objects.visible_to(user).asked()
    if person is not None:
        return rows.filter(person=person)
    if not permissions.can_see_progress(user):
        return rows.filter(person=user)
    rows = rows.filter(person__business_unit__is_active=True)
    if unit is not None:
        return rows.filter(person__business_unit=unit) if own_only else rows.filter(
            person__business_unit__path__startswith=unit.path)
    units = permissions.progress_units(user)
    return rows if units is None else rows.filter(person__business_unit__in=units)


def _counted(user: User, unit: BusinessUnit | None, own_only: bool, status: str | None) -> int:
    """How many requests a list of a whole scope holds, as the tallies last counted them (standards/tallies.py),
    the figures that link to it: counting them on each view took half a second at 500,000 requests."""
    if unit is not None:
        units = BusinessUnit.objects.filter(pk=unit.pk) if own_only else unit.subtree()
    else:
        units = permissions.progress_units(user)
        units = BusinessUnit.objects.all() if units is None else units
    rate = sum(metrics.acknowledgement_rates(units.filter(is_active=True).values_list("pk", flat=True)).values(),
               metrics.AckRate(0, 0, 0))
    return {"pending": rate.asked - rate.done, "overdue": rate.overdue, "acknowledged": rate.done}.get(
        status or "", rate.asked)


def acknowledgement_list(request: AuthenticatedRequest) -> HttpResponse:
    """Requests to acknowledge, by person and standard: what a progress figure counts, with a reminder at hand
    for those still pending."""
    user = request.user
    filters = AcknowledgementFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    person = unit = None
    if data.get("person"):
        person = get_object_or_404(User.objects.visible_to(user), pk=data["person"])
    elif data.get("unit") and permissions.can_see_progress(user):
        units = permissions.progress_units(user)
        unit = get_object_or_404(BusinessUnit.objects.all() if units is None else units, pk=data["unit"])
    rows = acknowledgements_for(user, person=person, unit=unit, own_only=data.get("level") == "own")
    today = timezone.localdate()
    status = data.get("status")
    if status == "pending":
        rows = rows.pending()
    elif status == "overdue":
        rows = rows.overdue(today)
    elif status == "acknowledged":
        rows = rows.filter(status=Acknowledgement.Status.ACKNOWLEDGED)
    # By due date, then as asked: the order of an index (Acknowledgement.Meta), so the first page of half a million
    # requests is read, not sorted. A list of many people is as long as the figures that link to it count it.
    rows = rows.select_related("person__business_unit", "standard").order_by("due_on", "pk")
    shows_people = person is None and permissions.can_see_progress(user)
    counted = rollups.read(tallies.ROLLUP) if shows_people else None
    paginator = (rollups.CountedPaginator(rows, PAGE_SIZE, count=_counted(user, unit, data.get("level") == "own",
                                                                          status))
                 if counted else Paginator(rows, PAGE_SIZE))
    page = paginator.get_page(request.GET.get("page"))
    for row in page.object_list:  # a reminder goes through the pending list of the person's unit
        unit_of = row.person.business_unit
        row.can_remind = (row.status == Acknowledgement.Status.PENDING and unit_of is not None
                          and permissions.can_follow_up(user, unit_of))
    return render(request, "standards/acknowledgement_list.html", {
        "filters": filters, "page_obj": page, "rows": page.object_list, "person": person, "unit": unit,
        "status": status, "own_only": data.get("level") == "own", "today": today,
        "shows_people": shows_people, "counted": counted,
    })


def _pending_scope(request: AuthenticatedRequest, pk: int, unit_pk: int) -> tuple[Standard, BusinessUnit]:
    """The standard and the unit of a pending list, for CoE staff and the leaders above that unit; 404 otherwise."""
    standard = visible_standard(request, pk)
    unit = get_object_or_404(BusinessUnit, pk=unit_pk)
    if standard.ack_version_id is None or not permissions.can_follow_up(request.user, unit):
        raise Http404
    return standard, unit


def progress_pending(request: AuthenticatedRequest, pk: int, unit_pk: int) -> HttpResponse | StreamingHttpResponse:
    """Who in one unit has not acknowledged yet: for CoE staff and the leaders above that unit, with when each was
    last reminded and a button to remind one or all of them now."""
    standard, unit = _pending_scope(request, pk, unit_pk)
    rows = (Acknowledgement.objects.pending().filter(version_id=standard.ack_version_id, person__business_unit=unit)
            .select_related("person").order_by("due_on", "person__display_name"))
    if request.GET.get("format") == "csv":
        data = ([row.person.display_name, row.person.email, row.due_on.isoformat()] for row in rows.iterator())
        return csv_response(f"{standard.code}-{unit.code}-pending.csv", ["name", "email", "due_on"], data)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    last = reminders.last_reminded(Acknowledgement, [row.pk for row in page.object_list], kinds=[kinds.ACK_DUE])
    for row in page.object_list:
        row.last_reminded = last.get(row.pk)
    return render(request, "standards/progress_pending.html", {
        "standard": standard, "unit": unit, "page_obj": page, "rows": page.object_list, "today": timezone.localdate(),
        "last_reminded": max(last.values(), default=None),
    })


@require_POST
def progress_remind(request: AuthenticatedRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Remind now everyone on a pending list, or the one person named by `person`."""
    standard, unit = _pending_scope(request, pk, unit_pk)
    person = None
    if request.POST.get("person"):
        person = get_object_or_404(User.objects.filter(business_unit=unit), pk=request.POST["person"])
    sent = remind_pending(standard=standard, unit=unit, by=request.user, person=person)
    if sent:
        messages.success(request, ngettext("A reminder is on its way to %(n)d person.",
                                           "Reminders are on their way to %(n)d people.", sent) % {"n": sent})
    else:
        messages.info(request, _("Everyone here was already reminded today: one reminder a day is the most."))
    # Back to the list the button was on (the acknowledgement list sends its own address), else the pending list.
    back = request.POST.get("next", "")
    return redirect(back if is_local_path(back) else reverse("standards:progress-pending", args=[standard.pk, unit.pk]))


def acknowledgement_export(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """Every request to acknowledge this standard, all versions, as evidence: CoE staff see everyone, leaders
    their subtree."""
    standard = visible_standard(request, pk)
    if not permissions.can_see_progress(request.user):
        raise Http404
    rows = (Acknowledgement.objects.filter(standard=standard)
            .select_related("person__business_unit", "version", "read_version")
            .order_by("-version__number", "person__display_name", "pk"))
    units = permissions.progress_units(request.user)
    if units is not None:
        rows = rows.filter(person__business_unit__in=units)
    data = (
        [row.person.display_name, row.person.email, row.person.business_unit.name if row.person.business_unit else "",
         row.version.number, row.get_status_display(), row.due_on.isoformat(),
         timezone.localtime(row.acknowledged_at).isoformat() if row.acknowledged_at else "",
         row.read_version.number if row.read_version else ""]
        for row in rows.iterator(chunk_size=2000)
    )
    return csv_response(f"{standard.code}-acknowledgements.csv",
                        ["name", "email", "unit", "version_asked", "status", "due_on", "acknowledged_at",
                         "version_read"], data)
