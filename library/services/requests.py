"""Content requests, the CoE's advisory service: someone asks, CoE staff triage (accept, decline, merge, assign),
and the owner delivers a published resource. Each step locks the request, records an audit event and tells the
person who asked (and a newly assigned owner) through the reminder ledger, under a key of its own.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cxcoe.audit import record_event
from cxcoe.lib.edits import new_row, save_edit
from cxcoe.models import User
from cxcoe.notifications import reminders

from .. import kinds, permissions
from ..models import ContentRequest, Resource

# What the person asking says; the rest moves through the triage services below.
REQUEST_FIELDS = ["need", "details", "team", "why", "urgency"]
ASSIGN_FIELDS = ["owner", "target_on"]


def _locked(request: ContentRequest) -> ContentRequest:
    # Locks the request's row alone: PostgreSQL can't lock the nullable side of the owner's outer join.
    return (ContentRequest.objects.select_for_update(of=("self",)).select_related("requested_by", "owner")
            .get(pk=request.pk))


def _stamp() -> str:
    """A key's moment (cxcoe.notifications.reminders.STAMPED_KEY): a later step of the same kind is told again."""
    return f"{timezone.now():%Y%m%d%H%M%S}"


def _status_words(request: ContentRequest) -> str:
    return request.get_status_display().lower()


def _tell(request: ContentRequest, people, *, by: User, key: str, title: str, body: str) -> None:
    """Tell each of `people` (the person acting already knows; people who left are not told)."""
    recipients = {person.pk: person for person in people
                  if person is not None and person.is_active and person.pk != by.pk}
    if recipients:
        reminders.notify(recipients=list(recipients.values()), kind=kinds.REQUEST_UPDATE, target=request, key=key,
                         title=title, body=body)


def _check_triage(by: User) -> None:
    if reason := permissions.triage_refusal(by):
        raise ValidationError(reason)


def _check_owner(owner: User | None) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Choose who writes or finds the content.")})
    if not owner.is_active:
        raise ValidationError({"owner": _("%(person)s has left; choose someone active.") % {"person": owner}})


def _check_target(target_on: date | None, *, today: date) -> None:
    if target_on is not None and target_on < today:
        raise ValidationError({"target_on": _("The target date can't be in the past.")})


def _when(target_on: date | None) -> str:
    return date_format(target_on, "DATE_FORMAT") if target_on else _("no date set yet")


@transaction.atomic
def request_content(*, by: User, **values) -> ContentRequest:
    """Anyone signed in asks the CoE for content: what they need, for which team, why it matters to customers."""
    for name in ("need", "why"):
        if not str(values.get(name) or "").strip():
            raise ValidationError({name: _("This field is required.")})
    request = new_row(ContentRequest, values, fields=REQUEST_FIELDS, service="request_content", requested_by=by,
                      created_at=timezone.now(), status=ContentRequest.Status.NEW)
    record_event(actor=by, verb="request.created", target=request,
                 details={"urgency": request.urgency, **({"team": str(request.team)} if request.team else {})})
    return request


@transaction.atomic
def accept_request(*, request: ContentRequest, by: User, owner: User, target_on: date | None = None,
                   today: date | None = None) -> ContentRequest:
    """Accept a new request and give it an owner (and a target date). Accepting it again changes nothing."""
    _check_triage(by)
    today = today or timezone.localdate()
    request = _locked(request)
    if request.status == ContentRequest.Status.ACCEPTED:
        return request
    if request.status != ContentRequest.Status.NEW:
        raise ValidationError(_("This request is already %(status)s: only a new request can be accepted.")
                              % {"status": _status_words(request)})
    _check_owner(owner)
    _check_target(target_on, today=today)
    request.status = ContentRequest.Status.ACCEPTED
    request.owner, request.target_on = owner, target_on
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "owner", "target_on", "decided_by", "decided_at"])
    record_event(actor=by, verb="request.accepted", target=request,
                 details={"owner": str(owner), **({"target_on": str(target_on)} if target_on else {})})
    words = {"need": request.need, "person": by, "owner": owner, "date": _when(target_on)}
    _tell(request, [request.requested_by], by=by, key="accepted",
          title=_("Your content request is accepted: %(need)s") % words,
          body=_("%(person)s accepted your request \u201c%(need)s\u201d. %(owner)s will write or find the content; "
                 "target date: %(date)s.") % words)
    if owner.pk != request.requested_by_id:
        _tell_owner(request, by=by)
    return request


def _tell_owner(request: ContentRequest, *, by: User) -> None:
    words = {"need": request.need, "person": by, "asker": request.requested_by, "date": _when(request.target_on)}
    _tell(request, [request.owner], by=by, key=f"owner-{_stamp()}",
          title=_("A content request is yours to deliver: %(need)s") % words,
          body=_("%(person)s made you the owner of \u201c%(need)s\u201d, asked for by %(asker)s. Target date: "
                 "%(date)s. When the resource is published, deliver it from the request's page.") % words)


