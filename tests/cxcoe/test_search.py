"""The site search (the top bar's box): each kind of object found, grouped, each hit linking to its page; nothing a
person may not read; the empty states; and as many queries however much there is to search."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cxcoe.dashboard.forms import SearchForm
from cxcoe.lib.search import highlight
from library.services.resources import archive_resource
from standards.models import Standard
from standards.services.principles import set_principle_archived

from ..library.factories import make_resource
from ..standards.factories import PrincipleFactory, StandardFactory, publish_standard
from ..steps import page_text, same_queries_after


def _search(client, person, query: str):
    client.force_login(person)
    return client.get(reverse("search"), {"q": query})


def _found(response) -> dict[str, list[str]]:
    """The hits' titles by group."""
    return {group.label: [hit.title for hit in group.hits] for group in response.context["groups"]}


@pytest.fixture
def complaints(olivia, support):
    """A resource, a standard and a principle about complaints, for Customer Support (Eve's unit)."""
    principle = PrincipleFactory(title="We own our mistakes", statement="When we get it wrong, complaints are "
                                                                         "answered by the person who heard them.")
    standard = publish_standard(StandardFactory(code="CX-FIND-031", title="Answer within a day", principle=principle,
                                                statement="Acknowledge complaints within one working day."),
                                audience_units=[support])
    resource = make_resource(by=olivia, title="Calling back after a complaint", publish=True,
                             audience_units=[support], body="Call within a day. Listen to the complaints first.")
    return {"principle": principle, "standard": standard, "resource": resource}


def test_each_kind_is_found_grouped_and_links_to_its_page(client, eve, complaints):
    response = _search(client, eve, "complaints")
    assert _found(response) == {"Resources": ["Calling back after a complaint"],
                                "Standards": ["Answer within a day"], "Principles": ["We own our mistakes"]}
    html = response.content.decode()
    for name in ("resource", "standard", "principle"):
        assert f'href="{complaints[name].get_absolute_url()}"' in html
    text = page_text(response)
    assert "3 results for “complaints”" in text
    assert "1 library resource matches" in text
    assert "1 standard matches" in text
    assert "1 principle matches" in text
    assert "Standard CX-FIND-031" in text  # each hit says what kind it is
    assert "Article" in text
    # Each count links to the list of what it counts.
    assert f'href="{reverse("library:resource-list")}?q=complaints"' in html
    assert f'href="{reverse("standards:standard-list")}?q=complaints"' in html


def test_the_counts_are_those_of_the_lists_they_link_to(client, eve, complaints):
    group = {group.label: group for group in _search(client, eve, "complaints").context["groups"]}
    standards = client.get(group["Standards"].list_url).context["standards"]
    assert [standard.code for standard in standards] == ["CX-FIND-031"]  # found by its statement there too
    resources = client.get(group["Resources"].list_url).context["resources"]
    assert [resource.title for resource in resources] == ["Calling back after a complaint"]


def test_a_resource_for_operations_is_found_by_its_people_not_by_eve(client, eve, una, olivia, operations):
    make_resource(by=olivia, title="Shipping delays explained", publish=True, audience_units=[operations])
    assert _found(_search(client, eve, "shipping")) == {}
    assert _found(_search(client, una, "shipping")) == {"Resources": ["Shipping delays explained"]}


def test_a_draft_is_found_by_its_owner_and_coe_staff_only(client, eve, leo, olivia):
    make_resource(by=olivia, owner=leo, title="Escalation ladder for key accounts")
    assert _found(_search(client, eve, "escalation")) == {}
    for person in (leo, olivia):
        response = _search(client, person, "escalation")
        assert _found(response) == {"Resources": ["Escalation ladder for key accounts"]}
        assert response.context["groups"][0].hits[0].badges[0].label == "Draft"


def test_archived_resources_and_principles_leave_search(client, eve, olivia, complaints):
    archive_resource(resource=complaints["resource"], by=olivia, note="Replaced")
    set_principle_archived(principle=complaints["principle"], by=olivia, archived=True)
    for person in (eve, olivia):
        assert _found(_search(client, person, "complaints")) == {"Standards": ["Answer within a day"]}


def test_a_standard_not_for_eve_is_not_found_by_her(client, eve, leo, olivia, sales, complaints):
    publish_standard(StandardFactory(code="CX-FIND-032", title="Key account complaints", principle=complaints[
        "principle"]), audience_units=[sales])
    assert _found(_search(client, eve, "complaints"))["Standards"] == ["Answer within a day"]
    assert _found(_search(client, leo, "complaints"))["Standards"] == ["Key account complaints"]


def test_a_title_match_comes_before_a_statement_match(client, eve, support, complaints):
    publish_standard(StandardFactory(code="CX-FIND-030", title="Complaints get a name", principle=complaints[
        "principle"], statement="Every case has an owner."), audience_units=[support])
    assert _found(_search(client, eve, "complaints"))["Standards"] == ["Complaints get a name", "Answer within a day"]


