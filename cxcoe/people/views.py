from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from .. import permissions, reviews
from ..lib import rollups
from ..lib.csvexport import csv_response
from ..lib.forms import SEARCH_MAX_LENGTH
from ..lib.submissions import save_once, saves_once
from ..lib.types import AuthenticatedRequest
from ..models import COE_STAFF_GROUP, AuditEvent, BusinessUnit, User
from ..permissions import coe_staff_required, people_lookup_required
from . import counts, open_items, services
from .forms import DeactivateForm, PeopleFilterForm, PersonForm, ProfileForm, UnitForm, UnitReviewForm

PAGE_SIZE = 50


def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        person = User.objects.get(pk=request.user.pk)
        services.update_person(person=person, by=request.user,
                               **{name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    return render(request, "cxcoe/profile.html", {"form": form})


def _people(filters: PeopleFilterForm):
    staff_membership = User.groups.through.objects.filter(user=OuterRef("pk"), group__name=COE_STAFF_GROUP)
    leadership = BusinessUnit.leaders.through.objects.filter(user=OuterRef("pk"))
    people = User.objects.select_related("business_unit").annotate(
        has_staff_role=Exists(staff_membership), has_leader_role=Exists(leadership)
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    if query := data.get("q", "").strip():
        people = people.filter(Q(display_name__icontains=query) | Q(email__icontains=query)
                               | Q(job_title__icontains=query))
    if unit := data.get("unit"):
        people = people.filter(business_unit__path__startswith=unit.path)
    status = data.get("status") or "active"
    if status != "all":
        people = people.filter(is_active=status == "active")
    if data.get("role") == "coe_staff":
        people = people.filter(has_staff_role=True)
    elif data.get("role") == "leader":
        people = people.filter(has_leader_role=True)
    order = {"unit": ["business_unit__path", "display_name"], "-joined": ["-date_joined", "pk"]}
    return people.order_by(*order.get(data.get("sort") or "name", ["display_name", "email"]))


@coe_staff_required
@vary_on_headers("HX-Request")
def person_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = PeopleFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    counted = None
    if not (data.get("q") or data.get("unit") or data.get("role")) and data.get("status") in (None, "", "active"):
        # Every active person: the rolled-up count, rather than counting tens of thousands of rows each time.
        counted = rollups.read(counts.PEOPLE)
        paginator: Paginator = rollups.CountedPaginator(_people(filters), PAGE_SIZE, count=counted.value["active"])
    else:
        paginator = Paginator(_people(filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    partial = request.htmx and not request.htmx.history_restore_request
    template = "cxcoe/_person_table.html" if partial else "cxcoe/person_list.html"
    return render(request, template, {"filters": filters, "page_obj": page, "people": page.object_list,
                                      "counted": counted})


# Enough to find someone by a part of their name; a longer list is for the people page.
LOOKUP_LIMIT = 20


@people_lookup_required
def person_lookup(request: AuthenticatedRequest) -> JsonResponse:
    """The person pickers' search (cxcoe/lib/pickers.py): active people whose name or address holds `q`."""
    query = request.GET.get("q", "")[:SEARCH_MAX_LENGTH].strip()
    people = User.objects.active().matching(query).only("display_name", "email")[:LOOKUP_LIMIT] \
        if len(query) >= 2 else []
    return JsonResponse({"results": [{"email": person.email, "name": person.display_name} for person in people]})


@coe_staff_required
def person_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    people = _people(PeopleFilterForm(request.GET or None))
    rows = (
        [p.email, p.display_name, p.business_unit.code if p.business_unit else "", p.job_title,
         "coe_staff" if p.has_staff_role else ""]
        for p in people.iterator(chunk_size=2000)
    )
    # The columns of the people import, so an export can be edited and imported again.
    return csv_response("people.csv", ["email", "display_name", "bu_code", "job_title", "roles"], rows)


def person_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.visible_to(request.user).select_related("business_unit"), pk=pk)
    can_manage = User.objects.editable_by(request.user).filter(pk=person.pk).exists()
    # The audit trail is CoE staff's to read; leaders see the person, not their sign-ins.
    history = AuditEvent.objects.filter(target_type__model="user", target_id=str(person.pk)).select_related("actor")
    context = {
        "person": person,
        # Their CX record, kind by kind: whoever may see the person may see what waits on them.
        "open_sections": open_items.sections_for(person, viewer=request.user, today=timezone.localdate()),
        "units_led": person.led_units.all(),
        "history": history[:20] if request.user.is_coe_staff else None,
        "can_manage": can_manage,
    }
    return render(request, "cxcoe/person_detail.html", context)


@coe_staff_required
def person_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    form = PersonForm(request.POST or None, instance=User.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_person(person=person, by=request.user,
                                   is_coe_staff=form.cleaned_data["is_coe_staff"], **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": person})
            return redirect(person)
    return render(request, "cxcoe/person_form.html", {"form": form, "person": person})


@coe_staff_required
def person_deactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.deactivate_person(person=person, by=request.user,
                                       reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is deactivated and signed out everywhere.") % {"name": person})
            return redirect(person)
    return render(request, "cxcoe/person_deactivate.html", {"form": form, "person": person})


@coe_staff_required
@require_POST
def person_reactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.editable_by(request.user), pk=pk)
    if services.reactivate_person(person=person, by=request.user):
        messages.success(request, _("%(name)s is active again. We emailed them a link to set a password, valid for "
                                    "%(days)s days.") % {"name": person,
                                                         "days": services.password_link_days()})
    return redirect(person)


def _units(query: str, *, uncovered: bool = False, stale: bool = False):
    """The units list's units: matching `query`, with `uncovered` only the active units that no leader covers
    (the dashboard's figure), with `stale` only the active units past their review date (My work's figure)."""
    query = query[:SEARCH_MAX_LENGTH]
    leaders = Prefetch("leaders", queryset=User.objects.only("pk", "display_name", "email"))
    units = BusinessUnit.objects.select_related("parent").prefetch_related(leaders).order_by("path")
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query.upper()))
    if uncovered:
        active = BusinessUnit.objects.filter(is_active=True).annotate(leader_count=Count("leaders")).only("path")
        units = units.filter(pk__in=[unit.pk for unit in counts.uncovered_units(list(active))])
    if stale:
        units = units.stale(timezone.localdate())
    return units


def _unit_filters(request: AuthenticatedRequest) -> dict:
    return {"query": request.GET.get("q", "").strip(), "uncovered": request.GET.get("leader") == "none",
            "stale": request.GET.get("review") == "stale"}


@coe_staff_required
def unit_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = _unit_filters(request)
    page = Paginator(_units(filters["query"], uncovered=filters["uncovered"], stale=filters["stale"]), 100
                     ).get_page(request.GET.get("page"))
    by_unit, counted = counts.headcounts()
    below = counts.with_units_below(by_unit)
    for unit in page.object_list:
        unit.own_headcount, unit.headcount = by_unit.get(unit.pk, 0), below.get(unit.pk, 0)
    return render(request, "cxcoe/unit_list.html", {"page_obj": page, "units": page.object_list,
                                                    "q": filters["query"], "uncovered": filters["uncovered"],
                                                    "stale": filters["stale"], "counted": counted})


@coe_staff_required
def unit_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    filters = _unit_filters(request)
    units = _units(filters["query"], uncovered=filters["uncovered"], stale=filters["stale"])
    rows = (
        [u.code, u.name, u.parent.code if u.parent else "", ";".join(leader.email for leader in u.leaders.all())]
        for u in units
    )
    # The columns of the units import, so an export can be edited and imported again.
    return csv_response("business_units.csv", ["code", "name", "parent_code", "leader_emails"], rows)


def unit_detail(request: AuthenticatedRequest, pk: int, review_form: UnitReviewForm | None = None) -> HttpResponse:
    unit = get_object_or_404(BusinessUnit.objects.visible_to(request.user).select_related("parent", "owner"), pk=pk)
    subtree = list(unit.subtree().values_list("pk", flat=True))
    by_unit, counted = counts.headcounts()
    # The people of the unit and every unit below it, or with ?level=own of the unit alone: the two headcounts.
    own_only = request.GET.get("level") == "own"
    headcount = sum(by_unit.get(pk, 0) for pk in subtree)
    people = User.objects.active().select_related("business_unit").order_by("display_name", "pk")
    members = rollups.CountedPaginator(
        people.filter(business_unit=unit) if own_only else people.filter(business_unit__path__startswith=unit.path),
        PAGE_SIZE, count=by_unit.get(unit.pk, 0) if own_only else headcount,
    ).get_page(request.GET.get("page"))
    shows_open_items = permissions.oversees(request.user, unit)
    if shows_open_items:
        found = open_items.counts_for(members.object_list, viewer=request.user, today=timezone.localdate())
        for person in members.object_list:
            person.open_counts = found[person.pk]
    children: list[Any] = list(unit.children.order_by("name"))  # each with its headcount, all levels
    below = counts.with_units_below(by_unit)
    for child in children:
        child.headcount = below.get(child.pk, 0)
    context = {
        "unit": unit,
        "leaders": unit.leaders.all(),
        "children": children,
        "counted": counted,
        "ancestors": BusinessUnit.objects.visible_to(request.user).filter(code__in=unit.ancestor_codes()),
        "headcount": headcount,
        "own_headcount": by_unit.get(unit.pk, 0),
        "own_only": own_only,
        "page_obj": members,
        "shows_open_items": shows_open_items,
        "can_manage": request.user.is_coe_staff,
        "can_review": permissions.can_review(request.user, unit),
        "review_form": review_form or UnitReviewForm(item=unit, by=request.user),
        "review_records": reviews.reviews_of(unit)[:5],
    }
    return render(request, "cxcoe/unit_detail.html", context)


@require_POST
@saves_once
def unit_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(BusinessUnit.objects.visible_to(request.user), pk=pk)
    if not permissions.can_review(request.user, unit):
        raise PermissionDenied
    form = UnitReviewForm(request.POST, item=unit, by=request.user)
    if not form.is_valid():
        return unit_detail(request, pk, review_form=form)
    save_once(form, by=request.user, save=lambda: reviews.record_review(item=unit, by=request.user,
                                                                        **form.cleaned_data))
    messages.success(request, _("Your review of %(unit)s is recorded.") % {"unit": unit})
    return redirect(unit)


def _unit_form(request: AuthenticatedRequest, unit: BusinessUnit) -> HttpResponse:
    # The form changes its own copy, so the page keeps the saved name while it shows what was typed.
    form = UnitForm(request.POST or None, instance=BusinessUnit.objects.get(pk=unit.pk) if unit.pk else unit)
    if request.method == "POST" and form.is_valid():
        try:
            if unit.pk is None:
                saved = save_once(form, by=request.user,
                                  save=lambda: services.create_unit(by=request.user, **form.cleaned_data))
            else:
                saved = services.update_unit(unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved})
            return redirect(saved)
    return render(request, "cxcoe/unit_form.html", {"form": form, "unit": unit})


@coe_staff_required
@saves_once
def unit_create(request: AuthenticatedRequest) -> HttpResponse:
    return _unit_form(request, BusinessUnit())


@coe_staff_required
def unit_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _unit_form(request, get_object_or_404(BusinessUnit, pk=pk))