@transaction.atomic
def decline_request(*, request: ContentRequest, by: User, reason: str) -> ContentRequest:
    """Decline an open request, saying why; the person who asked reads the reason."""
    _check_triage(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, so the person who asked understands.")})
    request = _locked(request)
    if request.status == ContentRequest.Status.DECLINED:
        return request
    if not request.is_open:
        raise ValidationError(_("This request is already %(status)s: it can't be declined.")
                              % {"status": _status_words(request)})
    # The requests merged into this one are declined with it: they asked for the same thing.
    merged = list(ContentRequest.objects.select_for_update(of=("self",)).filter(
        merged_into=request, status=ContentRequest.Status.MERGED).select_related("requested_by", "owner"))
    for row in [request, *merged]:
        row.status = ContentRequest.Status.DECLINED
        row.decline_reason = reason
        row.decided_by, row.decided_at = by, timezone.now()
        row.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
        record_event(actor=by, verb="request.declined", target=row, details={"reason": reason})
        words = {"need": row.need, "person": by, "reason": reason}
        _tell(row, [row.requested_by, row.owner], by=by, key="declined",
              title=_("Your content request is declined: %(need)s") % words,
              body=_("%(person)s declined the request \u201c%(need)s\u201d. The reason: %(reason)s") % words)
    return request


@transaction.atomic
def merge_request(*, request: ContentRequest, by: User, into: ContentRequest) -> ContentRequest:
    """Fold an open request into another open one asking for the same thing: it is delivered with it. Requests
    merged into this one before follow it to `into`."""
    _check_triage(by)
    if into.pk == request.pk:
        raise ValidationError({"into": _("A request can't be merged into itself.")})
    # Both rows locked, in one order, so two merges of the same pair the other way round don't deadlock.
    locked = {row.pk: row for row in ContentRequest.objects.select_for_update(of=("self",))
              .select_related("requested_by", "owner").filter(pk__in=[request.pk, into.pk]).order_by("pk")}
    request, into = locked[request.pk], locked[into.pk]
    if request.status == ContentRequest.Status.MERGED and request.merged_into_id == into.pk:
        return request
    if not request.is_open:
        raise ValidationError(_("This request is already %(status)s: it can't be merged.")
                              % {"status": _status_words(request)})
    if not into.is_open:
        raise ValidationError({"into": _("\u201c%(need)s\u201d is %(status)s: merge into an open request.")
                               % {"need": into.need, "status": _status_words(into)}})
    request.status = ContentRequest.Status.MERGED
    request.merged_into = into
    request.decided_by, request.decided_at = by, timezone.now()
    request.save(update_fields=["status", "merged_into", "decided_by", "decided_at"])
    ContentRequest.objects.filter(merged_into=request).update(merged_into=into)
    record_event(actor=by, verb="request.merged", target=request, details={"into": into.need})
    words = {"need": request.need, "into": into.need, "person": by}
    _tell(request, [request.requested_by, request.owner], by=by, key="merged",
          title=_("Your content request is merged: %(need)s") % words,
          body=_("%(person)s merged \u201c%(need)s\u201d into \u201c%(into)s\u201d, which asks for the same thing. "
                 "You will be told when it is delivered.") % words)
    return request


@transaction.atomic
def assign_request(*, request: ContentRequest, by: User, owner: User, target_on: date | None,
                   today: date | None = None) -> ContentRequest:
    """Change an accepted request's owner or target date. The same values again change nothing."""
    _check_triage(by)
    today = today or timezone.localdate()
    request = _locked(request)
    if request.status == ContentRequest.Status.NEW:
        raise ValidationError(_("Accept this request first: accepting it names its owner."))
    if request.status != ContentRequest.Status.ACCEPTED:
        raise ValidationError(_("This request is %(status)s: it can't be assigned any more.")
                              % {"status": _status_words(request)})
    _check_owner(owner)
    previous_owner = request.owner_id
    if target_on != request.target_on:
        _check_target(target_on, today=today)
    edit = save_edit(request, {"owner": owner, "target_on": target_on}, fields=ASSIGN_FIELDS,
                     service="assign_request")
    if not edit:
        return request
    record_event(actor=by, verb="request.assigned", target=request, details=edit.details)
    words = {"need": request.need, "owner": request.owner, "date": _when(request.target_on), "person": by}
    _tell(request, [request.requested_by], by=by, key=f"assigned-{_stamp()}",
          title=_("Your content request has changed: %(need)s") % words,
          body=_("%(person)s updated \u201c%(need)s\u201d: %(owner)s will deliver it; target date: %(date)s.")
          % words)
    if request.owner_id != previous_owner and request.owner_id != request.requested_by_id:
        _tell_owner(request, by=by)
    return request


@transaction.atomic
def deliver_request(*, request: ContentRequest, by: User, resource: Resource) -> ContentRequest:
    """Link the published resource that answers an open request; the requests merged into it are delivered with
    it, and everyone who asked is told."""
    request = _locked(request)  # who owns it now decides who may deliver it
    if not permissions.can_deliver(by, request):
        raise ValidationError(permissions.deliver_refusal(by, request) or "")
    if request.status == ContentRequest.Status.DELIVERED and request.resource_id == resource.pk:
        return request
    if not request.is_open:
        raise ValidationError(_("This request is already %(status)s: there is nothing left to deliver.")
                              % {"status": _status_words(request)})
    resource = Resource.objects.get(pk=resource.pk)
    if resource.status != Resource.Status.PUBLISHED:
        raise ValidationError({"resource": _("\u201c%(title)s\u201d is not published: deliver a published "
                                             "resource.") % {"title": resource}})
    now = timezone.now()
    merged = list(ContentRequest.objects.select_for_update(of=("self",)).select_related("requested_by")
                  .filter(merged_into=request, status=ContentRequest.Status.MERGED).order_by("pk"))
    for row in [request, *merged]:
        row.status, row.resource, row.delivered_at = ContentRequest.Status.DELIVERED, resource, now
        row.save(update_fields=["status", "resource", "delivered_at"])
        record_event(actor=by, verb="request.delivered", target=row,
                     details={"resource": str(resource), **({"with": request.need} if row is not request else {})})
        words = {"need": row.need, "title": resource, "person": by}
        _tell(row, [row.requested_by], by=by, key="delivered",
              title=_("Your content request is delivered: %(need)s") % words,
              body=_("%(person)s delivered \u201c%(need)s\u201d: read \u201c%(title)s\u201d in the library.") % words)
    return request
