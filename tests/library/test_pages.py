"""The library's pages as people read them: what each shows, the query counts at two sizes, and sanitized text."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import ReviewRecord
from library.models import Resource, ResourceView
from library.services.resources import review_resource, update_resource

from ..standards.factories import PrincipleFactory
from .factories import make_resource


def _assert_same_count(client, url, grow, django_assert_num_queries, **params):
    client.get(url, params)
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    grow()
    with django_assert_num_queries(len(small)):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


def _many(olivia, owner, count: int, *, principle=None, start: int = 0) -> list[Resource]:
    made = []
    for n in range(start, start + count):
        resource = make_resource(by=olivia, owner=owner, title=f"Guide {n:03d}", publish=bool(n % 4),
                                 tags=[f"tag{n % 3}", "calls"], principles=[principle] if principle else [])
        made.append(resource)
    return made


@pytest.mark.parametrize(("reader", "params"), [
    ("eve", {}), ("olivia", {}), ("olivia", {"q": "guide", "freshness": "stale", "sort": "views"}),
    ("amir", {"owner": "me", "status": "draft"})])
def test_the_list_query_count_does_not_grow(client, reader, params, request, olivia, amir,
                                            django_assert_num_queries):
    principle = PrincipleFactory()
    _many(olivia, amir, 4, principle=principle)
    client.force_login(request.getfixturevalue(reader))
    _assert_same_count(client, reverse("library:resource-list"),
                       lambda: _many(olivia, amir, 30, principle=principle, start=100),
                       django_assert_num_queries, **params)


def test_the_list_shows_what_the_person_may_read(client, olivia, eve, operations):
    make_resource(by=olivia, title="For everyone", publish=True)
    make_resource(by=olivia, title="For Operations", publish=True, audience_units=[operations])
    make_resource(by=olivia, title="A draft")
    archived = make_resource(by=olivia, title="Archived one", publish=True)
    Resource.objects.filter(pk=archived.pk).update(status=Resource.Status.ARCHIVED)
    client.force_login(eve)
    response = client.get(reverse("library:resource-list"))
    assert [r.title for r in response.context["resources"]] == ["For everyone"]
    client.force_login(olivia)
    response = client.get(reverse("library:resource-list"))
    assert {r.title for r in response.context["resources"]} == {"A draft", "For everyone", "For Operations"}
    response = client.get(reverse("library:resource-list"), {"status": "archived"})
    assert [r.title for r in response.context["resources"]] == ["Archived one"]


def test_the_empty_list_offers_to_request_content(client, eve):
    client.force_login(eve)
    page = client.get(reverse("library:resource-list"), {"q": "nothing like this"}).content.decode()
    assert "Nothing in the library matches." in page


def test_the_csv_has_a_row_per_resource_with_names(client, olivia, amir):
    make_resource(by=olivia, owner=amir, title="Calling back", publish=True)
    client.force_login(olivia)
    response = client.get(reverse("library:resource-export"))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "title,kind,status,summary,owner,published,next_review,stale,views,link"
    assert lines[1].startswith("Calling back,Article,Published,")
    assert amir.email in lines[1]


def test_the_detail_query_count_does_not_grow(client, olivia, amir, django_assert_num_queries):
    principle = PrincipleFactory()
    resource = make_resource(by=olivia, owner=amir, publish=True, principles=[principle], tags=["calls"])
    client.force_login(olivia)

    def grow():
        _many(olivia, amir, 12, principle=principle, start=200)
        for n in range(4):
            update_resource(resource=resource, by=olivia, body=f"Version {n}")
        review_resource(resource=resource, by=olivia, outcome=ReviewRecord.Outcome.CONFIRMED, impact_holds=True)

    response = _assert_same_count(client, reverse("library:resource-detail", args=[resource.pk]), grow,
                                  django_assert_num_queries)
    assert len(response.context["related"]) == 5


def test_opening_a_resource_counts_one_view_per_person_per_day(client, olivia, eve):
    resource = make_resource(by=olivia, publish=True)
    client.force_login(eve)
    for _ in range(3):
        client.get(reverse("library:resource-detail", args=[resource.pk]))
    resource.refresh_from_db()
    assert resource.view_count == 1
    assert ResourceView.objects.filter(resource=resource, person=eve, day=timezone.localdate()).count() == 1


def test_a_draft_is_not_counted_nor_shown_to_others(client, olivia, eve):
    draft = make_resource(by=olivia)
    client.force_login(eve)
    assert client.get(reverse("library:resource-detail", args=[draft.pk])).status_code == 404
    client.force_login(olivia)
    client.get(reverse("library:resource-detail", args=[draft.pk]))
    assert not ResourceView.objects.exists()


def test_an_archived_resource_keeps_its_page_with_a_banner(client, olivia, eve):
    resource = make_resource(by=olivia, publish=True)
    Resource.objects.filter(pk=resource.pk).update(status=Resource.Status.ARCHIVED, archived_at=timezone.now())
    client.force_login(eve)
    page = client.get(reverse("library:resource-detail", args=[resource.pk])).content.decode()
    assert "This resource was archived on" in page


def test_my_reviews_query_count_does_not_grow(client, olivia, amir, django_assert_num_queries):
    today = timezone.localdate()

    def due(count, start):
        made = _many(olivia, amir, count, start=start)
        Resource.objects.filter(pk__in=[r.pk for r in made]).update(next_review_on=today + timedelta(days=3))

    due(3, 0)
    client.force_login(amir)
    response = _assert_same_count(client, reverse("library:my-reviews"), lambda: due(30, 300),
                                  django_assert_num_queries)
    assert response.context["page_obj"].paginator.count == 24  # the published ones (n % 4) of 33


def test_the_freshness_report_query_count_does_not_grow(client, olivia, amir, leo, django_assert_num_queries):
    principle = PrincipleFactory()
    _many(olivia, amir, 4, principle=principle)
    client.force_login(olivia)

    def grow():
        _many(olivia, leo, 20, principle=PrincipleFactory(), start=400)
        Resource.objects.filter(owner=leo).update(next_review_on=timezone.localdate() - timedelta(days=1))

    response = _assert_same_count(client, reverse("library:freshness"), grow, django_assert_num_queries)
    assert len(response.context["by_owner"]) == 2


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<a href="jAvAsCrIpT:alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS)
def test_markdown_in_a_resource_is_sanitized(client, olivia, payload):
    resource = make_resource(by=olivia, publish=True, body=f"Before\n\n{payload}\n\nAfter",
                             importance=payload, title=f"T {payload[:20]}")
    client.force_login(olivia)
    page = client.get(reverse("library:resource-detail", args=[resource.pk])).content.decode().lower()
    body = page.split('class="markdown-body"', 1)[1].split("</article>", 1)[0]
    for forbidden in ["<script", "onerror", "onload", "javascript:", "data:text", "<iframe", "<svg", "style="]:
        assert forbidden not in body, forbidden
    assert "<script>alert(1)" not in page
