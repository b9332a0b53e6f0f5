"""The library's search: the stored vector kept up to date on every write, ranking (on PostgreSQL, the title
first), the snippets, and the list page's search box asking the same as the site search."""

import pytest
from django.db import connection
from django.urls import reverse

from library.models import Resource
from library.search import matching, search_resources
from library.services.resources import update_resource

from .factories import make_resource

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's full text")


def _titles(user, query: str) -> list[str]:
    resources, _total = search_resources(user, query, limit=10)
    return [resource.title for resource in resources]


@postgresql_only
def test_a_title_match_ranks_above_a_body_only_match(olivia):
    make_resource(by=olivia, title="Another guide", publish=True, body="How to handle an escalation calmly.")
    make_resource(by=olivia, title="Escalation in three steps", publish=True, body="Stay calm, and hand it over.")
    make_resource(by=olivia, title="Zebra", publish=True, summary="When an escalation comes, read this.")
    assert _titles(olivia, "escalation") == ["Escalation in three steps", "Zebra", "Another guide"]


@postgresql_only
def test_the_search_reads_the_stored_vector_through_its_index(olivia):
    make_resource(by=olivia, publish=True)
    found = matching(Resource.objects.all(), "callback")
    assert "to_tsvector" not in str(found.query)  # nothing recomputed row by row
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: the planner would rather read them all
        plan = found.explain()
    assert "resource_search_gin" in plan


@postgresql_only
def test_words_are_found_in_other_forms_and_phrases_are_kept_together(olivia):
    make_resource(by=olivia, title="Calling customers back", publish=True, body="Listen first.")
    assert _titles(olivia, "called customer") == ["Calling customers back"]
    assert _titles(olivia, '"back customers"') == []
    assert _titles(olivia, "calling -listen") == []


def test_an_edit_is_found_by_its_new_words_not_its_old(olivia):
    resource = make_resource(by=olivia, publish=True, body="Call within a day.")
    assert _titles(olivia, "day") == [resource.title]
    update_resource(resource=resource, by=olivia, body="Call within four hours.", title="Calling back quickly")
    assert _titles(olivia, "day") == []
    assert _titles(olivia, "hours") == ["Calling back quickly"]
    assert _titles(olivia, "quickly") == ["Calling back quickly"]


def test_tags_are_searched(olivia):
    make_resource(by=olivia, title="A script", publish=True, tags=["telephone", "complaints"])
    assert _titles(olivia, "telephone") == ["A script"]


def test_every_word_must_be_found(olivia):
    make_resource(by=olivia, title="Refunds without argument", publish=True, body="Say yes first.")
    assert _titles(olivia, "refunds argument") == ["Refunds without argument"]
    assert _titles(olivia, "refunds parking") == []


def test_a_snippet_marks_the_words_of_the_body(olivia):
    make_resource(by=olivia, title="A script", publish=True, body="Nobody likes waiting for a refund.")
    resources, total = search_resources(olivia, "refund", limit=10)
    assert total == 1
    assert "<mark>refund</mark>" in resources[0].snippet


def test_a_blank_query_finds_nothing_and_matching_leaves_a_list_as_it_was(olivia):
    make_resource(by=olivia, publish=True)
    assert search_resources(olivia, "  ", limit=10) == ([], 0)
    assert matching(Resource.objects.all(), "").count() == 1


def test_the_library_list_searches_as_the_site_search_does(client, olivia):
    make_resource(by=olivia, title="Another guide", publish=True, body="How to handle an escalation calmly.")
    make_resource(by=olivia, title="Escalation in three steps", publish=True, body="Stay calm.")
    make_resource(by=olivia, title="Unrelated", publish=True)
    client.force_login(olivia)
    listed = client.get(reverse("library:resource-list"), {"q": "escalation calm"}).context["resources"]
    assert [resource.title for resource in listed] == _titles(olivia, "escalation calm")
    assert len(listed) == 2
