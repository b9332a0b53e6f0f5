"""The library list and its CSV, a resource's page, its form, publication, archiving, review and revisions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Subquery
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxcoe import permissions as core_permissions
from cxcoe import reviews
from cxcoe.audit import describe
from cxcoe.lib.csvexport import csv_response
from cxcoe.lib.submissions import save_once, saves_once
from cxcoe.lib.types import AuthenticatedRequest
from cxcoe.models import AuditEvent, BusinessUnit, ReviewRecord
from standards.compare import compare_fields
from standards.models import Standard

from .. import permissions
from ..forms import ArchiveForm, ResourceFilterForm, ResourceForm, ResourceReviewForm
from ..models import DUE_SOON_DAYS, REVISION_TEXT_FIELDS, Resource, ResourceRevision
from ..search import matching
from ..services.resources import (
    archive_resource,
    create_resource,
    missing_words,
    publish_resource,
    record_view,
    restore_resource,
    review_resource,
    update_for_review,
    update_resource,
)

PAGE_SIZE = 25
RELATED_SHOWN = 5


def visible_resource(request: AuthenticatedRequest, pk: int) -> Resource:
    """The resource if this person may read it: a draft is its owner's and CoE staff's, anything else a 404."""
    return get_object_or_404(Resource.objects.visible_to(request.user).select_related("owner"), pk=pk)


def editable_resource(request: AuthenticatedRequest, pk: int) -> Resource:
    resource = visible_resource(request, pk)
    if not permissions.can_edit_resource(request.user, resource):
        raise PermissionDenied
    return resource


def _audience_reaching(unit: BusinessUnit) -> Q:
    """Resources for this unit: for everyone, for it, or for a unit above it."""
    codes = unit.path.strip("/").split("/")
    return Q(audience_units=None) | Q(audience_units__in=BusinessUnit.objects.filter(code__in=codes))


def _resources(request: AuthenticatedRequest, filters: ResourceFilterForm):
    user = request.user
    today = timezone.localdate()
    resources = Resource.objects.visible_to(user).with_link_changes().select_related("owner")
    data = filters.cleaned_data if filters.is_valid() else {}
    status = data.get("status")
    if status == "archived" and user.is_coe_staff:
        resources = resources.filter(status=Resource.Status.ARCHIVED)
    elif status in (Resource.Status.PUBLISHED, Resource.Status.DRAFT):
        resources = resources.filter(status=status)
    else:
        resources = resources.listed()
    if query := data.get("q"):
        resources = matching(resources, query)  # as the site search finds them, the best match first
    if kind := data.get("kind"):
        resources = resources.filter(kind=kind)
    if principle := data.get("principle"):
        resources = resources.filter(principles=principle)
    if standard := data.get("standard"):
        resources = resources.filter(standards=standard)
    if unit := data.get("audience"):
        resources = resources.filter(pk__in=Resource.objects.filter(_audience_reaching(unit)).values("pk"))
    if data.get("owner") == "me":
        resources = resources.filter(owner=user)
    elif data.get("owner") == "none":
        resources = resources.filter(owner=None)
    if person := data.get("owner_person"):
        resources = resources.filter(owner_id=person)
    freshness = data.get("freshness")
    if freshness == "stale":
        resources = resources.stale(today)
    elif freshness == "soon":
        resources = resources.published().filter(next_review_on__gte=today,
                                                  next_review_on__lte=today + timedelta(days=DUE_SOON_DAYS))
    elif freshness == "ok":
        resources = resources.fresh(today)
    elif freshness == "changed":
        resources = resources.published().filter(links_changed=True)
    if changed_standard := data.get("changed_standard"):
        decided = Standard.objects.filter(pk=changed_standard).values("current_version__decided_at")[:1]
        resources = resources.published().filter(standards=changed_standard, links_checked_at__lt=Subquery(decided))
    if freshness == "unused" and user.is_coe_staff:
        resources = resources.suggested_for_archive(today)
    if query and not data.get("sort"):
        return resources
    return resources.order_by(*ResourceFilterForm.ORDER.get(data.get("sort") or "title", ["title", "pk"]))


MORE_FILTERS = ["kind", "principle", "standard", "audience", "owner", "freshness", "status", "sort"]


def resource_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = ResourceFilterForm(request.GET or None, user=request.user)
    page = Paginator(_resources(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "library/resource_list.html", {
        "filters": filters, "page_obj": page, "resources": list(page.object_list), "today": timezone.localdate(),
        "more_filters_open": any(request.GET.get(name) for name in MORE_FILTERS),
        "can_create": permissions.can_create_resource(request.user),
        "filtered": any(value for name, value in request.GET.items() if name != "page"),
    })


def resource_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    resources = _resources(request, ResourceFilterForm(request.GET or None, user=request.user))
    today = timezone.localdate()
    header = ["title", "kind", "status", "summary", "owner", "published", "next_review", "stale", "views", "link"]

    def rows():
        for resource in resources.iterator(chunk_size=500):
            yield [resource.title, resource.get_kind_display(), resource.get_status_display(), resource.summary,
                   resource.owner.email if resource.owner else "",
                   resource.published_at.date().isoformat() if resource.published_at else "",
                   resource.next_review_on.isoformat() if resource.next_review_on else "",
                   "yes" if resource.is_stale(today) and resource.is_under_review() else "no",
                   resource.view_count, request.build_absolute_uri(resource.get_absolute_url())]

    return csv_response("library.csv", header, rows())


def _related(resource: Resource, request: AuthenticatedRequest) -> list[Resource]:
    """Published resources sharing a principle or a tag with this one, the most read first."""
    shared = Q(principles__in=resource.principles.all()) | Q(tags__in=resource.tags.all())
    related = (Resource.objects.visible_to(request.user).published().filter(shared).exclude(pk=resource.pk)
               .values("pk").distinct())
    return list(Resource.objects.filter(pk__in=related).order_by("-view_count", "title")[:RELATED_SHOWN])


def _history(resource: Resource):
    resource_type = ContentType.objects.get_for_model(Resource)
    return (AuditEvent.objects.filter(target_type=resource_type, target_id=str(resource.pk))
            .select_related("actor", "target_type"))


def _is_flagged(resource: Resource) -> bool:
    """Whether the resource carries the "linked standard changed" flag, which its review must answer."""
    return resource.is_under_review() and Resource.objects.with_link_changes().filter(
        pk=resource.pk, links_changed=True).exists()


def _visible_standards(resource: Resource, user):
    """The linked standards this person may read: a resource never names a standard its reader can't open."""
    return resource.standards.filter(pk__in=Standard.objects.visible_to(user).values("pk"))


