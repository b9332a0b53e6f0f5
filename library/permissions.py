"""Who may do what in the library: each rule once, for views (to show or refuse) and services (to raise).

Lists are scoped by the QuerySets' `visible_to` and `editable_by`, which say the same as the rules here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cxcoe.models import User

from .models import ContentRequest, Resource


def can_create_resource(user: User) -> bool:
    """CoE staff stock the library; they name an owner, who then keeps the resource up to date."""
    return user.is_coe_staff


def can_edit_resource(user: User, resource: Resource) -> bool:
    """CoE staff, and the owner while it is not archived (the one-row `ResourceQuerySet.editable_by`)."""
    return user.is_coe_staff or (resource.owner_id == user.pk and not resource.is_archived)


def edit_refusal(user: User, resource: Resource) -> str | None:
    if resource.is_archived and not user.is_coe_staff:
        return _("This resource is archived: it keeps its history and can't change.")
    if not can_edit_resource(user, resource):
        return _("Only its owner and CoE staff can change this resource.")
    return None


def can_reassign(user: User, resource: Resource) -> bool:
    """Handing a resource to another owner: CoE staff, and its owner."""
    return can_edit_resource(user, resource)


def can_restore(user: User, resource: Resource) -> bool:
    return user.is_coe_staff and resource.is_archived


def can_see_history(user: User, resource: Resource) -> bool:
    return can_edit_resource(user, resource) or user.is_coe_staff


def can_triage(user: User) -> bool:
    """Accepting, declining, merging and assigning content requests: the CoE's advisory service."""
    return user.is_coe_staff


def triage_refusal(user: User) -> str | None:
    if not can_triage(user):
        return _("Only CoE staff accept, decline, merge and assign content requests.")
    return None


def can_deliver(user: User, request: ContentRequest) -> bool:
    """Linking the resource that answers an accepted request: CoE staff and the request's owner."""
    return user.is_coe_staff or (request.owner_id is not None and request.owner_id == user.pk)


def deliver_refusal(user: User, request: ContentRequest) -> str | None:
    if not can_deliver(user, request):
        return _("Only CoE staff and the request's owner deliver it.")
    if not request.is_open:
        return _("This request is %(status)s: there is nothing left to deliver.") % {
            "status": request.get_status_display().lower()}
    return None


def can_see_freshness_report(user: User) -> bool:
    """The library's freshness by owner and by principle, and the archive suggestions."""
    return user.is_coe_staff


def sections_for(user: User) -> list[str]:
    """The library's tabs that this person can use: everyone reads the library and asks for content; My reviews is
    for CoE staff and whoever owns a published resource; the freshness report is CoE staff's."""
    sections = ["resources"]
    if user.is_coe_staff or Resource.objects.published().filter(owner=user).exists():
        sections.append("reviews")
    sections.append("requests")
    if can_see_freshness_report(user):
        sections.append("freshness")
    return sections
