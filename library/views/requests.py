"""Content requests: asking for content, the queue CoE staff triage (and each person's own list), a request's page
with its triage forms, and one POST address for each step."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cxcoe.audit import describe
from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import AuditEvent, BusinessUnit, User

from .. import permissions
from ..forms import AcceptForm, AssignForm, DeclineForm, DeliverForm, MergeForm, RequestFilterForm, RequestForm
from ..models import ContentRequest
from ..services.requests import (
    accept_request,
    assign_request,
    decline_request,
    deliver_request,
    merge_request,
    request_content,
)

PAGE_SIZE = 25
Status, Urgency = ContentRequest.Status, ContentRequest.Urgency


def _requests(user: User, filters: RequestFilterForm):
    """The requests this person sees, filtered: open ones first, the most urgent first, then the newest."""
    rows = (ContentRequest.objects.visible_to(user)
            .select_related("requested_by", "team", "owner", "merged_into", "resource")
            .annotate(closed=Case(When(status__in=ContentRequest.OPEN, then=Value(0)), default=Value(1),
                                  output_field=IntegerField()),
                      pressing=Case(When(urgency=Urgency.HIGH, then=Value(0)), When(urgency=Urgency.NORMAL,
                                                                                     then=Value(1)),
                                    default=Value(2), output_field=IntegerField())))
    data = filters.cleaned_data if filters.is_valid() else {}
    if query := data.get("q", "").strip():
        rows = rows.filter(Q(need__icontains=query) | Q(details__icontains=query) | Q(why__icontains=query))
    if (status := data.get("status")) == "open":
        rows = rows.open()
    elif status:
        rows = rows.filter(status=status)
    if urgency := data.get("urgency"):
        rows = rows.filter(urgency=urgency)
    if team := data.get("team"):
        rows = rows.filter(team__in=BusinessUnit.objects.subtree_of([team]))
    if (owner := data.get("owner")) == "me":
        rows = rows.filter(owner=user)
    elif owner == "none":
        rows = rows.filter(owner=None)
    elif owner:
        rows = rows.filter(owner_id=int(owner))
    return rows.order_by("closed", "pressing", "-created_at", "-pk")


@require_GET
def request_list(request: AuthenticatedRequest) -> HttpResponse:
    """CoE staff: the queue of every request. Anyone else: the requests they made, and those they deliver."""
    filters = RequestFilterForm(request.GET or None, user=request.user)
    page = Paginator(_requests(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "library/request_list.html", {
        "filters": filters, "page_obj": page, "requests": page.object_list,
        "is_filtered": filters.is_bound and filters.has_changed(), "is_queue": permissions.can_triage(request.user),
    })


@require_GET
def request_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """The list as filtered, as CSV: the queue for CoE staff, one's own requests for anyone else."""
    rows = _requests(request.user, RequestFilterForm(request.GET or None, user=request.user))

    def lines():
        for item in rows.iterator(chunk_size=2000):
            yield [item.pk, item.need, item.get_urgency_display(), item.get_status_display(),
                   item.team.name if item.team else "", item.requested_by, item.owner or "",
                   item.target_on.isoformat() if item.target_on else "",
                   timezone.localtime(item.created_at).date().isoformat(),
                   item.merged_into.need if item.merged_into else "", item.resource.title if item.resource else "",
                   item.decline_reason, item.why]

    return csv_response("content-requests.csv", ["id", "need", "urgency", "status", "team", "requested_by", "owner",
                                                 "target_on", "requested_on", "merged_into", "resource",
                                                 "decline_reason", "why"], lines())


@saves_once
def request_create(request: AuthenticatedRequest) -> HttpResponse:
    form = RequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = save_once(form, by=request.user, save=lambda: request_content(by=request.user,
                                                                                 **form.cleaned_data))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your request \u201c%(need)s\u201d is with the CoE. You are told when they "
                                        "decide, and when it is delivered.") % {"need": item})
            return redirect(item)
    return render(request, "library/request_form.html", {"form": form})


def _visible(request: AuthenticatedRequest, pk: int) -> ContentRequest:
    """A request the person may see (the one who asked, its owner, CoE staff), else 404."""
    return get_object_or_404(ContentRequest.objects.visible_to(request.user).select_related(
        "requested_by", "team", "owner", "decided_by", "merged_into", "merged_into__owner", "resource"), pk=pk)