def _changed_links(resource: Resource, user) -> dict:
    """The linked standards that published a version, and the principles that changed, since the last check
    (ResourceQuerySet.with_link_changes, row by row): the standards among those this person may read."""
    checked = resource.links_checked_at
    if checked is None or not resource.is_under_review():
        return {"standards": [], "principles": []}
    return {
        "standards": list(_visible_standards(resource, user).filter(current_version__decided_at__gt=checked)
                          .select_related("current_version")),
        "principles": list(resource.principles.filter(changed_at__gt=checked)),
    }


def resource_detail(request: AuthenticatedRequest, pk: int, review_form: ResourceReviewForm | None = None,
                    publish_error: str | None = None) -> HttpResponse:
    resource = visible_resource(request, pk)
    user = request.user
    if request.method == "GET" and resource.status == Resource.Status.PUBLISHED:
        record_view(resource=resource, person=user)
    changed = _changed_links(resource, user)
    links_changed = _is_flagged(resource)
    can_review = resource.is_under_review() and core_permissions.can_review(user, resource)
    is_editor = permissions.can_edit_resource(user, resource)
    return render(request, "library/resource_detail.html", {
        "resource": resource,
        "today": timezone.localdate(),
        "principles": list(resource.principles.all()),
        "standards": list(_visible_standards(resource, user)),
        "tags": list(resource.tags.all()),
        "audience_label": resource.audience_label(),
        "is_editor": is_editor,
        "missing": missing_words(resource) if resource.is_draft else "",
        "publish_error": publish_error,
        "can_restore": permissions.can_restore(user, resource),
        "can_review": can_review,
        "review_form": review_form or (ResourceReviewForm(item=resource, by=user, links_changed=links_changed)
                                       if can_review else None),
        "changed": changed,
        "links_changed": links_changed,
        # Opened from My reviews: the review goes back there, to the next one.
        "review_next": "mine" if request.GET.get("from") == "mine" or request.POST.get("next") == "mine" else "",
        "review_records": list(reviews.reviews_of(resource)[:5]),
        "revisions": list(resource.revisions.select_related("created_by")[:10]),
        "related": _related(resource, request),
        "delivered_requests": list(resource.requests.visible_to(user)[:5]),
        "history": describe.events(_history(resource)[:10], viewer=user)
        if permissions.can_see_history(user, resource) else [],
    })


@saves_once
def resource_create(request: AuthenticatedRequest) -> HttpResponse:
    if not permissions.can_create_resource(request.user):
        raise PermissionDenied
    form = ResourceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resource = save_once(form, by=request.user, save=lambda: create_resource(
                by=request.user, **form.cleaned_data))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("\u201c%(title)s\u201d is saved as a draft. Publish it once its impact "
                                        "statement is complete.") % {"title": resource})
            return redirect(resource)
    return render(request, "library/resource_form.html", {"form": form, "resource": None})


