"""The library's notification kinds and its daily sweep: owners told when a linked standard or principle changed.

The review reminders themselves come from the core's review engine (cxcoe/reviews), as Resource is a ReviewCycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxcoe.models import User
from cxcoe.notifications import Kind, Message, register_kind, reminders

from . import kinds
from .models import Resource


def _render_linked_changed(reminder, resource: Resource) -> Message:
    return Message(
        title=_("A standard linked to %(title)s changed") % {"title": resource},
        body=_("A standard or principle that \u201c%(title)s\u201d links to has changed since you last checked it. "
               "Open My reviews to compare the change and say whether the resource still holds.")
        % {"title": resource},
        url=resource.get_absolute_url(),
    )


def _linked_still_changed(reminder, resource: Resource) -> bool:
    return Resource.objects.with_link_changes().filter(pk=resource.pk, links_changed=True, status="published").exists()


def sweep_linked_changes(*, today: date) -> int:
    """One message per flagged resource and check: the period is when the owner last checked it, so a resource
    flagged again after a review is told again, and one still flagged is not told twice."""
    rows = (Resource.objects.published().with_link_changes().filter(links_changed=True)
            .values_list("pk", "owner_id", "owner__is_active", "links_checked_at"))
    type_id = ContentType.objects.get_for_model(Resource).pk
    staff: list[int] | None = None

    def due_items() -> Iterator[reminders.Due]:
        nonlocal staff
        for pk, owner_id, owner_active, checked_at in rows.iterator(chunk_size=2000):
            if owner_id and owner_active:
                recipients = [owner_id]
            else:
                if staff is None:
                    staff = list(User.objects.active().coe_staff().values_list("pk", flat=True))
                recipients = staff
            period = f"checked-{checked_at:%Y%m%d%H%M%S}" if checked_at else "never-checked"
            for person in recipients:
                yield reminders.Due(person, kinds.LINKED_CHANGED, type_id, pk, period, today)

    return reminders.declare(due_items())


def register() -> None:
    """Called by LibraryConfig.ready()."""
    register_kind(Kind(kinds.LINKED_CHANGED, gettext_lazy("Resources whose linked standard changed"),
                       render=_render_linked_changed, is_still_due=_linked_still_changed))
    register_kind(Kind(kinds.OWNER_ASSIGNED, gettext_lazy("Library resources given to me")))
    register_kind(Kind(kinds.REQUEST_UPDATE, gettext_lazy("Content requests I made or own")))
    reminders.register_sweep(reminders.Sweep("library-links", gettext_lazy("Library resources with changed links"),
                                             sweep_linked_changes))