def test_a_stale_resource_says_so(client, eve, olivia, support):
    make_resource(by=olivia, title="Refund policy in plain words", publish=True, audience_units=[support],
                  today=timezone.localdate() - timedelta(days=200))
    hit = _search(client, eve, "refund").context["groups"][0].hits[0]
    assert [badge.label for badge in hit.badges] == ["Stale: past its review date"]
    assert "Stale: past its review date" in page_text(_search(client, eve, "refund"))


def test_a_snippet_escapes_the_text_and_marks_the_words(client, eve, olivia, support):
    make_resource(by=olivia, title="Hostile input", publish=True, audience_units=[support],
                  body='<script>alert("x")</script> A refund <b onmouseover="x()">now</b> if 1 < 2 & "refund" > 0.')
    response = _search(client, eve, "refund")
    snippet = str(response.context["groups"][0].hits[0].snippet)
    assert "<mark>refund</mark>" in snippet
    unmarked = re.sub(r"</?mark>", "", snippet)
    assert "<" not in unmarked
    assert ">" not in unmarked
    assert '"' not in unmarked
    assert "&quot;" in unmarked
    assert "<script>alert" not in response.content.decode()


def test_a_plain_snippet_escapes_the_text_and_marks_the_words():
    snippet = highlight('<script>alert("refund")</script> A Refund & <b>more</b>', ["refund"])
    assert snippet == ("&lt;script&gt;alert(&quot;<mark>refund</mark>&quot;)&lt;/script&gt; A <mark>Refund</mark> "
                       "&amp; &lt;b&gt;more&lt;/b&gt;")


def test_a_plain_snippet_starts_near_the_first_word_found():
    text = " ".join(f"word{n}" for n in range(200)) + " refund " + " ".join(f"more{n}" for n in range(200))
    snippet = highlight(text, ["refund"])
    assert snippet.startswith("… ")
    assert snippet.endswith(" …")
    assert "<mark>refund</mark>" in snippet
    assert len(snippet) < 260


def test_a_principle_match_shows_its_words_marked(client, eve, complaints):
    hit = _found_hits(_search(client, eve, "mistakes"), "Principles")[0]
    assert hit.title == "We own our mistakes"
    assert "<mark>" not in hit.title
    assert "complaints are answered" in hit.snippet
    complaints_hit = _found_hits(_search(client, eve, "answered"), "Principles")[0]
    assert "<mark>answered</mark>" in complaints_hit.snippet


def _found_hits(response, label):
    return next(group.hits for group in response.context["groups"] if group.label == label)


def test_without_a_query_the_page_says_what_it_searches(client, eve, complaints):
    client.force_login(eve)
    response = client.get(reverse("search"))
    assert response.context["groups"] == []
    assert "Search the library, the standards and the principles." in page_text(response)


def test_nothing_found_suggests_fewer_words_and_asking_for_content(client, eve, complaints):
    response = _search(client, eve, "complaints about parking")
    text = page_text(response)
    assert "Nothing you can read matches “complaints about parking”." in text
    assert "Try fewer words" in text
    assert f'href="{reverse("library:request-create")}"' in response.content.decode()


def test_too_long_a_query_is_an_error_beside_the_box(client, eve):
    response = _search(client, eve, "x" * 201)
    assert response.status_code == 200
    assert response.context["form"].errors["q"]
    assert response.context["groups"] == []


def test_a_query_is_shown_escaped(client, eve):
    response = _search(client, eve, "<img src=x onerror=alert(1)>")
    assert "<img src=x" not in response.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.content.decode()


def test_the_top_bar_has_the_search_box_on_every_page(client, eve):
    client.force_login(eve)
    html = client.get(reverse("home")).content.decode()
    assert 'role="search"' in html
    assert f'action="{reverse("search")}"' in html
    assert '<label class="visually-hidden" for="site-search">' in html
    assert f'maxlength="{SearchForm.base_fields["q"].max_length}"' in html


def test_the_search_page_takes_as_many_queries_however_much_matches(client, eve, olivia, support, complaints,
                                                                    django_assert_num_queries):
    def grow():
        principle = complaints["principle"]
        for n in range(12):
            make_resource(by=olivia, title=f"Complaints playbook {n}", publish=True, audience_units=[support])
            standard = publish_standard(StandardFactory(principle=principle, title=f"Complaints rule {n}"),
                                        audience_units=[support])
            assert standard.status == Standard.Status.PUBLISHED
            PrincipleFactory(title=f"Complaints matter {n}")

    client.force_login(eve)
    response = same_queries_after(client, f"{reverse('search')}?q=complaints", grow, django_assert_num_queries)
    assert [(group.count, len(group.hits)) for group in response.context["groups"]] == [(13, 10)] * 3
    assert "The best 10 are shown." in page_text(response)
