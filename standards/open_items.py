"""The standards app's kinds of open item (cxcoe/people/open_items.py): standards a person is asked to
acknowledge, and versions waiting for their approval."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cxcoe.models import User
from cxcoe.people import open_items
from cxcoe.people.open_items import Item, Kind, Tally

from .models import Acknowledgement, StandardVersion


def _acknowledgements(person_ids: list[int], viewer: User):
    """The requests of these people that their progress counts (Acknowledgement.objects.asked), as the
    acknowledgement list behind each count shows them (standards.views.acknowledgements.acknowledgements_for)."""
    return Acknowledgement.objects.visible_to(viewer).asked().filter(person__in=person_ids)


def _count_acknowledgements(person_ids: list[int], *, viewer: User, today: date) -> dict[int, Tally]:
    pending = Q(status=Acknowledgement.Status.PENDING)
    rows = (_acknowledgements(person_ids, viewer).values("person").order_by()
            .annotate(open=Count("pk", filter=pending), overdue=Count("pk", filter=pending & Q(due_on__lt=today)),
                      done=Count("pk", filter=Q(status=Acknowledgement.Status.ACKNOWLEDGED))))
    return {row["person"]: Tally(row["open"], row["overdue"], row["done"]) for row in rows}


def _acknowledgement_items(person: User, *, viewer: User, today: date) -> list[Item]:
    rows = (_acknowledgements([person.pk], viewer).pending().select_related("standard")
            .order_by("due_on", "standard__code")[:open_items.SHOWN])
    return [Item(str(row.standard), row.standard.get_absolute_url(), row.due_on, row.due_on < today) for row in rows]


def _acknowledgement_url(person: User, which: str) -> str:
    status = {"open": "pending", "overdue": "overdue", "done": "acknowledged"}[which]
    return f"{reverse('standards:acknowledgement-list')}?person={person.pk}&status={status}"


def _approvals(person_ids: list[int], viewer: User):
    """Versions waiting for these people's decision as the approver their standard names (those naming nobody
    wait for any CoE staff member, not one person). A version waiting for approval is not published: only CoE staff
    and the approver themself see it (permissions.can_see_drafts), so a leader sees none on their people's pages."""
    if not viewer.is_coe_staff:
        person_ids = [pk for pk in person_ids if pk == viewer.pk]
    return StandardVersion.objects.filter(status=StandardVersion.Status.SUBMITTED, standard__approver__in=person_ids)


def _count_approvals(person_ids: list[int], *, viewer: User, today: date) -> dict[int, Tally]:
    rows = _approvals(person_ids, viewer).values("standard__approver").order_by().annotate(n=Count("pk"))
    return {row["standard__approver"]: Tally(row["n"]) for row in rows}


def _approval_items(person: User, *, viewer: User, today: date) -> list[Item]:
    rows = _approvals([person.pk], viewer).select_related("standard").order_by("submitted_at")[:open_items.SHOWN]
    return [Item(_("%(version)s: %(title)s") % {"version": row, "title": row.standard.title},
                 row.standard.get_absolute_url()) for row in rows]


def register() -> None:
    open_items.register(Kind(
        name="acknowledgements", heading=_("Standards to acknowledge"),
        describe=lambda n: ngettext("%(n)d standard to acknowledge", "%(n)d standards to acknowledge", n) % {"n": n},
        describe_done=lambda n: ngettext("%(n)d acknowledged", "%(n)d acknowledged", n) % {"n": n},
        count=_count_acknowledgements, items=_acknowledgement_items, url=_acknowledgement_url,
    ))
    open_items.register(Kind(
        name="approvals", heading=_("Approvals waiting"),
        describe=lambda n: ngettext("%(n)d approval waiting", "%(n)d approvals waiting", n) % {"n": n},
        count=_count_approvals, items=_approval_items,
        url=lambda person, which: f"{reverse('person-detail', args=[person.pk])}#open-approvals",
    ))
