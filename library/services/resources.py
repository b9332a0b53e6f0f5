"""Writes to library resources: create, edit, publish, archive, restore, review, reassign, and count a view."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxcoe import permissions as core_permissions
from cxcoe import reviews
from cxcoe.audit import own_field, record_event
from cxcoe.lib.edits import new_row, save_edit
from cxcoe.models import ReviewRecord, User
from cxcoe.notifications import reminders

from .. import kinds, permissions
from ..models import IMPACT_FIELDS, REVISION_TEXT_FIELDS, Resource, ResourceRevision, ResourceView, Tag
from ..search import index_for_search

# What the resource form changes. Its status, owner flag and review dates move through their own services.
EDIT_FIELDS = ["kind", "title", "summary", "body", "url", "file", *IMPACT_FIELDS, "metric", "principles",
               "standards", "tags", "audience_units", "audience_role", "owner", "review_interval_days"]
# What a published edit keeps in a revision: the text, and the file as it was.
FILE_FIELDS = ["file", "file_name", "file_size", "file_type"]


def missing_words(resource: Resource, *, has_new_file: bool = False) -> str:
    """What publishing still needs, in the words of the form's labels: "why it matters, expected impact on …"."""
    return ", ".join(str(own_field(Resource, name).verbose_name)
                     for name in resource.missing_for_publication(has_new_file=has_new_file))


def _tags(names: Iterable[str]) -> list[Tag]:
    wanted = sorted({name.strip().lower() for name in names if name.strip()})
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=wanted))


def _prepared(values: dict) -> tuple[dict, dict]:
    """The values as the model takes them (tags as rows), and the file's own fields from an upload."""
    values = dict(values)
    if "tags" in values:
        values["tags"] = _tags(values["tags"])
    upload = values.pop("file", None)
    file_fields: dict = {}
    if isinstance(upload, UploadedFile):
        # The upload was checked by library.uploads (the form's file field), which set its content type.
        file_fields = {"file": upload, "file_name": (upload.name or "")[:200], "file_size": upload.size,
                       "file_type": upload.content_type or ""}
    return values, file_fields


def _store_file(resource: Resource, file_fields: dict) -> None:
    """Put a new upload in storage under its generated name, last, once everything else is checked; the previous
    file stays in place with its revision. A failure to save the row removes the file again."""
    if not file_fields:
        return
    upload = file_fields["file"]
    resource.file.save(upload.name, upload, save=False)
    try:
        for name in FILE_FIELDS[1:]:
            setattr(resource, name, file_fields[name])
        resource.save(update_fields=FILE_FIELDS)
    except Exception:
        resource.file.storage.delete(resource.file.name)
        raise


def _revise(resource: Resource, *, by: User, note: str = "") -> ResourceRevision:
    """Keep the resource as it now reads as its next revision."""
    last = resource.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return ResourceRevision.objects.create(
        resource=resource, number=last + 1, created_by=by, change_note=note,
        **{name: getattr(resource, name) for name in [*REVISION_TEXT_FIELDS, *FILE_FIELDS]},
    )


def _locked(resource: Resource) -> Resource:
    return Resource.objects.select_for_update().get(pk=resource.pk)


def _check_kind(resource: Resource) -> None:
    """A kind's content: the body for written kinds, the address for videos and links, the file for files."""
    if resource.is_linked and not resource.url:
        kind = resource.get_kind_display().lower()
        raise ValidationError({"url": _("A %(kind)s needs its address.") % {"kind": kind}})


@transaction.atomic
def create_resource(*, by: User, **values) -> Resource:
    """A new draft. It may lack its impact statement; publishing asks for it."""
    if not permissions.can_create_resource(by):
        raise ValidationError(_("Only CoE staff add resources to the library."))
    values, file_fields = _prepared(values)
    now = timezone.now()
    resource = new_row(Resource, values, fields=EDIT_FIELDS, service="create_resource", created_by=by,
                       created_at=now, updated_at=now, status=Resource.Status.DRAFT)
    _check_kind(resource)
    _store_file(resource, file_fields)
    index_for_search([resource.pk])
    record_event(actor=by, verb="resource.created", target=resource, details={"kind": resource.kind})
    return resource


@transaction.atomic
def update_resource(*, resource: Resource, by: User, change_note: str = "", **values) -> Resource:
    """Save an edit. A published resource keeps its complete impact statement, and each edit of it keeps the
    previous text (and file) as a revision."""
    if reason := permissions.edit_refusal(by, resource):
        raise ValidationError(reason)
    resource = _locked(resource)
    if resource.is_archived:
        raise ValidationError(_("This resource is archived: restore it before changing it."))
    values, file_fields = _prepared(values)
    edit = save_edit(resource, values, fields=EDIT_FIELDS, service="update_resource")
    if not edit and not file_fields:
        return resource
    _check_kind(resource)
    if resource.status == Resource.Status.PUBLISHED and (
            missing := missing_words(resource, has_new_file=bool(file_fields))):
        raise ValidationError(_("A published resource must keep its impact statement and content. Missing: "
                                "%(missing)s.") % {"missing": missing})
    _store_file(resource, file_fields)
    if "owner" in edit:
        resource.owner_flagged = False
    resource.updated_at = timezone.now()
    resource.save(update_fields=["updated_at", "owner_flagged"])
    changed = set(edit.names) | ({"file"} if file_fields else set())
    if resource.status == Resource.Status.PUBLISHED and changed & {*REVISION_TEXT_FIELDS, "file"}:
        _revise(resource, by=by, note=change_note)
    index_for_search([resource.pk])
    details = dict(edit.details)
    if file_fields:
        details["file"] = resource.file_name
    record_event(actor=by, verb="resource.updated", target=resource, details=details)
    if "owner" in edit and resource.owner_id not in (None, by.pk):
        _tell_new_owner(resource, by=by)
    return resource


