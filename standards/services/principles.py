"""Writes to the CX principles: create, edit, archive, delete and reorder."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cxcoe.audit import record_event
from cxcoe.lib.edits import new_row, save_edit
from cxcoe.models import User

from ..models import Principle

# What the principle form changes. Its place and archived flag move through their own actions.
PRINCIPLE_FIELDS = ["title", "statement", "explanation", "examples"]


@transaction.atomic
def create_principle(*, by: User, **values) -> Principle:
    """A new principle, last in the order."""
    highest = Principle.objects.aggregate(highest=Max("position"))["highest"]
    principle = new_row(Principle, values, fields=PRINCIPLE_FIELDS, service="create_principle",
                        position=0 if highest is None else highest + 1)
    record_event(actor=by, verb="principle.created", target=principle)
    return principle


@transaction.atomic
def update_principle(*, principle: Principle, by: User, **values) -> Principle:
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    if edit := save_edit(principle, values, fields=PRINCIPLE_FIELDS, service="update_principle"):
        principle.changed_at = timezone.now()
        principle.save(update_fields=["changed_at"])
        record_event(actor=by, verb="principle.updated", target=principle, details=edit.details)
    return principle


@transaction.atomic
def set_principle_archived(*, principle: Principle, by: User, archived: bool) -> Principle:
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    if principle.is_archived != archived:
        principle.is_archived = archived
        principle.changed_at = timezone.now()
        principle.save(update_fields=["is_archived", "changed_at"])
        record_event(actor=by, verb="principle.archived" if archived else "principle.restored", target=principle)
    return principle


def principle_is_linked(principle: Principle) -> bool:
    return principle.standards.exists() or principle.communication_plans.exists()


@transaction.atomic
def delete_principle(*, principle: Principle, by: User) -> None:
    """Only a principle nothing points to can go; anything else is archived, so its history stays readable."""
    principle = Principle.objects.select_for_update().get(pk=principle.pk)
    if principle_is_linked(principle):
        raise ValidationError(_("Standards or plans point to this principle. Archive it instead."))
    record_event(actor=by, verb="principle.deleted", target=principle, details={"title": principle.title})
    principle.delete()


@transaction.atomic
def move_principle(*, principle: Principle, by: User, up: bool) -> None:
    """Swap a principle with its neighbour in the order."""
    ordered = list(Principle.objects.select_for_update().active().order_by("position", "pk"))
    index = next((i for i, item in enumerate(ordered) if item.pk == principle.pk), None)
    if index is None:
        return
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            Principle.objects.filter(pk=item.pk).update(position=position)
    record_event(actor=by, verb="principle.moved", target=principle, details={"position": other + 1})
