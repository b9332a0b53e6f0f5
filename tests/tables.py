"""What the project's tables hold, read in one query, to compare before and after a request: a refused form
(tests/test_form_fuzz.py) and a page view (tests/test_gets_never_write.py) must leave them as they were."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import connection, models

PROJECT_APPS = ["cxcoe", "standards", "library", "training", "ambassadors"]


def project_tables(*, leave_out: Iterable[type[models.Model]] = ()) -> list[str]:
    """Every table of the project's apps, many-to-many tables included, but those of the models left out."""
    left_out = {model._meta.db_table for model in leave_out}
    return sorted({model._meta.db_table for label in PROJECT_APPS
                   for model in apps.get_app_config(label).get_models(include_auto_created=True)} - left_out)


def _select(columns: list[str]) -> tuple:
    # Table names from the models, quoted: nothing from a request reaches this SQL.
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns))
        return cursor.fetchone()


def count_rows(*, leave_out: Iterable[type[models.Model]] = ()) -> tuple[tuple[str, int], ...]:
    """The row count of every table of the project."""
    tables = project_tables(leave_out=leave_out)
    quote = connection.ops.quote_name
    counts = _select([f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables])  # noqa: S608
    return tuple(zip(tables, counts, strict=True))


def fingerprint(*, leave_out: Iterable[type[models.Model]] = ()) -> dict[str, tuple]:
    """Each table's row count and, on PostgreSQL, an md5 of all its rows, so that an UPDATE shows though the
    counts stay the same. SQLite can't turn a row into text (PostgreSQL's `t::text`), so there only the counts
    are compared: an UPDATE goes unseen on SQLite."""
    if connection.vendor != "postgresql":
        return {table: (count,) for table, count in count_rows(leave_out=leave_out)}
    tables = project_tables(leave_out=leave_out)
    quote = connection.ops.quote_name
    rows = "(SELECT COUNT(*) FROM {0}), (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {0} t)"
    values = _select([rows.format(quote(table)) for table in tables])
    return {table: values[2 * index:2 * index + 2] for index, table in enumerate(tables)}
