import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxcoe.models import AuditEvent
from standards.models import Principle

from .factories import CommunicationFactory, PlanFactory, PrincipleFactory, StandardFactory, publish_standard

VALID = {"title": "We keep our promises", "statement": "When we say we will do something, we do it, on time.",
         "explanation": "Trust is built one kept promise at a time.", "examples": "- We call back when we said."}


def _order() -> list[str]:
    return list(Principle.objects.active().order_by("position", "pk").values_list("title", flat=True))


@pytest.fixture
def three(db):
    return [PrincipleFactory(title=title, position=i) for i, title in
            enumerate(["We make it easy", "We know our customers", "We keep our promises"])]


def test_everyone_reads_the_active_principles_in_order(client, eve, three):
    Principle.objects.filter(pk=three[0].pk).update(position=5)
    client.force_login(eve)
    response = client.get(reverse("standards:principle-list"))
    assert [p.title for p in response.context["active"]] == ["We know our customers", "We keep our promises",
                                                             "We make it easy"]
    assert response.context["archived"] == []
    html = response.content.decode()
    assert html.index("We know our customers") < html.index("We keep our promises") < html.index("We make it easy")
    assert three[1].statement in html
    assert reverse("standards:principle-create") not in html
    assert reverse("standards:principle-move", args=[three[0].pk]) not in html


def test_archived_principles_are_a_separate_section_for_coe_staff_only(client, olivia, eve, three):
    three[1].is_archived = True
    three[1].save()
    client.force_login(eve)
    response = client.get(reverse("standards:principle-list"))
    assert [p.title for p in response.context["active"]] == ["We make it easy", "We keep our promises"]
    assert "We know our customers" not in response.content.decode()
    client.force_login(olivia)
    response = client.get(reverse("standards:principle-list"))
    assert [p.title for p in response.context["archived"]] == ["We know our customers"]
    assert '<details class="card mt-4 archived-principles">' in response.content.decode()


def test_an_empty_list_says_what_to_do_next(client, olivia, eve):
    client.force_login(olivia)
    assert "New principle" in client.get(reverse("standards:principle-list")).content.decode()
    client.force_login(eve)
    assert "has not published the CX principles yet" in client.get(reverse("standards:principle-list")).content.decode()


def test_list_counts_only_the_published_standards_a_reader_may_see(client, olivia, leo, eve, sales, three):
    publish_standard(StandardFactory(principle=three[0], owner=olivia), audience_units=[sales])
    publish_standard(StandardFactory(principle=three[0], owner=olivia), audience_units=[])
    StandardFactory(principle=three[0], owner=olivia)  # a draft
    client.force_login(eve)
    counts = {p.title: p.standard_count for p in client.get(reverse("standards:principle-list")).context["active"]}
    assert counts["We make it easy"] == 1
    client.force_login(leo)
    counts = {p.title: p.standard_count for p in client.get(reverse("standards:principle-list")).context["active"]}
    assert counts["We make it easy"] == 2


def test_principle_page_shows_the_standards_and_plans_the_reader_may_see(client, olivia, leo, eve, sales, three):
    principle = three[0]
    for_sales = publish_standard(StandardFactory(principle=principle, owner=olivia, code="CX-STD-101",
                                                 title="Quote in plain words"), audience_units=[sales])
    for_all = publish_standard(StandardFactory(principle=principle, owner=olivia, code="CX-STD-102",
                                               title="Answer within a day"), audience_units=[])
    draft = StandardFactory(principle=principle, owner=olivia, code="CX-STD-103", title="Still being written")
    StandardFactory(principle=three[1], code="CX-STD-104", title="Another principle's standard")
    staff_plan = PlanFactory(owner=olivia, title="Launch the principles")
    staff_plan.principles.add(principle)
    leo_plan = PlanFactory(owner=leo, title="Sales promises")
    leo_plan.principles.add(principle)

    client.force_login(eve)
    response = client.get(principle.get_absolute_url())
    assert list(response.context["standards"]) == [for_all]
    assert response.context["plans"] == []
    html = response.content.decode()
    assert "CX-STD-102" in html
    assert "Published" in html
    assert "Quote in plain words" not in html
    assert "Communication plans that support it" not in html
    assert "library resources" not in html.lower()

    client.force_login(leo)
    response = client.get(principle.get_absolute_url())
    assert list(response.context["standards"]) == [for_sales, for_all]
    assert response.context["plans"] == [leo_plan]

    client.force_login(olivia)
    response = client.get(principle.get_absolute_url())
    assert list(response.context["standards"]) == [for_sales, for_all, draft]
    assert set(response.context["plans"]) == {staff_plan, leo_plan}
    assert "Not yet published" in response.content.decode()


