"""The pickers (cxcoe/lib/pickers.py): units shown as the tree, people found by the directory's search.

Both are plain controls first (a select indented by depth, an email box): these tests read the HTML the server
sends; tests/browser/test_pickers.py types into them.
"""

import re
import runpy
from datetime import timedelta
from html import unescape
from pathlib import Path

import factory
import pytest
from django.urls import reverse
from django.utils import timezone

from cxcoe.lib.pickers import UnitChoiceField, UnitMultipleChoiceField, split_emails
from cxcoe.models import BusinessUnit
from cxcoe.people.forms import PeopleFilterForm, PersonForm, UnitForm
from standards.forms import CommunicationForm, PlanForm, StandardSettingsForm
from standards.models import CommunicationPlan

from ..factories import BusinessUnitFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
def factory_name(first: str):
    return factory.Sequence(lambda n: f"{first} {n:03d}")


OPTION = re.compile(r'<option value="(\d*)"([^>]*)>([^<]*)</option>')


def options(html: str) -> list[tuple[str, dict[str, str], str]]:
    """The options of a rendered select: (value, data attributes, label as shown)."""
    return [(value, dict(re.findall(r'data-([\w-]+)="([^"]*)"', unescape(attrs))), unescape(label))
            for value, attrs, label in OPTION.findall(html)]


def test_the_vendored_tom_select_is_the_one_package_json_names():
    copy = runpy.run_path(str(ROOT / "bin" / "tom-select"))
    if not copy["SOURCE"].is_dir():
        pytest.skip("node_modules/tom-select is not installed")
    for source, name in copy["FILES"].items():
        assert (copy["FOLDER"] / name).read_bytes() == (copy["SOURCE"] / source).read_bytes(), "run bin/tom-select"


def test_units_show_as_the_tree_whatever_the_order_of_their_codes(acme, sales, enterprise_sales, support):
    # "SAL-X" sorts between "SAL" and "SAL/SAL-01" as text; the tree keeps Sales's own units under it.
    BusinessUnitFactory(code="SAL-X", name="Sales Excellence", parent=acme)
    field = UnitChoiceField(queryset=BusinessUnit.objects.all(), empty_label="All units")
    shown = options(field.widget.render("unit", None))
    assert [(value, label) for value, _data, label in shown] == [
        ("", "All units"),
        (str(acme.pk), "Acme"),
        (str(sales.pk), "\u00a0\u00a0\u00a0Sales"),
        (str(enterprise_sales.pk), "\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0Enterprise Sales"),
        (str(BusinessUnit.objects.get(code="SAL-X").pk), "\u00a0\u00a0\u00a0Sales Excellence"),
        (str(support.pk), "\u00a0\u00a0\u00a0Customer Support"),
    ]
    by_code = {data.get("code"): data for _value, data, _label in shown}
    assert by_code["SAL-01"] == {"code": "SAL-01", "depth": "2", "above": "Acme \u203a Sales"}
    assert "above" not in by_code["ACME"]


def test_a_unit_below_an_archived_one_still_names_it(acme, sales, enterprise_sales, django_assert_num_queries):
    BusinessUnit.objects.filter(pk=sales.pk).update(is_active=False)
    field = UnitMultipleChoiceField(queryset=BusinessUnit.objects.filter(is_active=True))
    with django_assert_num_queries(2):  # the units, then the names of the archived ones above them
        shown = options(field.widget.render("units", None))
    assert [(data["code"], data.get("above"), label.strip()) for _value, data, label in shown] == [
        ("ACME", None, "Acme"), ("SAL-01", "Acme \u203a Sales", "Enterprise Sales")]


