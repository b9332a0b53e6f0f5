"""A GET never writes: every URL of the permission matrix, opened by each role, leaves every table as it was.

A link prefetcher, a crawler or a link on another site opens pages without anyone meaning to act, so a page
view may not create, change or delete a row. The rows are compared by tests/tables.py: counts and, on
PostgreSQL, a hash of every row, so an UPDATE shows too.
"""

import pytest
from django.db import connection

from cxcoe.lib import rollups

from .permissions import ROLES, url_of
from .tables import fingerprint
from .test_permission_matrix import MATRIX

# A notification's own link marks it read, then goes to what it is about: the one GET that writes, by design
# (the inbox's links must work from an email, and a read marker is not an action someone could regret).
# A library resource's page counts the reader, once a person a day: the library's measure of what is used.
WRITE_BY_DESIGN = {"notification-open", "library:resource-detail"}


def _changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


@pytest.mark.parametrize("role", ROLES)
def test_opening_any_page_changes_no_row(client, people_by_role, matrix_objects, role):
    for name in MATRIX:  # every object made before the first page is read
        url_of(name, MATRIX[name], matrix_objects)
    # Counted now, as beat would have: a figure never counted yet is counted on its first read (cxcoe/lib/rollups.py),
    # which fills the rollup table and rewrites the acknowledgement tallies, a cache, not a change anyone made.
    rollups.recount_all()
    if people_by_role[role] is not None:
        client.force_login(people_by_role[role])  # signing in touches last_login and the session: done before
    changed = {}
    for name in sorted(MATRIX.keys() - WRITE_BY_DESIGN):
        # POST-only URLs too: their GET must be refused without acting.
        url = url_of(name, MATRIX[name], matrix_objects)
        before = fingerprint()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # a CSV export runs its queries as it streams
        if tables := _changed_tables(before, fingerprint()):
            changed[name] = tables
    assert changed == {}, f"GETs that changed rows, as {role}"


def test_a_row_changed_in_place_shows_though_no_count_moves(olivia):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares row counts only (tests/tables.py)")
    before = fingerprint()
    olivia.job_title = "Head of CX"
    olivia.save(update_fields=["job_title"])
    assert _changed_tables(before, fingerprint()) == [olivia._meta.db_table]