def test_a_communication_owner_sees_the_plan_on_the_principle_page(client, olivia, amir, three):
    plan = PlanFactory(owner=olivia)
    plan.principles.add(three[0])
    CommunicationFactory(plan=plan, owner=amir)
    client.force_login(amir)
    assert client.get(three[0].get_absolute_url()).context["plans"] == [plan]


def test_staff_create_a_principle_at_the_end_of_the_list(client, olivia, three):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-create"), {**VALID, "title": "  We own the   journey "})
    principle = Principle.objects.get(title="We own the journey")
    assert response.status_code == 302
    assert response["Location"] == principle.get_absolute_url()
    assert _order()[-1] == "We own the journey"
    assert principle.explanation == VALID["explanation"]
    assert AuditEvent.objects.filter(verb="principle.created", target_id=str(principle.pk), actor=olivia).exists()


def test_create_with_empty_required_fields_keeps_input_and_saves_nothing(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-create"),
                           {"title": "", "statement": "  ", "explanation": "Kept as typed", "examples": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "statement"}
    html = response.content.decode()
    assert 'id="id_title_errors"' in html
    assert 'id="id_statement_errors"' in html
    assert "Kept as typed" in html
    assert not Principle.objects.exists()
    assert not AuditEvent.objects.filter(verb="principle.created").exists()


def test_a_duplicate_title_is_refused_whatever_its_case(client, olivia, three):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-create"), {**VALID, "title": "we make it EASY"})
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["Another principle already has this title."]
    assert Principle.objects.count() == 3


def test_staff_edit_a_principle(client, olivia, three):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-edit", args=[three[0].pk]),
                           {**VALID, "title": "We make it effortless"})
    assert response.status_code == 302
    three[0].refresh_from_db()
    assert (three[0].title, three[0].statement, three[0].position) == ("We make it effortless", VALID["statement"], 0)
    event = AuditEvent.objects.get(verb="principle.updated", target_id=str(three[0].pk))
    assert (event.actor, event.details) == (olivia, {  # the long texts are said to have changed, not copied
        "title": ["We make it easy", "We make it effortless"],
        "statement": ["Customers get what they came for without effort.", VALID["statement"]],
        "explanation": "changed", "what it looks like in practice": "changed",
    })


def test_saving_a_principle_unchanged_records_nothing(client, olivia, three):
    client.force_login(olivia)
    principle = three[0]
    response = client.post(reverse("standards:principle-edit", args=[principle.pk]), {
        "title": principle.title, "statement": principle.statement, "explanation": "", "examples": ""})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(verb="principle.updated").exists()


def test_edit_with_empty_fields_or_a_taken_title_changes_nothing(client, olivia, three):
    client.force_login(olivia)
    url = reverse("standards:principle-edit", args=[three[0].pk])
    response = client.post(url, {"title": "", "statement": "", "explanation": "", "examples": ""})
    assert set(response.context["form"].errors) == {"title", "statement"}
    response = client.post(url, {**VALID, "title": "We know our customers"})
    assert "title" in response.context["form"].errors
    three[0].refresh_from_db()
    assert three[0].title == "We make it easy"
    # Keeping its own title is no duplicate.
    assert client.post(url, {**VALID, "title": "We make it easy"}).status_code == 302