@pytest.mark.parametrize("size", [10, 500])
def test_the_unit_picker_reads_its_units_in_one_query(acme, size, django_assert_num_queries):
    parents = BusinessUnit.objects.bulk_create(
        BusinessUnit(code=f"D{n:03d}", name=f"Division {n}", parent=acme, path=f"{acme.path}D{n:03d}/", depth=1)
        for n in range(size // 10))
    BusinessUnit.objects.bulk_create(
        BusinessUnit(code=f"{p.code}-{n}", name=f"Team {n}", parent=p, path=f"{p.path}{p.code}-{n}/", depth=2)
        for p in parents for n in range(9))
    form = StandardSettingsForm(prefix="standard")
    with django_assert_num_queries(1):
        html = str(form["audience_units"])
    assert len(options(html)) == 1 + size // 10 * 10
    assert 'data-unit-picker=""' in html
    assert "multiple" in html


def test_every_unit_choice_of_the_app_is_a_unit_picker(olivia, sales):
    forms = [PersonForm(instance=olivia), UnitForm(instance=sales), PeopleFilterForm(),
             StandardSettingsForm(), PlanForm(user=olivia)]
    unit_fields = {(type(form).__name__, name): type(field).__name__ for form in forms
                   for name, field in form.fields.items()
                   if getattr(getattr(field, "queryset", None), "model", None) is BusinessUnit}
    assert unit_fields == {
        ("PersonForm", "business_unit"): "UnitChoiceField", ("UnitForm", "parent"): "UnitChoiceField",
        ("PeopleFilterForm", "unit"): "UnitChoiceField", ("StandardSettingsForm", "audience_units"):
            "UnitMultipleChoiceField", ("PlanForm", "audience_units"): "UnitMultipleChoiceField"}


def test_a_plan_sent_back_keeps_the_units_and_the_person_picked(client, olivia, leo, sales, support):
    client.force_login(olivia)
    today = timezone.localdate()
    response = client.post(reverse("standards:plan-create"), {
        "title": "Launch", "objective": "Everyone knows.", "owner_email": "LEO@acme.example",
        "audience_role": "everyone", "audience_units": [support.pk, sales.pk],
        "starts_on": today.isoformat(), "ends_on": (today - timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    assert not CommunicationPlan.objects.exists()
    html = response.content.decode()
    picker = re.search(r'<select name="audience_units".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"[^>]*selected', picker) == [str(sales.pk), str(support.pk)]  # tree order
    owner = re.search(r'<input type="email" name="owner_email"[^>]*>', html).group(0)
    assert 'value="LEO@acme.example"' in owner
    assert ('data-people="[{&quot;email&quot;: &quot;leo@acme.example&quot;, '
            '&quot;name&quot;: &quot;Leo Marsh&quot;}]"') in owner
    assert 'data-lookup-url="/manage/people/lookup/"' in owner


def test_the_leaders_box_shows_each_leader_by_name_and_keeps_an_unknown_address(client, olivia, leo, sales):
    client.force_login(olivia)
    response = client.post(reverse("unit-edit", args=[sales.pk]), {
        "name": "Sales", "parent": sales.parent_id, "is_active": "on",
        "leader_emails": "leo@acme.example; ghost@acme.example"})
    html = response.content.decode()
    box = re.search(r'<textarea name="leader_emails"[^>]*>', html).group(0)
    assert 'data-person-picker="many"' in box
    assert ("[{&quot;email&quot;: &quot;leo@acme.example&quot;, &quot;name&quot;: &quot;Leo Marsh&quot;}, "
            "{&quot;email&quot;: &quot;ghost@acme.example&quot;, &quot;name&quot;: &quot;&quot;}]") in box
    assert "Nobody active has the address ghost@acme.example." in html


def test_a_box_holding_what_no_address_holds_still_shows(olivia):
    form = StandardSettingsForm({"standard-owner_email": "a\x00b", "standard-approver_email": "x" * 400},
                                prefix="standard")
    assert not form.is_valid()
    assert "data-person-picker" in str(form["owner_email"]) + str(form["approver_email"])


def test_addresses_split_on_commas_semicolons_spaces_and_lines():
    assert split_emails("Leo@acme.example, una@acme.example;\nleo@acme.example  eve@acme.example") == [
        "leo@acme.example", "una@acme.example", "eve@acme.example"]
    assert split_emails("") == []


def test_only_pages_with_a_picker_load_tom_select(client, olivia):
    client.force_login(olivia)
    assert "tom-select" not in client.get(reverse("home")).content.decode()
    page = client.get(reverse("unit-create")).content.decode()
    assert page.count("vendor/tom-select/tom-select.popular.min.js") == 1
    assert '<script src="/static/js/pickers.js" defer></script>' in page


def test_someone_who_may_not_search_people_types_an_address(leo, sales):
    plan = CommunicationPlan(owner=leo, title="Sales week", starts_on=timezone.localdate(),
                             ends_on=timezone.localdate())
    form = CommunicationForm(plan=plan, user=leo)
    html = str(form["owner_email"])
    assert "data-person-picker" not in html
    assert "data-lookup-url" not in html
    assert str(form.media) == ""


# The search behind the person pickers.


def test_the_search_finds_active_people_by_part_of_their_name_or_address(client, olivia, leo, eve):
    UserFactory(email="lena.gone@acme.example", display_name="Lena Gone", is_active=False)
    UserFactory(email="marta.leblanc@acme.example", display_name="Marta Leblanc")
    UserFactory(email="ale@acme.example", display_name="Alessandro Ruiz")
    client.force_login(olivia)
    answer = client.get(reverse("person-lookup"), {"q": " LE "}).json()
    # Names that start with it, then a word or an address that does, then the rest; a deactivated person never.
    assert [person["name"] for person in answer["results"]] == [
        "Leo Marsh", "Marta Leblanc", "Alessandro Ruiz", "Eve Walker", "Olivia Hart"]
    assert answer["results"][0] == {"email": "leo@acme.example", "name": "Leo Marsh"}


def test_the_search_waits_for_two_letters_and_answers_twenty_at_most(client, olivia):
    UserFactory.create_batch(25, display_name=factory_name("Sam"))
    client.force_login(olivia)
    assert client.get(reverse("person-lookup"), {"q": "s"}).json() == {"results": []}
    assert len(client.get(reverse("person-lookup"), {"q": "sam"}).json()["results"]) == 20
    assert client.get(reverse("person-lookup"), {"q": "x" * 5000}).json() == {"results": []}


def test_people_without_access_learn_nothing_from_the_search(client, leo, eve):
    for person, other in ((leo, eve), (eve, leo)):
        client.force_login(person)
        response = client.get(reverse("person-lookup"), {"q": other.display_name[:3]})
        assert response.status_code == 403
        assert other.email.encode() not in response.content


@pytest.mark.parametrize("size", [5, 60])
def test_the_search_reads_the_same_queries_at_any_size(client, olivia, size, django_assert_num_queries):
    UserFactory.create_batch(size, display_name=factory_name("Robin"))
    client.force_login(olivia)
    client.get(reverse("person-lookup"), {"q": "robin"})  # the session, read once
    with django_assert_num_queries(4):  # the session, the person signed in, their CoE staff role, the search
        answer = client.get(reverse("person-lookup"), {"q": "robin"}).json()
    assert len(answer["results"]) == min(size, 20)
