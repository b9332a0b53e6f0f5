"""The standards' part of search: standards (code, title, the current version's statement) and principles (title,
statement, explanation). The tables are small, so plain matching, any case, does: every word of the query somewhere,
the titles' matches first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, Count, IntegerField, Q, Value, When, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxcoe.lib.search import Badge, Group, Hit, highlight, words
from cxcoe.models import User

from .models import Principle, Standard

STANDARD_FIELDS = ["code", "title", "current_version__statement"]
PRINCIPLE_FIELDS = ["title", "statement", "explanation"]


def _matching(queryset, fields: list[str], titles: list[str], query: str):
    """Rows with every word of `query` in one of `fields`, annotated `rank`: how many of the words their `titles`
    hold."""
    rank: Any = Value(0)
    for word in words(query):
        queryset = queryset.filter(Q(*[(f"{name}__icontains", word) for name in fields], _connector=Q.OR))
        in_title = Q(*[(f"{name}__icontains", word) for name in titles], _connector=Q.OR)
        rank += Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField())
    return queryset.annotate(rank=rank) if words(query) else queryset.none().annotate(rank=rank)


def matching_standards(queryset, query: str):
    """The standards of `queryset` with every word of `query` in their code, title or current statement, annotated
    `rank`; the standards list's search box, and the site search, ask this."""
    return _matching(queryset, STANDARD_FIELDS, ["code", "title"], query)


def search_standards(user: User, query: str, *, limit: int) -> tuple[list[Standard], int]:
    """The standards `user` may read that match, the titles' matches first, then by code; and how many in all."""
    found = (matching_standards(Standard.objects.visible_to(user), query).select_related("current_version")
             .annotate(total=Window(Count("pk"))).order_by("-rank", "code"))
    standards = list(found[:limit])
    return standards, standards[0].total if standards else 0


def search_principles(user: User, query: str, *, limit: int) -> tuple[list[Principle], int]:
    """The principles in use (archived ones leave search) that match, the titles' matches first."""
    found = (_matching(Principle.objects.active(), PRINCIPLE_FIELDS, ["title"], query)
             .annotate(total=Window(Count("pk"))).order_by("-rank", "position", "pk"))
    principles = list(found[:limit])
    return principles, principles[0].total if principles else 0


def _standard_badges(standard: Standard, today) -> tuple[Badge, ...]:
    if standard.status == Standard.Status.DRAFT:
        return (Badge(_("Not yet published"), "light"),)
    if standard.is_retired:
        return (Badge(_("Retired"), "secondary"),)
    if standard.is_stale(today):
        return (Badge(_("Stale: past its review date"), "danger"),)
    return ()


def site_search(user: User, query: str, *, limit: int) -> list[Group]:
    """The standards' part of the site search (cxcoe/dashboard/search.py): standards, then principles."""
    today = timezone.localdate()
    query_words = words(query)
    standards, standard_total = search_standards(user, query, limit=limit)
    principles, principle_total = search_principles(user, query, limit=limit)
    return [
        Group(label=_("Standards"), count=standard_total, anchor="standards",
              count_text=ngettext("%(count)s standard matches", "%(count)s standards match", standard_total)
              % {"count": standard_total},
              hits=[Hit(kind_label=_("Standard %(code)s") % {"code": standard.code}, title=standard.title,
                        url=standard.get_absolute_url(),
                        snippet=highlight(standard.current_version.statement if standard.current_version else "",
                                          query_words),
                        badges=_standard_badges(standard, today)) for standard in standards],
              list_url=f"{reverse('standards:standard-list')}?{urlencode({'q': query})}",
              list_text=_("See them all in the standards list")),
        Group(label=_("Principles"), count=principle_total, anchor="principles",
              count_text=ngettext("%(count)s principle matches", "%(count)s principles match", principle_total)
              % {"count": principle_total},
              hits=[Hit(kind_label=_("Principle"), title=principle.title, url=principle.get_absolute_url(),
                        snippet=highlight(f"{principle.statement} {principle.explanation}", query_words))
                    for principle in principles],
              list_url=reverse("standards:principle-list"), list_text=_("See every principle")),
    ]