def test_staff_move_principles_up_and_down(client, olivia, three):
    client.force_login(olivia)
    url = reverse("standards:principle-move", args=[three[2].pk])
    response = client.post(url, {"direction": "up"})
    assert response["Location"] == f"{reverse('standards:principle-list')}#principle-{three[2].pk}"
    assert _order() == ["We make it easy", "We keep our promises", "We know our customers"]
    client.post(url, {"direction": "up"})
    assert _order() == ["We keep our promises", "We make it easy", "We know our customers"]
    client.post(url, {"direction": "down"})
    assert _order() == ["We make it easy", "We keep our promises", "We know our customers"]
    assert AuditEvent.objects.filter(verb="principle.moved").count() == 3


def test_moving_past_either_end_or_without_a_direction_changes_nothing(client, olivia, three):
    client.force_login(olivia)
    client.post(reverse("standards:principle-move", args=[three[0].pk]), {"direction": "up"})
    client.post(reverse("standards:principle-move", args=[three[2].pk]), {"direction": "down"})
    response = client.post(reverse("standards:principle-move", args=[three[1].pk]), {"direction": "sideways"},
                           follow=True)
    assert "Choose whether to move the principle up or down." in response.content.decode()
    assert _order() == ["We make it easy", "We know our customers", "We keep our promises"]
    assert not AuditEvent.objects.filter(verb="principle.moved").exists()


def test_an_archived_principle_is_not_moved(client, olivia, three):
    Principle.objects.filter(pk=three[0].pk).update(is_archived=True)
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-move", args=[three[0].pk]), {"direction": "down"},
                           follow=True)
    assert "Restore it first" in response.content.decode()
    assert _order() == ["We know our customers", "We keep our promises"]


def test_staff_archive_and_restore_a_principle(client, olivia, eve, three):
    client.force_login(olivia)
    url = reverse("standards:principle-archive", args=[three[1].pk])
    response = client.post(url, {"archived": "1"})
    assert response["Location"] == three[1].get_absolute_url()
    three[1].refresh_from_db()
    assert three[1].is_archived
    assert _order() == ["We make it easy", "We keep our promises"]
    client.force_login(eve)
    page = client.get(three[1].get_absolute_url())
    assert page.status_code == 200  # still readable where standards link to it
    assert "This principle is archived" in page.content.decode()
    client.force_login(olivia)
    client.post(url, {"archived": "0"})
    three[1].refresh_from_db()
    assert not three[1].is_archived
    assert list(AuditEvent.objects.filter(target_id=str(three[1].pk), verb__startswith="principle.")
                .values_list("verb", flat=True)
                .order_by("pk")) == ["principle.archived", "principle.restored"]


def test_archive_without_a_choice_changes_nothing(client, olivia, three):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-archive", args=[three[0].pk]), {"archived": "maybe"})
    assert response.status_code == 302
    three[0].refresh_from_db()
    assert not three[0].is_archived


def test_delete_is_refused_while_a_standard_points_to_the_principle(client, olivia, three):
    StandardFactory(principle=three[0])
    client.force_login(olivia)
    url = reverse("standards:principle-delete", args=[three[0].pk])
    page = client.get(url).content.decode()
    assert "can't be deleted" in page
    assert "1 standard" in page
    assert reverse("standards:principle-archive", args=[three[0].pk]) in page
    response = client.post(url)
    assert response.status_code == 200
    assert "Archive it instead" in response.content.decode()
    three[0].refresh_from_db()
    assert not three[0].is_archived
    assert not AuditEvent.objects.filter(verb="principle.deleted").exists()


def test_delete_is_refused_while_a_plan_points_to_the_principle(client, olivia, three):
    PlanFactory(owner=olivia).principles.add(three[0])
    client.force_login(olivia)
    url = reverse("standards:principle-delete", args=[three[0].pk])
    assert "1 communication plan" in client.get(url).content.decode()
    client.post(url)
    assert Principle.objects.filter(pk=three[0].pk).exists()