@transaction.atomic
def publish_resource(*, resource: Resource, by: User, today: date | None = None) -> Resource:
    """Publish a draft: refused, naming what is missing, until its impact statement and content are there."""
    today = today or timezone.localdate()
    if reason := permissions.edit_refusal(by, resource):
        raise ValidationError(reason)
    resource = _locked(resource)
    if resource.status != Resource.Status.DRAFT:
        raise ValidationError(_("This resource is already %(status)s.") % {
            "status": resource.get_status_display().lower()})
    if missing := missing_words(resource):
        raise ValidationError(_("Publishing needs the impact statement and the content. Missing: %(missing)s.")
                              % {"missing": missing})
    now = timezone.now()
    resource.status = Resource.Status.PUBLISHED
    resource.published_at = now
    resource.links_checked_at = now
    resource.next_review_on = today + timedelta(days=resource.review_interval_days)
    resource.save(update_fields=["status", "published_at", "links_checked_at", "next_review_on"])
    _revise(resource, by=by, note=_("Published"))
    record_event(actor=by, verb="resource.published", target=resource,
                 details={"next_review_on": str(resource.next_review_on)})
    return resource


def _archive(resource: Resource, *, by: User, note: str) -> None:
    """Archive a locked resource: it leaves lists and search, its page stays, and its reminders stop."""
    resource.status = Resource.Status.ARCHIVED
    resource.archived_at = timezone.now()
    resource.next_review_on = None
    resource.save(update_fields=["status", "archived_at", "next_review_on"])
    reminders.settle(resource, kinds=[reviews.REVIEW_DUE, reviews.REVIEW_ESCALATION, kinds.LINKED_CHANGED])
    record_event(actor=by, verb="resource.archived", target=resource, details={"note": note})


@transaction.atomic
def archive_resource(*, resource: Resource, by: User, note: str = "") -> Resource:
    if reason := permissions.edit_refusal(by, resource):
        raise ValidationError(reason)
    resource = _locked(resource)
    if resource.is_archived:
        return resource
    if resource.is_draft:
        raise ValidationError(_("A draft has nothing to archive: it was never published."))
    _archive(resource, by=by, note=note)
    return resource


def retire_after_review(*, item: Resource, by: User, note: str) -> None:
    """A review's "retired" outcome (cxcoe.reviews.register_retirer): the resource is archived."""
    _archive(item, by=by, note=note)


@transaction.atomic
def restore_resource(*, resource: Resource, by: User, today: date | None = None) -> Resource:
    """Bring an archived resource back to the library, due for review at once."""
    today = today or timezone.localdate()
    if not permissions.can_restore(by, resource):
        raise ValidationError(_("Only CoE staff restore archived resources."))
    resource = _locked(resource)
    if not resource.is_archived:
        return resource
    resource.status = Resource.Status.PUBLISHED
    resource.archived_at = None
    resource.next_review_on = today
    resource.save(update_fields=["status", "archived_at", "next_review_on"])
    record_event(actor=by, verb="resource.restored", target=resource)
    return resource


def review_refusal(resource: Resource, *, outcome: str, impact_holds: bool, links_hold: bool | None) -> str | None:
    """Why a review can't be confirmed as it stands: the impact statement, or a changed linked standard, no longer
    holds. The owner updates the resource first (the "updated" outcome)."""
    if outcome != ReviewRecord.Outcome.CONFIRMED:
        return None
    if not impact_holds:
        return _("The impact statement no longer holds: choose \u201cUpdated\u201d and correct it before the review "
                 "is confirmed.")
    if links_hold is False:
        return _("A linked standard or principle changed and the resource no longer fits it: choose "
                 "\u201cUpdated\u201d and bring it in line.")
    return None


@transaction.atomic
def review_resource(*, resource: Resource, by: User, outcome: str, impact_holds: bool,
                    links_hold: bool | None = None, note: str = "", today: date | None = None) -> ReviewRecord:
    """One review: confirmed, updated (recorded once the edit is saved) or retired (archived). A confirmed review
    also clears the "linked standard changed" flag, which needs its own answer while it is raised."""
    resource = _locked(resource)
    if not resource.is_under_review():
        raise ValidationError(_("Only a published resource is reviewed."))
    flagged = Resource.objects.with_link_changes().filter(pk=resource.pk, links_changed=True).exists()
    if flagged and links_hold is None and outcome == ReviewRecord.Outcome.CONFIRMED:
        raise ValidationError({"links_hold": _("A linked standard or principle changed: say whether the resource "
                                                "still holds.")})
    if reason := review_refusal(resource, outcome=outcome, impact_holds=impact_holds,
                                links_hold=links_hold if flagged else True):
        raise ValidationError(reason)
    record = reviews.record_review(item=resource, by=by, outcome=outcome, note=note, today=today)
    if outcome != ReviewRecord.Outcome.RETIRED:
        Resource.objects.filter(pk=resource.pk).update(links_checked_at=timezone.now())
        reminders.settle(resource, kinds=[kinds.LINKED_CHANGED])
    return record


