"""The library's part of search: the stored, weighted search vector of each resource (PostgreSQL only).

The vector is written here on every write that changes what it covers (services call `index_for_search`), so a
search reads it through its GIN index rather than computing it row by row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxcoe.lib.search import Badge, Group, Hit, highlight, marked, sentinels, words
from cxcoe.models import User

from .models import Resource, Tag

# The text search configuration: the site is in English (settings.LANGUAGES).
CONFIG = "english"
# The list that shows every match of a query (`?q=`), which the site search's count links to.
LIST_URL_NAME = "library:resource-list"


def vector():
    """Title first (A), then tags and summary (B), then the body (C)."""
    tags = (Tag.objects.filter(resources=OuterRef("pk")).order_by().values("resources")
            .annotate(names=StringAgg("name", " ")).values("names"))
    return (SearchVector("title", weight="A", config=CONFIG)
            + SearchVector(Coalesce(Subquery(tags), Value(""), output_field=TextField()), weight="B", config=CONFIG)
            + SearchVector("summary", weight="B", config=CONFIG)
            + SearchVector("body", weight="C", config=CONFIG))


def index_for_search(resource_ids: Iterable[int] | None = None) -> int:
    """Write the search vector of these resources (all of them with None); returns how many rows it wrote."""
    if connection.vendor != "postgresql":
        return 0
    resources = Resource.objects.all() if resource_ids is None else Resource.objects.filter(pk__in=list(resource_ids))
    return resources.update(search_vector=vector())


def _query(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=CONFIG)


def _plain_match(queryset, query_words: list[str]):
    """SQLite's search: every word somewhere in the title, summary, body or a tag's name, any case; a word in the
    title counts most, as the stored vector's weights have it."""
    rank: Any = Value(0.0)
    for word in query_words:
        tagged = Tag.objects.filter(resources=OuterRef("pk"), name__icontains=word)
        queryset = queryset.filter(Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
                                   | Q(Exists(tagged)))
        rank += Case(When(title__icontains=word, then=Value(1.0)),
                     When(Q(summary__icontains=word) | Q(Exists(tagged)), then=Value(0.4)), default=Value(0.1),
                     output_field=FloatField())
    return queryset.annotate(rank=rank)


def matching(queryset, query: str):
    """The resources of `queryset` that match `query`, annotated with `rank` and the best first (then by title).
    A blank query leaves the queryset as it is, with a rank of 0 for each. For lists that search."""
    if not query.strip():
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        searched = _query(query)
        queryset = queryset.filter(search_vector=searched).annotate(rank=SearchRank(F("search_vector"), searched))
    elif query_words := words(query):
        queryset = _plain_match(queryset, query_words)
    else:
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    return queryset.order_by("-rank", "title", "pk")


def search_resources(user: User, query: str, *, limit: int) -> tuple[list[Resource], int]:
    """The resources `user` may read that match `query`, ranked, at most `limit` of them, and how many match in
    all: drafts only for their owner and CoE staff, archived ones never. Each has `snippet`: its summary and body
    around the words found, escaped, those words in <mark>. One query (none for a blank query)."""
    if not query.strip():
        return [], 0
    found = matching(Resource.objects.visible_to(user).listed(), query).annotate(total=Window(Count("pk")))
    if connection.vendor != "postgresql":
        resources = list(found[:limit])
        for resource in resources:
            resource.snippet = highlight(f"{resource.summary} {resource.body}", words(query))
        return resources, resources[0].total if resources else 0
    start, stop = sentinels()
    text = Concat("summary", Value("\n"), "body", output_field=TextField())
    # Only what a hit shows: the bodies stay in the database, which makes the snippets from them.
    resources = list(found.only("pk", "title", "kind", "status", "next_review_on").annotate(headline=SearchHeadline(
        text, _query(query), config=CONFIG, start_sel=start, stop_sel=stop, max_words=35, min_words=15,
        max_fragments=2, fragment_delimiter=" … "))[:limit])
    for resource in resources:
        resource.snippet = marked(resource.headline, start, stop)
    return resources, resources[0].total if resources else 0


def site_search(user: User, query: str, *, limit: int) -> list[Group]:
    """The library's part of the site search (cxcoe/dashboard/search.py): one group, of resources."""
    resources, total = search_resources(user, query, limit=limit)
    today = timezone.localdate()
    hits = [Hit(kind_label=resource.get_kind_display(), title=resource.title, url=resource.get_absolute_url(),
                snippet=getattr(resource, "snippet", SafeString("")), badges=_badges(resource, today))
            for resource in resources]
    return [Group(
        label=_("Resources"), count=total, hits=hits, anchor="resources",
        count_text=ngettext("%(count)s library resource matches", "%(count)s library resources match", total)
        % {"count": total},
        list_url=f"{reverse(LIST_URL_NAME)}?{urlencode({'q': query})}",
        list_text=_("See them all in the library"),
    )]


def _badges(resource: Resource, today) -> tuple[Badge, ...]:
    if resource.is_draft:
        return (Badge(_("Draft"), "light"),)
    if resource.is_stale(today):
        return (Badge(_("Stale: past its review date"), "danger"),)
    return ()
