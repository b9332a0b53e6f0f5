"""What waits on a person: the open items of every app, for a unit's page (each person's counts) and a person's
page (the items themselves).

The core cannot read the apps, so each app registers its kinds of open item from its AppConfig.ready(), as it
registers its notification kinds and audit verbs: standards to acknowledge, approvals waiting, and so on. A kind
counts for many people in one query (`count`), so a page of people costs one query a kind, however many they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import reviews
from ..models import User

SHOWN = 10  # items of one kind on a person's page; the kind's list has them all


@dataclass(frozen=True)
class Tally:
    """One person's items of one kind: how many are open, how many of those are past their date, and how many
    are done (for a kind that keeps them: acknowledged standards)."""

    open: int
    overdue: int = 0
    done: int = 0


@dataclass(frozen=True)
class Item:
    """One open item, as a person's page lists it."""

    label: str
    url: str
    due_on: date | None = None
    is_overdue: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of open item. `count(person_ids, viewer=, today=)` gives {person id: Tally} for those with any, in
    one query; `items(person, viewer=, today=)` that person's first SHOWN open items, most urgent first. Both leave
    out what `viewer` may not open. `url(person, which)` is the list of that person's items of the kind that a
    tally counts: "open", "overdue" or "done"."""

    name: str
    heading: Any  # "Standards to acknowledge"
    describe: Callable[[int], str]  # an open count in words: "2 standards to acknowledge"
    count: Callable[..., dict[int, Tally]]
    items: Callable[..., list[Item]]
    url: Callable[[User, str], str]
    describe_done: Callable[[int], str] | None = None  # a done count in words, for a kind that keeps them


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True)
class OpenCount:
    """A person's count of one kind on a unit's page: the kind, its tally, and where its items are."""

    kind: Kind
    tally: Tally
    person: User

    @property
    def text(self) -> str:
        return self.kind.describe(self.tally.open)

    @property
    def url(self) -> str:
        return self.kind.url(self.person, "open")

    @property
    def overdue_url(self) -> str:
        return self.kind.url(self.person, "overdue")


def counts_for(people: Iterable[User], *, viewer: User, today: date) -> dict[int, list[OpenCount]]:
    """{person id: their non-zero counts, kind by kind}: one query a kind, whatever the number of people."""
    people = list(people)
    found: dict[int, list[OpenCount]] = {person.pk: [] for person in people}
    by_pk = {person.pk: person for person in people}
    for kind in KINDS.values():
        for pk, tally in kind.count(list(by_pk), viewer=viewer, today=today).items():
            if tally.open:
                found[pk].append(OpenCount(kind, tally, by_pk[pk]))
    return found


@dataclass(frozen=True)
class Section:
    """One kind on a person's page: its tally, the lists behind each number, and the first open items."""

    kind: Kind
    tally: Tally
    items: list[Item]
    open_url: str
    overdue_url: str
    done_url: str

    @property
    def more(self) -> int:
        return self.tally.open - len(self.items)

    @property
    def open_text(self) -> str:
        return self.kind.describe(self.tally.open)

    @property
    def done_text(self) -> str | None:
        return self.kind.describe_done(self.tally.done) if self.kind.describe_done and self.tally.done else None


def sections_for(person: User, *, viewer: User, today: date) -> list[Section]:
    """A person's items, kind by kind: those with anything open or done."""
    sections = []
    for kind in KINDS.values():
        tally = kind.count([person.pk], viewer=viewer, today=today).get(person.pk, Tally(0))
        if tally.open or tally.done:
            items = kind.items(person, viewer=viewer, today=today) if tally.open else []
            sections.append(Section(kind, tally, items, *(kind.url(person, which)
                                                          for which in ("open", "overdue", "done"))))
    return sections


# The core's own kind: the reviews a person owns that are due within the horizon My work uses, or past it.


def _reviews_due(person_ids: list[int], today: date):
    horizon = today + timedelta(days=reviews.REVIEW_HORIZON_DAYS)
    for model in reviews.reviewable_models():
        yield model, model.under_review(model._default_manager.filter(owner__in=person_ids,
                                                                     next_review_on__lte=horizon))


def _count_reviews(person_ids: list[int], *, viewer: User, today: date) -> dict[int, Tally]:
    totals: dict[int, Tally] = {}
    for model, rows in _reviews_due(person_ids, today):
        for row in (visible(model, rows, viewer).values("owner").order_by()
                    .annotate(n=Count("pk"), late=Count("pk", filter=Q(next_review_on__lt=today)))):
            before = totals.get(row["owner"], Tally(0))
            totals[row["owner"]] = Tally(before.open + row["n"], before.overdue + row["late"])
    return totals


def _review_items(person: User, *, viewer: User, today: date) -> list[Item]:
    found = []
    for model, rows in _reviews_due([person.pk], today):
        found += [Item(str(item), item.get_absolute_url(), item.next_review_on, item.next_review_on < today)
                  for item in visible(model, rows, viewer).order_by("next_review_on", "pk")[:SHOWN]]
    return sorted(found, key=lambda item: item.due_on or today)[:SHOWN]


def visible(model, rows, viewer: User):
    """`rows` of a model, only those `viewer` may open (its QuerySet's `visible_to`). CoE staff see all; for anyone
    else a model that doesn't say whom shows nothing, rather than everything."""
    if viewer.is_coe_staff:
        return rows
    scoped = getattr(model._default_manager.all(), "visible_to", None)
    return rows.filter(pk__in=scoped(viewer).values("pk")) if scoped else rows.none()


def register_reviews() -> None:
    register(Kind(
        name="reviews", heading=_("Reviews due"),
        describe=lambda n: ngettext("%(n)d review due", "%(n)d reviews due", n) % {"n": n},
        count=_count_reviews, items=_review_items,
        url=lambda person, which: f"{reverse('person-detail', args=[person.pk])}#open-reviews",
    ))