@transaction.atomic
def update_for_review(*, resource: Resource, by: User, impact_holds: bool, change_note: str = "",
                      today: date | None = None, **values) -> ReviewRecord:
    """The "updated" outcome of a review: the edit and the review together, or neither. Saving nothing is no
    update, and when the reviewer said the impact statement no longer holds, the edit must change it."""
    resource = _locked(resource)
    if not (resource.is_under_review() and core_permissions.can_review(by, resource)):
        raise ValidationError(_("Only the owner or CoE staff review a published resource."))
    impact_before = [getattr(resource, name) for name in IMPACT_FIELDS]
    edited_at = resource.updated_at
    resource = update_resource(resource=resource, by=by, change_note=change_note, **values)
    if resource.updated_at == edited_at:
        raise ValidationError(_("Nothing was changed, so this is not an update. Make the changes the resource "
                                "needs, or record the review as confirmed."))
    if not impact_holds and [getattr(resource, name) for name in IMPACT_FIELDS] == impact_before:
        raise ValidationError(_("You said the impact statement no longer holds: update it before saving."))
    return review_resource(resource=resource, by=by, outcome=ReviewRecord.Outcome.UPDATED, impact_holds=True,
                           links_hold=True, note=change_note, today=today)


@transaction.atomic
def confirm_resources(*, resources: Iterable[Resource], by: User, today: date | None = None) -> int:
    """The bulk "confirm selected" of My reviews: each still holds, impact statement and linked changes included
    (the form asks once for all). Refuses the lot if any may not be reviewed by `by`."""
    resources = list(resources)
    if refused := [r for r in resources if not core_permissions.can_review(by, r)]:
        raise ValidationError(_("You can't review %(titles)s.") % {"titles": ", ".join(map(str, refused))})
    for resource in resources:
        review_resource(resource=resource, by=by, outcome=ReviewRecord.Outcome.CONFIRMED, impact_holds=True,
                        links_hold=True, note=_("Confirmed with others from My reviews"), today=today)
    return len(resources)


@transaction.atomic
def reassign_resources(*, resources: Iterable[Resource], by: User, owner: User) -> int:
    """Hand resources to a new owner, who is told; returns how many changed hands."""
    resources = list(resources)
    if refused := [r for r in resources if not permissions.can_reassign(by, r)]:
        raise ValidationError(_("You can't reassign %(titles)s.") % {"titles": ", ".join(map(str, refused))})
    if not owner.is_active:
        raise ValidationError({"owner": _("%(person)s has left; choose someone active.") % {"person": owner}})
    moved = []
    for resource in Resource.objects.select_for_update().filter(pk__in=[r.pk for r in resources]).order_by("pk"):
        if resource.owner_id == owner.pk:
            continue
        before = resource.owner
        resource.owner = owner
        resource.owner_flagged = False
        resource.save(update_fields=["owner", "owner_flagged"])
        record_event(actor=by, verb="resource.reassigned", target=resource,
                     details={"owner": {"before": str(before or _("nobody")), "after": str(owner)}})
        moved.append(resource)
    if moved and owner.pk != by.pk:
        _tell_new_owner(*moved, by=by)
    return len(moved)


def _tell_new_owner(*resources: Resource, by: User) -> None:
    owner = resources[0].owner
    if owner is None:
        return
    title = ngettext("You now own %(title)s in the library", "You now own %(count)s library resources",
                     len(resources)) % {"title": resources[0], "count": len(resources)}
    body = _("%(person)s made you the owner of %(titles)s. You review it when it is due, and keep it up to date.") % {
        "person": by, "titles": ", ".join(f"\u201c{r}\u201d" for r in resources)}
    for resource in resources:
        reminders.notify(recipients=[owner], kind=kinds.OWNER_ASSIGNED, target=resource,
                         key=f"owner-{owner.pk}-{timezone.now():%Y%m%d%H%M%S}", title=title, body=body)


def record_view(*, resource: Resource, person: User, day: date | None = None) -> bool:
    """Count one view per person per day; returns whether this one was new. Concurrent opens count once."""
    day = day or timezone.localdate()
    if ResourceView.objects.filter(resource=resource, person=person, day=day).exists():
        return False
    try:
        with transaction.atomic():
            ResourceView.objects.create(resource=resource, person=person, day=day)
    except IntegrityError:  # the same person's other tab won
        return False
    Resource.objects.filter(pk=resource.pk).update(view_count=F("view_count") + 1, last_viewed_on=day)
    return True

