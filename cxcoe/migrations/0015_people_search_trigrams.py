"""Trigram indexes for the people search (UserQuerySet.matching: the person picker and the people list).

Django writes `name__icontains` as UPPER(name::text) LIKE UPPER('%...%') on PostgreSQL; a GIN index of that
expression's trigrams (pg_trgm) serves it, where a B-tree cannot. Other databases get nothing: SQLite has no such
index, and its people are few.
"""

from django.db import migrations

INDEXES = {"user_name_trgm": "display_name", "user_email_trgm": "email"}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cxcoe_user USING gin "
                              f"(UPPER({column}::text) gin_trgm_ops)")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("cxcoe", "0014_user_date_style"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
