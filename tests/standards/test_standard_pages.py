"""The standards pages as each role sees them: the list and its export, a standard, its versions, progress,
approvals, "My work", the forms, sanitized Markdown and query counts.

Olivia (CoE staff) writes standards; Oscar (CoE staff) approves them; Leo leads Sales (Amir works below him in
Enterprise Sales); Bianca and Eve work in Customer Support; Una leads Operations.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe import tasks
from cxcoe.people import services as people_services
from standards import tallies
from standards.metrics import acknowledgement_rates
from standards.models import Acknowledgement, AcknowledgementTally, Standard, StandardVersion
from standards.services.acknowledgements import acknowledge_standard, sync_acknowledgements
from standards.services.catalogue import retire_standard, review_standard, update_standard
from standards.services.versions import (
    save_draft,
    send_back,
    submit_version,
    withdraw_submission,
)

from ..factories import BusinessUnitFactory, UserFactory
from ..steps import csv_rows
from .factories import PrincipleFactory, StandardFactory, publish_standard, revise_standard


def _codes(response) -> list[str]:
    return [standard.code for standard in response.context["standards"]]


@pytest.fixture
def catalog(olivia, oscar, leo, amir, bianca, eve, una, sales, support):
    """Five standards, one in each state a reader meets."""
    today = timezone.localdate()
    easy = PrincipleFactory(title="We make it easy")
    fast = PrincipleFactory(title="We answer fast")
    quote = publish_standard(StandardFactory(code="CX-STD-101", title="Quote in plain words", principle=easy,
                                             author=olivia, owner=leo, requires_acknowledgement=True,
                                             audience_units=[sales]), approver=oscar)
    answer = publish_standard(StandardFactory(code="CX-STD-102", title="Answer within a day", principle=fast,
                                              author=olivia, owner=olivia, requires_acknowledgement=True,
                                              audience_units=[support]), approver=oscar)
    greet = publish_standard(StandardFactory(code="CX-STD-103", title="Greet customers by name", principle=easy,
                                             author=olivia, owner=olivia, approver=leo), approver=leo)
    revise_standard(greet, olivia, submit=True, title="Greet customers by their name")
    StandardFactory(code="CX-STD-104", title="Still being written", principle=fast, author=olivia, owner=olivia,
                    audience_units=[support])
    fax = publish_standard(StandardFactory(code="CX-STD-105", title="Confirm by fax", principle=fast, author=olivia),
                           approver=oscar)
    retire_standard(standard=fax, by=olivia, note="Nobody has a fax")
    Standard.objects.filter(pk=quote.pk).update(next_review_on=today + timedelta(days=10))
    Standard.objects.filter(pk=answer.pk).update(next_review_on=today - timedelta(days=5))
    Standard.objects.filter(pk=greet.pk).update(next_review_on=today + timedelta(days=200))
    return {"easy": easy, "fast": fast, **{s.code: s for s in Standard.objects.all()}}


# The list


def test_each_reader_sees_the_released_standards_meant_for_them(client, catalog, olivia, amir, eve, leo):
    expected = {
        eve: ["CX-STD-102", "CX-STD-103", "CX-STD-105"],
        amir: ["CX-STD-101", "CX-STD-103", "CX-STD-105"],
        leo: ["CX-STD-101", "CX-STD-103", "CX-STD-105"],
        olivia: ["CX-STD-101", "CX-STD-102", "CX-STD-103", "CX-STD-104", "CX-STD-105"],
    }
    for person, codes in expected.items():
        client.force_login(person)
        assert _codes(client.get(reverse("standards:standard-list"))) == codes, person


@pytest.mark.parametrize(("query", "codes"), [
    ({"status": "published"}, ["CX-STD-101", "CX-STD-102", "CX-STD-103"]),
    ({"status": "draft"}, ["CX-STD-104"]),
    ({"status": "retired"}, ["CX-STD-105"]),
    ({"status": "awaiting"}, ["CX-STD-103"]),
    ({"owner": "me"}, ["CX-STD-102", "CX-STD-103", "CX-STD-104"]),
    ({"owner": "none"}, ["CX-STD-105"]),
    ({"review": "stale"}, ["CX-STD-102"]),
    ({"review": "soon"}, ["CX-STD-101"]),
    ({"review": "ok"}, ["CX-STD-103"]),
    ({"ack": "required"}, ["CX-STD-101", "CX-STD-102"]),
    ({"ack": "none"}, ["CX-STD-103", "CX-STD-104", "CX-STD-105"]),
    ({"q": "plain"}, ["CX-STD-101"]),
    ({"q": "cx-std-102"}, ["CX-STD-102"]),
    ({"q": "nothing like it"}, []),
    ({"status": "published", "review": "stale", "owner": "me"}, ["CX-STD-102"]),
    ({"approver": "me"}, ["CX-STD-101", "CX-STD-102", "CX-STD-104", "CX-STD-105"]),  # no approver: any CoE staff
    ({"approver": "others"}, ["CX-STD-103"]),
    ({"status": "awaiting", "approver": "others"}, ["CX-STD-103"]),
    ({"status": "awaiting", "approver": "me"}, []),
])
def test_coe_staff_filter_the_list(client, catalog, olivia, query, codes):
    client.force_login(olivia)
    response = client.get(reverse("standards:standard-list"), query)
    assert _codes(response) == codes
    if not codes:
        assert "No standards match these filters." in response.content.decode()


def test_the_list_filters_by_principle(client, catalog, olivia):
    client.force_login(olivia)
    response = client.get(reverse("standards:standard-list"), {"principle": catalog["easy"].pk})
    assert _codes(response) == ["CX-STD-101", "CX-STD-103"]


def test_a_leader_filters_by_the_standards_he_approves(client, catalog, leo):
    client.force_login(leo)
    assert _codes(client.get(reverse("standards:standard-list"), {"approver": "me"})) == ["CX-STD-103"]
    assert _codes(client.get(reverse("standards:standard-list"), {"approver": "others"})) == ["CX-STD-101",
                                                                                              "CX-STD-105"]


def test_overdue_lists_the_standards_with_acknowledgements_past_their_date_among_those_one_follows(
        client, catalog, olivia, leo, amir, eve, bianca):
    yesterday = timezone.localdate() - timedelta(days=1)
    Acknowledgement.objects.filter(person__in=[amir, eve]).update(due_on=yesterday)
    for code in ("CX-STD-101", "CX-STD-102"):
        tallies.count(catalog[code])
    client.force_login(olivia)
    response = client.get(reverse("standards:standard-list"), {"ack": "overdue"})
    assert [(s.code, s.ack_overdue) for s in response.context["standards"]] == [("CX-STD-101", 1),
                                                                                ("CX-STD-102", 1)]
    assert "1 overdue" in response.content.decode()
    client.force_login(leo)  # Amir works below him; Eve does not
    assert _codes(client.get(reverse("standards:standard-list"), {"ack": "overdue"})) == ["CX-STD-101"]
    acknowledge_standard(standard=catalog["CX-STD-101"], by=amir)
    assert _codes(client.get(reverse("standards:standard-list"), {"ack": "overdue"})) == []
    client.force_login(eve)  # her own
    assert _codes(client.get(reverse("standards:standard-list"), {"ack": "overdue"})) == ["CX-STD-102"]
    client.force_login(bianca)
    assert _codes(client.get(reverse("standards:standard-list"), {"ack": "overdue"})) == []


def test_pending_for_me_lists_what_i_must_acknowledge(client, catalog, olivia, eve, bianca):
    acknowledge_standard(standard=catalog["CX-STD-102"], by=bianca)
    client.force_login(eve)
    response = client.get(reverse("standards:standard-list"), {"ack": "pending_me"})
    assert _codes(response) == ["CX-STD-102"]
    assert "Please acknowledge" in response.content.decode()
    client.force_login(bianca)
    assert _codes(client.get(reverse("standards:standard-list"), {"ack": "pending_me"})) == []
    client.force_login(olivia)
    assert _codes(client.get(reverse("standards:standard-list"), {"ack": "pending_me"})) == []


def test_the_list_shows_acknowledgement_progress_and_approvals_waiting(client, catalog, olivia, bianca, leo, amir,
                                                                      support):
    acknowledge_standard(standard=catalog["CX-STD-102"], by=bianca)
    # Amir joins Support: no longer asked for the Sales standard, asked for the Support one by the sweep.
    people_services.update_person(person=amir, by=olivia, business_unit=support)
    for code in ("CX-STD-101", "CX-STD-102"):
        sync_acknowledgements(standard=catalog[code], today=timezone.localdate())
    client.force_login(olivia)
    response = client.get(reverse("standards:standard-list"))
    rows = {standard.code: standard for standard in response.context["standards"]}
    assert (rows["CX-STD-102"].ack_done, rows["CX-STD-102"].ack_asked) == (1, 3)
    assert (rows["CX-STD-101"].ack_done, rows["CX-STD-101"].ack_asked) == (0, 1)
    assert rows["CX-STD-103"].is_awaiting
    assert not rows["CX-STD-101"].is_awaiting
    html = response.content.decode()
    assert "33% <span class=\"small text-body-secondary\">(1/3)</span>" in html


def test_the_export_has_the_filtered_rows_and_the_counts(client, catalog, olivia, leo):
    acknowledge_standard(standard=catalog["CX-STD-101"], by=leo)
    client.force_login(olivia)
    response = client.get(reverse("standards:standard-export"), {"status": "published"})
    assert response["Content-Disposition"] == 'attachment; filename="standards.csv"'
    today = timezone.localdate()
    assert csv_rows(response) == [
        ["code", "title", "principle", "status", "owner", "next_review", "needs_acknowledgement", "asked",
         "acknowledged"],
        ["CX-STD-101", "Quote in plain words", "We make it easy", "Published", "leo@acme.example",
         (today + timedelta(days=10)).isoformat(), "yes", "2", "1"],
        ["CX-STD-102", "Answer within a day", "We answer fast", "Published", "olivia@acme.example",
         (today - timedelta(days=5)).isoformat(), "yes", "2", "0"],
        ["CX-STD-103", "Greet customers by name", "We make it easy", "Published", "olivia@acme.example",
         (today + timedelta(days=200)).isoformat(), "no", "0", "0"],
    ]


def test_an_employee_exports_only_what_they_may_read(client, catalog, eve):
    client.force_login(eve)
    rows = csv_rows(client.get(reverse("standards:standard-export")))
    assert [row[0] for row in rows[1:]] == ["CX-STD-102", "CX-STD-103", "CX-STD-105"]


# A standard's page and its versions


def test_a_standard_for_another_unit_is_not_found(client, catalog, amir, eve):
    client.force_login(amir)
    assert client.get(catalog["CX-STD-102"].get_absolute_url()).status_code == 404
    client.force_login(eve)
    assert client.get(catalog["CX-STD-101"].get_absolute_url()).status_code == 404


def test_a_draft_standard_is_not_found_by_employees(client, catalog, eve):
    draft = catalog["CX-STD-104"]
    client.force_login(eve)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("standards:version-detail", args=[draft.pk, 1])).status_code == 404


def test_employees_read_published_versions_only(client, catalog, eve, olivia, leo):
    greet = catalog["CX-STD-103"]
    client.force_login(eve)
    page = client.get(greet.get_absolute_url())
    assert page.context["open_version"] is None
    assert [v.number for v in page.context["versions"]] == [1]
    assert "Greet customers by their name" not in page.content.decode()
    assert client.get(reverse("standards:version-detail", args=[greet.pk, 1])).status_code == 200
    assert client.get(reverse("standards:version-detail", args=[greet.pk, 2])).status_code == 404
    assert client.get(reverse("standards:version-compare", args=[greet.pk]), {"a": 1, "b": 2}).status_code == 404
    for person in (olivia, leo):  # the editor, and the approver who must read it
        client.force_login(person)
        assert client.get(reverse("standards:version-detail", args=[greet.pk, 2])).status_code == 200


def test_the_approver_sees_the_decision_forms(client, catalog, leo, olivia):
    greet = catalog["CX-STD-103"]
    client.force_login(leo)
    html = client.get(greet.get_absolute_url()).content.decode()
    assert reverse("standards:version-approve", args=[greet.pk]) in html
    assert reverse("standards:version-send-back", args=[greet.pk]) in html
    client.force_login(olivia)  # CoE staff, but this standard names Leo
    html = client.get(greet.get_absolute_url()).content.decode()
    assert reverse("standards:version-approve", args=[greet.pk]) not in html
    assert reverse("standards:draft-recall", args=[greet.pk]) in html


def test_compare_marks_changes_and_escapes_the_texts(client, catalog, olivia, leo):
    greet = catalog["CX-STD-103"]
    withdraw_submission(version=greet.open_version(), by=olivia)
    save_draft(version=greet.open_version(), by=olivia,
               statement='Say the customer\'s name <script>alert("x")</script> and <b>smile</b>.')
    publish_standard(greet, approver=leo)
    client.force_login(olivia)
    response = client.get(reverse("standards:version-compare", args=[greet.pk]))
    assert (response.context["old"].number, response.context["new"].number) == (1, 2)
    html = response.content.decode()
    assert "Greet customers by <ins>their </ins>name" in html
    assert "<del>Reply</del><ins>Say</ins>" in html
    # Compared as the words a reader sees: the sanitizer drops the script, and the bold tag is formatting.
    assert "alert" not in html
    assert "smile" in html
    assert '<script>alert("x")' not in html
    assert "<b>smile</b>" not in html
    statement = next(change for change in response.context["changes"] if change.label == "Statement")
    assert statement.changed
    assert "<ins>" in statement.html


def test_compare_shows_the_words_that_changed_not_the_markdown(client, catalog, olivia, leo):
    greet = catalog["CX-STD-103"]
    withdraw_submission(version=greet.open_version(), by=olivia)
    before = greet.open_version().statement
    save_draft(version=greet.open_version(), by=olivia, statement=f"**{before}**",
               rationale_customers=greet.open_version().rationale_customers + " Customers said so.")
    publish_standard(greet, approver=leo)
    client.force_login(olivia)
    response = client.get(reverse("standards:version-compare", args=[greet.pk]))
    changes = {change.label: change for change in response.context["changes"]}
    assert changes["Statement"].formatting_only
    assert "<ins>" not in changes["Statement"].html
    assert "*" not in changes["Statement"].html
    assert "formatting changed, same words" in response.text
    assert re.search(r"<ins>[^<]*Customers said so\.</ins>", str(changes["Why it matters to customers"].html))


def test_compare_with_one_published_version_says_so(client, catalog, eve):
    client.force_login(eve)
    response = client.get(reverse("standards:version-compare", args=[catalog["CX-STD-102"].pk]))
    assert response.context["changes"] is None
    assert "Only one version is published so far." in response.content.decode()


# Acknowledgement progress


def _progress_units(response) -> dict[str, tuple[int, int]]:
    return {row["unit"].name: (row["done"], row["total"])
            for row in response.context["progress"]["units"]}


def test_coe_staff_see_progress_in_every_unit(client, everyone_standard, olivia, bianca):
    acknowledge_standard(standard=everyone_standard, by=bianca)
    client.force_login(olivia)
    response = client.get(everyone_standard.get_absolute_url())
    assert _progress_units(response) == {"Acme": (0, 2), "Sales": (0, 1), "Enterprise Sales": (0, 1),
                                         "Customer Support": (1, 2), "Operations": (0, 1)}
    assert (response.context["progress"]["done"], response.context["progress"]["total"]) == (1, 7)


def test_leaders_see_progress_only_in_their_subtree(client, everyone_standard, leo, support, enterprise_sales):
    client.force_login(leo)
    response = client.get(everyone_standard.get_absolute_url())
    assert _progress_units(response) == {"Sales": (0, 1), "Enterprise Sales": (0, 1)}
    assert response.context["progress"]["scope_is_subtree"]
    url = reverse("standards:progress-pending", args=[everyone_standard.pk, enterprise_sales.pk])
    response = client.get(url)
    assert [row.person.email for row in response.context["rows"]] == ["amir@acme.example"]
    assert client.get(reverse("standards:progress-pending", args=[everyone_standard.pk, support.pk])).status_code \
        == 404


def test_employees_see_no_progress(client, everyone_standard, eve, support):
    client.force_login(eve)
    assert client.get(everyone_standard.get_absolute_url()).context["progress"] is None
    assert client.get(reverse("standards:progress-pending", args=[everyone_standard.pk, support.pk])).status_code \
        == 404


def test_the_pending_list_of_a_unit_and_its_export(client, everyone_standard, olivia, bianca, support):
    acknowledge_standard(standard=everyone_standard, by=bianca)
    client.force_login(olivia)
    url = reverse("standards:progress-pending", args=[everyone_standard.pk, support.pk])
    response = client.get(url)
    assert [row.person.email for row in response.context["rows"]] == ["eve@acme.example"]
    due = everyone_standard.ack_version.ack_due_on.isoformat()
    assert csv_rows(client.get(url, {"format": "csv"})) == [["name", "email", "due_on"],
                                                         ["Eve Walker", "eve@acme.example", due]]


# "My work" and the acknowledge button


def test_my_work_lists_my_pending_acknowledgements_and_approvals(client, catalog, eve, leo, olivia):
    client.force_login(eve)
    response = client.get(reverse("home"))
    assert [ack.standard.code for ack in response.context["acknowledgements_pending"]] == ["CX-STD-102"]
    assert "Answer within a day" in response.content.decode()
    assert response.context["approvals_waiting"] == []
    client.force_login(leo)
    response = client.get(reverse("home"))
    assert [ack.standard.code for ack in response.context["acknowledgements_pending"]] == ["CX-STD-101"]
    assert [(v.standard.code, v.number) for v in response.context["approvals_waiting"]] == [("CX-STD-103", 2)]
    assert "Waiting for your approval" in response.content.decode()
    client.force_login(olivia)
    assert client.get(reverse("home")).context["approvals_waiting"] == []


def test_the_acknowledge_button_moves_the_progress(client, catalog, leo):
    quote = catalog["CX-STD-101"]
    client.force_login(leo)
    page = client.get(quote.get_absolute_url())
    assert page.context["must_ack"] is True
    assert page.context["progress"]["percent"] == 0
    assert 'id="ack-percent">0%' in page.content.decode()
    response = client.post(reverse("standards:standard-acknowledge", args=[quote.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.templates[0].name == "standards/_acknowledgement.html"
    assert "Thank you: your acknowledgement is recorded." in response.content.decode()
    page = client.get(quote.get_absolute_url())
    assert page.context["must_ack"] is False
    assert 'id="ack-percent">50%' in page.content.decode()
    assert client.get(reverse("home")).context["acknowledgements_pending"].count() == 0


def test_the_acknowledge_button_works_without_javascript(client, catalog, amir):
    quote = catalog["CX-STD-101"]
    client.force_login(amir)
    response = client.post(reverse("standards:standard-acknowledge", args=[quote.pk]))
    assert response["Location"] == quote.get_absolute_url()
    response = client.get(quote.get_absolute_url())
    assert "Thank you: your acknowledgement of CX-STD-101 is recorded." in [str(m) for m in
                                                                            response.context["messages"]]
    assert "You acknowledged version 1" in response.content.decode()
    assert Acknowledgement.objects.get(person=amir).status == "acknowledged"


def test_an_acknowledgement_no_longer_asked_sends_the_browser_back_to_the_page(client, catalog, olivia, leo):
    quote = catalog["CX-STD-101"]
    client.force_login(leo)
    client.get(quote.get_absolute_url())  # the button is on screen...
    retire_standard(standard=quote, by=olivia, note="Merged")  # ...when the standard is retired
    response = client.post(reverse("standards:standard-acknowledge", args=[quote.pk]), headers={"HX-Request": "true"})
    # A plain redirect would be followed by htmx and the whole page swapped into the acknowledgement box.
    assert response["HX-Redirect"] == quote.get_absolute_url()
    page = client.get(quote.get_absolute_url())
    assert "CX-STD-101 does not ask for acknowledgement." in [str(m) for m in page.context["messages"]]
    assert Acknowledgement.objects.get(person=leo).status == "withdrawn"


def test_the_approvals_page_lists_what_waits_for_me(client, catalog, leo, olivia):
    client.force_login(leo)
    response = client.get(reverse("standards:approval-list"))
    assert [(v.standard.code, v.number) for v in response.context["waiting"]] == [("CX-STD-103", 2)]
    client.force_login(olivia)
    assert list(client.get(reverse("standards:approval-list")).context["waiting"]) == []


# Forms


def _create_data(**overrides) -> dict:
    data = {
        "standard-code": "CX-STD-200", "standard-principle": "", "standard-audience_role": "everyone",
        "standard-ack_days": "30", "standard-joiner_ack_days": "14", "standard-review_interval_days": "365",
        "standard-owner_email": "", "standard-approver_email": "",
        "version-title": "Call back when we promised", "version-statement": "Every promised call back happens.",
        "version-rationale_customers": "A missed call back breaks trust.",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def test_creating_a_standard_saves_a_draft(client, olivia, leo, sales):
    principle = PrincipleFactory(title="We keep our promises")
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-create"), _create_data(**{
        "standard-principle": principle.pk, "standard-audience_units": [sales.pk],
        "standard-requires_acknowledgement": "on", "standard-owner_email": "LEO@acme.example",
        "standard-approver_email": "leo@acme.example"}))
    standard = Standard.objects.get(code="CX-STD-200")
    assert response["Location"] == standard.get_absolute_url()
    assert (standard.owner, standard.approver, standard.status) == (leo, leo, Standard.Status.DRAFT)
    assert list(standard.audience_units.all()) == [sales]
    assert standard.versions.get().statement == "Every promised call back happens."


def test_a_new_standard_with_empty_fields_keeps_what_was_typed(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-create"), _create_data(**{
        "standard-code": "", "version-statement": "", "version-rationale_customers": ""}))
    assert response.status_code == 200
    html = response.content.decode()
    # Each error beside its field, under the id of that form's field (both forms have a prefix)...
    for name in ("standard-code", "standard-principle", "version-statement", "version-rationale_customers"):
        assert f'id="id_{name}_errors"' in html, name
        assert f'aria-describedby="id_{name}_errors' in html, name
    assert 'value="Call back when we promised"' in html
    # ...and one summary for the page, the text's errors first as the text comes first, each linked to its field.
    assert html.count("data-error-summary") == 1
    summary_links = re.findall(r'<a class="alert-link" href="#([^"]+)">', html)
    assert summary_links == ["id_version-statement", "id_version-rationale_customers", "id_standard-code",
                             "id_standard-principle"]
    assert not Standard.objects.exists()
    assert not StandardVersion.objects.exists()


def test_a_duplicate_code_is_refused_beside_the_field(client, catalog, olivia):
    client.force_login(olivia)
    before = (Standard.objects.count(), StandardVersion.objects.count())
    response = client.post(reverse("standards:standard-create"), _create_data(**{
        "standard-code": "cx-std-101", "standard-principle": catalog["easy"].pk}))
    assert response.status_code == 200
    assert response.context["settings_form"].errors["code"] == [
        "Another standard already has the code CX-STD-101."]
    html = response.content.decode()
    assert 'id="id_standard-code_errors"' in html
    assert 'value="Call back when we promised"' in html
    assert "Every promised call back happens." in html
    assert (Standard.objects.count(), StandardVersion.objects.count()) == before


def test_the_approver_must_be_a_leader_or_coe_staff(client, catalog, olivia, eve, leo):
    answer = catalog["CX-STD-102"]
    client.force_login(olivia)
    data = {"standard-principle": answer.principle_id, "standard-audience_role": "everyone",
            "standard-requires_acknowledgement": "on", "standard-ack_days": "30", "standard-joiner_ack_days": "14",
            "standard-review_interval_days": "365", "standard-owner_email": "olivia@acme.example",
            "standard-approver_email": "eve@acme.example",
            "standard-next_review_on": answer.next_review_on.isoformat()}
    response = client.post(reverse("standards:standard-edit", args=[answer.pk]), data)
    assert response.status_code == 200
    assert response.context["settings_form"].errors["approver_email"] == [
        "The approver must be a leader or a member of CoE staff."]
    assert 'id="id_standard-approver_email_errors"' in response.content.decode()
    assert 'value="eve@acme.example"' in response.content.decode()
    answer.refresh_from_db()
    assert answer.approver is None
    response = client.post(reverse("standards:standard-edit", args=[answer.pk]),
                           {**data, "standard-approver_email": "leo@acme.example"})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.approver == leo


# Markdown is sanitized wherever a version is shown

MARKDOWN_FIELDS = ["statement", "rationale_customers", "rationale_employees", "rationale_business"]
ATTACKS = {
    "script": '<script>alert("{name}")</script>',
    "javascript link": "[read {name}](javascript:alert(1))",
    "event attribute": '<img src=x onerror="alert(1)">',
    "raw html": '<iframe src="https://evil.example/{name}"></iframe><div style="position:fixed">{name}</div>',
}


@pytest.mark.parametrize("field", MARKDOWN_FIELDS)
def test_markdown_in_a_version_is_sanitized_on_every_page(client, olivia, oscar, eve, field):
    text = "\n\n".join([f"**kept-{field}**", *(attack.format(name=field) for attack in ATTACKS.values())])
    standard = StandardFactory(code="CX-STD-120", principle=PrincipleFactory(), author=olivia)
    save_draft(version=standard.open_version(), by=olivia, **{field: text})
    publish_standard(standard, approver=oscar)
    client.force_login(eve)
    for url in (standard.get_absolute_url(), reverse("standards:version-detail", args=[standard.pk, 1])):
        html = client.get(url).content.decode()
        assert f"<strong>kept-{field}</strong>" in html, url
        assert f'alert("{field}")' not in html
        assert "javascript:" not in html
        assert "onerror" not in html
        assert "<iframe" not in html
        assert 'style="position:fixed"' not in html


# Query counts: the same at two data sizes


def _add_people(units, count: int) -> list:
    return [UserFactory(business_unit=units[i % len(units)]) for i in range(count)]


def _assert_same_count(client, url, grow, django_assert_num_queries, **params):
    client.get(url, params)
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    grow()
    with django_assert_num_queries(len(small)):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


def _more_standards(olivia, oscar, units, count: int, start: int) -> None:
    principle = PrincipleFactory()
    for n in range(start, start + count):
        standard = publish_standard(StandardFactory(code=f"CX-STD-{n:03d}", principle=principle, author=olivia,
                                                    owner=olivia if n % 2 else None,
                                                    requires_acknowledgement=bool(n % 2), audience_units=units),
                                    approver=oscar)
        if n % 3 == 0:
            revise_standard(standard, olivia, submit=True)


@pytest.mark.parametrize("reader", ["eve", "olivia"])
def test_standard_list_query_count_does_not_grow(client, reader, request, olivia, oscar, eve, support,
                                                 django_assert_num_queries):
    _more_standards(olivia, oscar, [support], 2, 300)
    client.force_login(request.getfixturevalue(reader))
    response = _assert_same_count(client, reverse("standards:standard-list"),
                                  lambda: _more_standards(olivia, oscar, [support], 12, 400),
                                  django_assert_num_queries)
    assert len(response.context["standards"]) == 14


def test_standard_detail_query_count_does_not_grow(client, olivia, oscar, eve, bianca, acme, support,
                                                   django_assert_num_queries):
    standard = publish_standard(StandardFactory(code="CX-STD-130", principle=PrincipleFactory(), author=olivia,
                                                owner=olivia, requires_acknowledgement=True), approver=oscar)
    acknowledge_standard(standard=standard, by=bianca)
    client.force_login(olivia)

    def grow():
        units = [BusinessUnitFactory(parent=acme) for _ in range(4)]
        for person in _add_people(units, 12):
            if person.pk % 2:
                acknowledge_standard(standard=standard, by=person)
        for _ in range(3):
            revise_standard(standard, olivia, approver=oscar, statement=f"Version {standard.versions.count() + 1}.")
        review_standard(standard=Standard.objects.get(pk=standard.pk), by=olivia, outcome="confirmed",
                                 note="Still right")
        revise_standard(standard, olivia, submit=True)

    response = _assert_same_count(client, standard.get_absolute_url(), grow, django_assert_num_queries)
    assert len(response.context["progress"]["units"]) >= 5
    assert len(response.context["versions"]) == 5


def test_version_pages_query_counts_do_not_grow(client, olivia, oscar, eve, django_assert_num_queries):
    standard = publish_standard(StandardFactory(code="CX-STD-131", principle=PrincipleFactory(), author=olivia),
                                approver=oscar)
    revise_standard(standard, olivia, approver=oscar, statement=f"Version {standard.versions.count() + 1}.")
    client.force_login(olivia)
    detail = reverse("standards:version-detail", args=[standard.pk, 2])
    compare = reverse("standards:version-compare", args=[standard.pk])

    def grow():
        for _ in range(4):
            revise_standard(standard, olivia, approver=oscar, statement=f"Version {standard.versions.count() + 1}.")
        revise_standard(standard, olivia)

    client.get(compare, {"a": 1, "b": 2})
    with CaptureQueriesContext(connection) as compare_small:
        client.get(compare, {"a": 1, "b": 2})
    _assert_same_count(client, detail, grow, django_assert_num_queries)
    with django_assert_num_queries(len(compare_small)):
        client.get(compare, {"a": 1, "b": 2})


def test_progress_pending_query_count_does_not_grow(client, olivia, oscar, eve, support, django_assert_num_queries):
    standard = publish_standard(StandardFactory(code="CX-STD-132", principle=PrincipleFactory(), author=olivia,
                                                requires_acknowledgement=True, audience_units=[support]),
                                approver=oscar)
    client.force_login(olivia)

    def grow():
        _add_people([support], 20)
        sync_acknowledgements(standard=standard, today=timezone.localdate())

    response = _assert_same_count(client, reverse("standards:progress-pending", args=[standard.pk, support.pk]),
                                  grow, django_assert_num_queries)
    assert len(response.context["rows"]) == 21


def test_approval_list_query_count_does_not_grow(client, olivia, leo, django_assert_num_queries):
    principle = PrincipleFactory()

    def submitted(n: int) -> None:
        standard = StandardFactory(code=f"CX-STD-{n:03d}", principle=principle, author=olivia, owner=leo,
                                   approver=leo)
        submit_version(version=standard.open_version(), by=olivia)

    def returned(n: int) -> None:
        standard = StandardFactory(code=f"CX-STD-{n:03d}", principle=principle, author=olivia, owner=leo,
                                   approver=olivia)
        submit_version(version=standard.open_version(), by=leo)
        send_back(version=standard.open_version(), by=olivia, comment="Add a target")

    submitted(500)
    returned(600)
    client.force_login(leo)

    def grow():
        for n in range(501, 506):
            submitted(n)
        for n in range(601, 604):
            returned(n)

    response = _assert_same_count(client, reverse("standards:approval-list"), grow, django_assert_num_queries)
    assert (len(response.context["waiting"]), len(response.context["returned"])) == (6, 4)


def test_my_work_query_count_does_not_grow(client, olivia, oscar, leo, sales, django_assert_num_queries):
    principle = PrincipleFactory()

    def asks_leo(n: int) -> None:
        publish_standard(StandardFactory(code=f"CX-STD-{n:03d}", principle=principle, author=olivia,
                                         requires_acknowledgement=True, audience_units=[sales]), approver=oscar)

    def waits_for_leo(n: int) -> None:
        standard = StandardFactory(code=f"CX-STD-{n:03d}", principle=principle, author=olivia, owner=leo,
                                   approver=leo)
        submit_version(version=standard.open_version(), by=olivia)

    def grow():
        for n in range(701, 707):
            asks_leo(n)
        for n in range(801, 804):
            waits_for_leo(n)
        Standard.objects.filter(code="CX-STD-701").update(owner=leo, next_review_on=timezone.localdate())

    asks_leo(700)
    waits_for_leo(800)
    client.force_login(leo)
    response = _assert_same_count(client, reverse("home"), grow, django_assert_num_queries)
    assert len(response.context["acknowledgements_pending"]) == 7
    assert len(response.context["approvals_waiting"]) == 4
    assert [item.code for item in response.context["reviews_due"]] == ["CX-STD-701"]


# Tallies: progress is read from counts kept by standards/tallies.py: counted when many rows change at once,
# moved by each click, and recounted by beat for the rest. The pages say how old the count is.


def _tallies(standard) -> dict[str, tuple[int, int, int]]:
    rows = AcknowledgementTally.objects.filter(version=standard.ack_version).select_related("unit")
    return {row.unit.name: (row.done, row.asked, row.overdue) for row in rows}


def test_publishing_counts_the_audience_at_once(everyone_standard):
    assert _tallies(everyone_standard) == {"Acme": (0, 2, 0), "Sales": (0, 1, 0), "Enterprise Sales": (0, 1, 0),
                                           "Customer Support": (0, 2, 0), "Operations": (0, 1, 0)}


def test_an_acknowledgement_moves_its_units_tally_in_the_same_transaction(everyone_standard, bianca, eve):
    Acknowledgement.objects.filter(person=eve).update(due_on=timezone.localdate() - timedelta(days=2))
    sync_acknowledgements(standard=everyone_standard, today=timezone.localdate())  # recounts: Eve overdue
    assert _tallies(everyone_standard)["Customer Support"] == (0, 2, 1)

    acknowledge_standard(standard=everyone_standard, by=bianca)
    assert _tallies(everyone_standard)["Customer Support"] == (1, 2, 1)
    acknowledge_standard(standard=everyone_standard, by=eve)
    assert _tallies(everyone_standard)["Customer Support"] == (2, 2, 0)
    acknowledge_standard(standard=everyone_standard, by=eve)  # a second click counts nothing
    assert _tallies(everyone_standard)["Customer Support"] == (2, 2, 0)


def test_overdue_never_goes_below_zero_when_the_count_is_behind(everyone_standard, bianca):
    # Bianca's request fell overdue after the last count, which therefore counted no one overdue.
    Acknowledgement.objects.filter(person=bianca).update(due_on=timezone.localdate() - timedelta(days=1))
    acknowledge_standard(standard=everyone_standard, by=bianca)
    assert _tallies(everyone_standard)["Customer Support"] == (1, 2, 0)


def test_rows_changed_behind_the_services_show_after_beats_recount(client, everyone_standard, olivia, amir):
    client.force_login(olivia)
    page = client.get(everyone_standard.get_absolute_url())
    assert _progress_units(page)["Enterprise Sales"] == (0, 1)
    assert "Counted just now; recounted every 10 minutes." in page.text

    # An import or a script marks Amir's row directly: the page keeps the last count until beat recounts.
    Acknowledgement.objects.filter(person=amir).update(status=Acknowledgement.Status.ACKNOWLEDGED,
                                                      acknowledged_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=7)):
        stale = client.get(everyone_standard.get_absolute_url())
        listed = client.get(reverse("standards:standard-list"))
    assert _progress_units(stale)["Enterprise Sales"] == (0, 1)
    assert "Counted 7\xa0minutes ago" in stale.text
    assert "Counted 7\xa0minutes ago" in listed.text

    tasks.recount_rollups.delay().get()
    fresh = client.get(everyone_standard.get_absolute_url())
    assert _progress_units(fresh)["Enterprise Sales"] == (1, 1)
    assert (fresh.context["progress"]["done"], fresh.context["progress"]["total"]) == (1, 7)


def test_the_dashboard_adds_up_acknowledgements_of_the_units_below(client, everyone_standard, olivia, amir, eve):
    """Everyone of tests/conftest.py is asked: Olivia and Oscar in Acme, Leo in Sales, Amir in Enterprise Sales,
    Bianca and Eve in Customer Support, Una in Operations. Amir and Eve acknowledge. Counted by hand."""
    acknowledge_standard(standard=everyone_standard, by=amir)
    acknowledge_standard(standard=everyone_standard, by=eve)
    tasks.recount_rollups.delay().get()
    client.force_login(olivia)
    dashboard = client.get(reverse("dashboard"))
    rates = {unit.name: (unit.ack_rate.done, unit.ack_rate.asked) for unit in dashboard.context["units"]}
    assert rates == {"Acme": (2, 7), "Sales": (1, 2), "Enterprise Sales": (1, 1), "Customer Support": (1, 2),
                     "Operations": (0, 1)}
    overall = dashboard.context["ack_overall"]
    assert (overall.done, overall.asked) == (2, 7)
    assert "Standards acknowledged, all levels" in dashboard.text


def test_turning_acknowledgement_off_drops_the_tallies_from_the_dashboard(everyone_standard, olivia, support):
    assert acknowledgement_rates([support.pk])[support.pk].asked == 2
    update_standard(standard=everyone_standard, by=olivia, requires_acknowledgement=False, audience_units=[])
    assert acknowledgement_rates([support.pk]) == {}
    assert not AcknowledgementTally.objects.exists()


def test_progress_by_unit_comes_a_page_at_a_time_with_the_totals_of_all(client, everyone_standard, olivia,
                                                                        monkeypatch):
    from standards.views import acknowledgements

    monkeypatch.setattr(acknowledgements, "PAGE_SIZE", 2)
    client.force_login(olivia)
    first = client.get(everyone_standard.get_absolute_url())
    assert len(first.context["progress"]["units"]) == 2
    assert (first.context["progress"]["done"], first.context["progress"]["total"]) == (0, 7)
    assert "1\u20132 of 5" in first.text  # an en dash between the numbers
    last = client.get(everyone_standard.get_absolute_url(), {"page": 3})
    assert [row["unit"].name for row in last.context["progress"]["units"]] == ["Customer Support"]  # by path


def _tabs(client, person) -> list[str]:
    client.force_login(person)
    page = client.get(reverse("standards:standard-list")).text
    nav = page[page.index('aria-label="Standards sections"'):page.index("</nav>", page.index("Standards sections"))]
    return re.findall(r'class="nav-link[^"]*"[^>]*>([^<]+)</a>', nav)


def test_the_standards_tabs_show_each_role_only_what_it_can_use(client, olivia, leo, eve):
    assert _tabs(client, olivia) == ["Standards", "Principles", "Approvals", "Plans", "Calendar"]
    assert _tabs(client, leo) == ["Standards", "Principles", "Approvals", "Calendar"]
    assert _tabs(client, eve) == ["Standards", "Principles"]


def test_someone_a_version_waits_on_gets_the_approvals_tab(client, olivia, eve):
    waiting = StandardFactory(principle=PrincipleFactory(), approver=eve)
    submit_version(version=waiting.versions.get(), by=olivia)
    assert _tabs(client, eve) == ["Standards", "Principles", "Approvals"]


def test_the_standards_filters_fold_away_over_a_short_list_but_not_when_in_use(client, catalog, eve):
    client.force_login(eve)
    short = client.get(reverse("standards:standard-list"))
    assert not short.context["more_filters_open"]
    assert '<details class="filters-more">' in short.text
    assert 'name="q"' in short.text  # the search stays in sight
    narrowed = client.get(reverse("standards:standard-list"), {"ack": "pending_me"})
    assert narrowed.context["more_filters_open"]
    assert '<details class="filters-more" open>' in narrowed.text
