"""The library's part of search: the stored, weighted search vector of each resource (PostgreSQL only).

The vector is written here on every write that changes what it covers (services call `index_for_search`), so a
search reads it through its GIN index rather than computing it row by row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from .models import Resource, Tag

# The text search configuration: the site is in English (settings.LANGUAGES).
CONFIG = "english"


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