def _triageable(request: AuthenticatedRequest, pk: int) -> ContentRequest:
    """A request CoE staff triage: someone who sees it but may not triage gets a 403."""
    item = _visible(request, pk)
    if not permissions.can_triage(request.user):
        raise PermissionDenied
    return item


@require_GET
def request_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


def _detail(request: AuthenticatedRequest, item: ContentRequest, **sent) -> HttpResponse:
    """The request's page, with the forms of the steps this person may take; `sent` holds a form sent back with
    errors, shown in place of its empty one."""
    user = request.user
    can_triage = permissions.can_triage(user)
    can_deliver = item.is_open and permissions.can_deliver(user, item)
    forms: dict = {}
    if can_triage and item.status == Status.NEW:
        forms["accept_form"] = AcceptForm(user=user, request=item)
    if can_triage and item.status == Status.ACCEPTED:
        forms["assign_form"] = AssignForm(user=user, request=item)
    if can_triage and item.is_open:
        forms["decline_form"] = DeclineForm()
        forms["merge_form"] = MergeForm(request=item)
    if can_deliver:
        forms["deliver_form"] = DeliverForm(user=user)
    forms |= sent  # a form sent back with errors stays in sight, even when the request moved on meanwhile
    record = AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(ContentRequest),
                                       target_id=str(item.pk)).select_related("actor", "target_type")
    merged = list(item.merged.select_related("requested_by").order_by("created_at", "pk"))
    into = item.merged_into
    context = {
        "item": item, "can_triage": can_triage, "can_deliver": can_deliver, "merged": merged,
        "into_visible": into is not None and ContentRequest.objects.visible_to(user).filter(pk=into.pk).exists(),
        "history": describe.events(record.order_by("-created_at", "-pk")[:20], viewer=user) if can_triage else [],
        **forms,
    }
    return render(request, "library/request_detail.html", context)


def _act(request: AuthenticatedRequest, pk: int, *, name: str, form_class: Callable, service: Callable,
         success: str, fetch: Callable = _triageable, form_kwargs: Callable | None = None) -> HttpResponse:
    """One step of a request: its form checked, its service called. A value refused is shown beside its field, on
    the request's page again; a step the request can no longer take (it was declined meanwhile) is said at the top."""
    item = fetch(request, pk)
    form = form_class(request.POST, **(form_kwargs(item) if form_kwargs else {}))
    if form.is_valid():
        try:
            item = service(request=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect(item)
            for field, errors in exc.error_dict.items():
                target = "owner_email" if field == "owner" and "owner_email" in form.fields else field
                form.add_error(target if target in form.fields else None, errors)
        else:
            messages.success(request, success % {"need": item.need})
            return redirect(item)
    return _detail(request, _visible(request, pk), **{name: form})


@require_POST
def request_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, name="accept_form", service=accept_request,
                form_class=lambda data, **kwargs: AcceptForm(data, user=request.user, **kwargs),
                form_kwargs=lambda item: {"request": item},
                success=_("\u201c%(need)s\u201d is accepted; its owner and the person who asked are told."))


@require_POST
def request_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, name="assign_form", service=assign_request,
                form_class=lambda data, **kwargs: AssignForm(data, user=request.user, **kwargs),
                form_kwargs=lambda item: {"request": item},
                success=_("\u201c%(need)s\u201d is updated; the person who asked is told."))


@require_POST
def request_decline(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, name="decline_form", service=decline_request, form_class=DeclineForm,
                success=_("\u201c%(need)s\u201d is declined; the person who asked reads your reason."))


@require_POST
def request_merge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, name="merge_form", service=merge_request, form_class=MergeForm,
                form_kwargs=lambda item: {"request": item},
                success=_("\u201c%(need)s\u201d is merged; the person who asked is told where it went."))


def _deliverable(request: AuthenticatedRequest, pk: int) -> ContentRequest:
    """A request this person delivers: CoE staff and its owner (anyone else who sees it gets a 403)."""
    item = _visible(request, pk)
    if not permissions.can_deliver(request.user, item):
        raise PermissionDenied
    return item


@require_POST
def request_deliver(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, name="deliver_form", service=deliver_request, fetch=_deliverable,
                form_class=lambda data, **kwargs: DeliverForm(data, user=request.user, **kwargs),
                success=_("\u201c%(need)s\u201d is delivered; everyone who asked for it is told."))