def resource_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Edit a resource. With ?review=updated (the review's "Updated" outcome), saving also records the review, and
    with &impact=no (the reviewer said the impact statement no longer holds) the edit must change it."""
    resource = editable_resource(request, pk)
    completes_review = request.GET.get("review") == "updated" and resource.is_under_review() and \
        core_permissions.can_review(request.user, resource)
    impact_holds = request.GET.get("impact") != "no"
    # The form changes its own copy, so the page keeps the saved resource while it shows what was typed.
    form = ResourceForm(request.POST or None, request.FILES or None, instance=Resource.objects.get(pk=pk),
                        user=request.user)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        note = values.pop("change_note", "")
        try:
            if completes_review:
                update_for_review(resource=resource, by=request.user, impact_holds=impact_holds, change_note=note,
                                  **values)
            else:
                update_resource(resource=resource, by=request.user, change_note=note, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if completes_review:
                messages.success(request, _("Your changes are saved and your review is recorded."))
            else:
                messages.success(request, _("Your changes to \u201c%(title)s\u201d are saved.") % {"title": resource})
            return redirect(resource)
    return render(request, "library/resource_form.html", {"form": form, "resource": resource,
                                                          "completes_review": completes_review,
                                                          "impact_holds": impact_holds})


@require_POST
def resource_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = editable_resource(request, pk)
    try:
        publish_resource(resource=resource, by=request.user)
    except ValidationError as exc:
        return resource_detail(request, pk, publish_error=" ".join(exc.messages))
    messages.success(request, _("\u201c%(title)s\u201d is published. Its first review is due in %(days)s days.")
                     % {"title": resource, "days": resource.review_interval_days})
    return redirect(resource)


def resource_archive(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = editable_resource(request, pk)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            archive_resource(resource=resource, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("\u201c%(title)s\u201d is archived. It has left lists and search; links to "
                                        "it still work.") % {"title": resource})
            return redirect(resource)
    return render(request, "library/resource_archive.html", {"resource": resource, "form": form})


@require_POST
def resource_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = visible_resource(request, pk)
    if not permissions.can_restore(request.user, resource):
        raise PermissionDenied
    restore_resource(resource=resource, by=request.user)
    messages.success(request, _("\u201c%(title)s\u201d is back in the library, due for review today.")
                     % {"title": resource})
    return redirect(resource)


def _reviewed(resource: Resource, request: AuthenticatedRequest, values: dict) -> Resource:
    review_resource(resource=resource, by=request.user, outcome=values["outcome"],
                    impact_holds=values["impact_holds"], links_hold=values["links_hold"], note=values["note"])
    return resource


@require_POST
@saves_once
def resource_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = visible_resource(request, pk)
    if not (resource.is_under_review() and core_permissions.can_review(request.user, resource)):
        raise PermissionDenied
    links_changed = _is_flagged(resource)
    form = ResourceReviewForm(request.POST, item=resource, by=request.user, links_changed=links_changed)
    if form.is_valid():
        values = form.cleaned_data
        if values["outcome"] == ReviewRecord.Outcome.UPDATED:
            # Updated means edit, then confirm: the edit page records the review when it is saved.
            impact = "" if values["impact_holds"] else "&impact=no"
            return redirect(f"{reverse('library:resource-edit', args=[resource.pk])}?review=updated{impact}")
        try:
            save_once(form, by=request.user, save=lambda: _reviewed(resource, request, values))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your review of \u201c%(title)s\u201d is recorded.") % {"title": resource})
            # Reviewed from My reviews: back to the queue, for the next one.
            return redirect("library:my-reviews" if request.POST.get("next") == "mine" else resource)
    return resource_detail(request, pk, review_form=form)


def _revision(request: AuthenticatedRequest, resource: Resource, number: int) -> ResourceRevision:
    return get_object_or_404(resource.revisions.select_related("created_by"), number=number)


def revision_detail(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    resource = visible_resource(request, pk)
    revision = _revision(request, resource, number)
    return render(request, "library/revision_detail.html", {
        "resource": resource, "revision": revision,
        "latest": resource.revisions.order_by("-number").values_list("number", flat=True).first(),
    })


def revision_compare(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Two revisions word by word: by default the latest and the one before it."""
    resource = visible_resource(request, pk)
    numbers = list(resource.revisions.order_by("-number").values_list("number", flat=True))
    try:
        wanted = sorted({int(request.GET["a"]), int(request.GET["b"])})
    except (KeyError, ValueError):
        wanted = sorted(numbers[:2])
    if len(numbers) < 2:
        return render(request, "library/revision_compare.html", {"resource": resource, "changes": None})
    if len(wanted) < 2 or not set(wanted) <= set(numbers):
        raise Http404
    old, new = (_revision(request, resource, number) for number in wanted)
    return render(request, "library/revision_compare.html", {
        "resource": resource, "old": old, "new": new, "numbers": numbers,
        "changes": compare_fields(old, new, REVISION_TEXT_FIELDS, labels_from=Resource),
        "file_changed": old.file.name != new.file.name,
    })