def test_staff_delete_a_principle_nothing_points_to(client, olivia, three):
    client.force_login(olivia)
    url = reverse("standards:principle-delete", args=[three[1].pk])
    assert "Delete “We know our customers”?" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("standards:principle-list")
    assert _order() == ["We make it easy", "We keep our promises"]
    event = AuditEvent.objects.get(verb="principle.deleted")
    assert event.details == {"title": "We know our customers"}


@pytest.mark.parametrize(("name", "data"), [
    ("standards:principle-create", VALID),
    ("standards:principle-edit", VALID),
    ("standards:principle-move", {"direction": "down"}),
    ("standards:principle-archive", {"archived": "1"}),
    ("standards:principle-delete", {}),
])
def test_only_coe_staff_change_principles(client, leo, three, name, data):
    client.force_login(leo)
    args = [] if name == "standards:principle-create" else [three[0].pk]
    assert client.post(reverse(name, args=args), data).status_code == 403
    assert _order() == ["We make it easy", "We know our customers", "We keep our promises"]
    assert Principle.objects.get(pk=three[0].pk).title == "We make it easy"


@pytest.mark.parametrize("field", ["explanation", "examples"])
@pytest.mark.parametrize(("text", "forbidden"), [
    ("<script>alert(1)</script>", "<script>alert"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ('<p onclick="alert(1)">hi</p>', "onclick"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('<div style="position:fixed">x</div>', "position:fixed"),
])
def test_markdown_fields_are_rendered_without_anything_that_could_run(client, eve, field, text, forbidden):
    principle = PrincipleFactory(**{"explanation": "x", "examples": "x", field: f"**Bold** words\n\n{text}"})
    client.force_login(eve)
    html = client.get(principle.get_absolute_url()).content.decode()
    assert "<strong>Bold</strong>" in html
    assert forbidden not in html


def test_principle_list_query_count_does_not_grow(client, olivia, eve, sales, django_assert_num_queries):
    principles = PrincipleFactory.create_batch(2)
    publish_standard(StandardFactory(principle=principles[0], owner=olivia), audience_units=[sales])
    for user in (olivia, eve):
        client.force_login(user)
        client.get(reverse("standards:principle-list"))
    counts = {}
    for user in (olivia, eve):
        client.force_login(user)
        with CaptureQueriesContext(connection) as small:
            client.get(reverse("standards:principle-list"))
        counts[user.pk] = len(small)
    more = PrincipleFactory.create_batch(12)
    Principle.objects.filter(pk__in=[p.pk for p in more[:4]]).update(is_archived=True)
    for principle in more[4:8]:
        publish_standard(StandardFactory(principle=principle, owner=olivia))
    for user in (olivia, eve):
        client.force_login(user)
        with django_assert_num_queries(counts[user.pk]):
            response = client.get(reverse("standards:principle-list"))
        assert len(response.context["active"]) == 10


def test_principle_detail_query_count_does_not_grow(client, olivia, leo, eve, sales, django_assert_num_queries):
    principle = PrincipleFactory(explanation="Why", examples="- How")
    publish_standard(StandardFactory(principle=principle, owner=olivia))
    PlanFactory(owner=leo).principles.add(principle)
    counts = {}
    for user in (olivia, leo, eve):
        client.force_login(user)
        client.get(principle.get_absolute_url())
        with CaptureQueriesContext(connection) as small:
            client.get(principle.get_absolute_url())
        counts[user.pk] = len(small)
    for _ in range(8):
        publish_standard(StandardFactory(principle=principle, owner=olivia), audience_units=[sales])
        StandardFactory(principle=principle, owner=leo)
        PlanFactory(owner=leo).principles.add(principle)
        plan = PlanFactory(owner=olivia)
        plan.principles.add(principle)
        CommunicationFactory(plan=plan, owner=leo)
    for user in (olivia, leo, eve):
        client.force_login(user)
        with django_assert_num_queries(counts[user.pk]):
            response = client.get(principle.get_absolute_url())
        assert len(response.context["standards"]) >= 1
    assert len(response.context["standards"]) == 1  # eve, in Support, sees only the whole-organization one
