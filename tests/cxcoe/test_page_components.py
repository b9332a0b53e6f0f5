"""The shared page components as a keyboard and a screen reader meet them: the error summary, fields described by
their error and their hint, messages, the live region, a filtered list's count and the header's order."""

import re

from django import forms
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.urls import reverse
from pytest_django.asserts import assertInHTML

from cxcoe.lib.forms import BootstrapFormMixin
from standards.models import Principle


def _attribute(html: str, element_id: str, name: str) -> str:
    """One attribute of the element with this id (as Django writes tags: double quotes, no quote inside)."""
    tag = re.search(rf'<[a-z]+\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert tag, f"no element #{element_id}"
    value = re.search(rf'\b{name}="([^"]*)"', tag.group(0))
    assert value, f"#{element_id} has no {name}"
    return value.group(1)


def _summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-danger error-summary"[^>]*>.*?</ul>\s*</div>\s*</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def _summary_links(html: str) -> list[tuple[str, str]]:
    """Where each line of the page's error summary links to, and what it says."""
    return re.findall(r'<a class="alert-link" href="(#[^"]+)">([^<]+)</a>', _summary(html))


def test_a_refused_form_opens_with_a_summary_linking_to_each_field_in_order(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-create"),
                           {"title": "", "statement": "  ", "explanation": "Kept as typed", "examples": ""})
    assert response.status_code == 200
    summary = _summary(response.text)
    assert 'tabindex="-1" data-error-summary' in summary  # static/js/cxcoe.js focuses it on load
    assertInHTML('<h2 class="error-summary-title">There is a problem</h2>', summary)
    assert _summary_links(response.text) == [("#id_title", "Title: This field is required."),
                     ("#id_statement", "Statement: This field is required.")]
    assert 'id="id_title"' in response.text  # where the links lead
    assert 'id="id_statement"' in response.text
    assert "Please correct the fields marked below." not in response.text
    assert not Principle.objects.exists()


def test_an_invalid_field_is_described_by_its_error_and_still_by_its_hint(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-create"), {"title": "", "statement": "Easy for customers."})
    html = response.text
    assert _attribute(html, "id_title", "aria-describedby") == "id_title_errors id_title_helptext"
    assert _attribute(html, "id_title", "aria-invalid") == "true"
    assertInHTML('<ul class="errorlist" id="id_title_errors"><li>This field is required.</li></ul>', html)
    assertInHTML('<div class="form-text" id="id_title_helptext">Short and plain: &quot;We make it easy&quot;.</div>',
                 html)
    # A valid field with a hint keeps the hint alone (Django's own aria-describedby).
    assert _attribute(html, "id_statement", "aria-describedby") == "id_statement_helptext"


class _NoteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(help_text="One line.")
    count = forms.IntegerField()


def test_the_mixin_describes_an_invalid_field_by_error_and_hint_and_one_without_hint_by_its_error():
    form = _NoteForm({"note": "", "count": "many"})
    assert not form.is_valid()
    assert form.fields["note"].widget.attrs["aria-describedby"] == "id_note_errors id_note_helptext"
    assert form.fields["count"].widget.attrs["aria-describedby"] == "id_count_errors"
    prefixed = _NoteForm({"n-note": ""}, prefix="n")
    assert not prefixed.is_valid()
    assert prefixed.fields["note"].widget.attrs["aria-describedby"] == "id_n-note_errors id_n-note_helptext"


def test_a_form_without_errors_has_no_summary(client, olivia):
    client.force_login(olivia)
    response = client.get(reverse("standards:principle-create"))
    assert "data-error-summary" not in response.text
    assert "There is a problem" not in response.text


def test_a_wrong_password_is_summarised_and_linked_to_the_first_field(client, eve):
    response = client.post(reverse("account_login"), {"login": eve.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert _summary_links(response.text) == [
        ("#id_login", "The email address and/or password you specified are not correct.")]
    assert 'id="id_login"' in response.text


def test_allauth_forms_share_the_summary(client, eve):
    client.force_login(eve)
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": "wrong", "password1": "", "password2": ""})
    assert response.status_code == 200
    assert {href for href, _text in _summary_links(response.text)} >= {"#id_oldpassword", "#id_password1"}
    assert "Please correct the fields marked below." not in response.text


def test_success_messages_are_polite_status_and_only_errors_are_alerts():
    html = render_to_string("partials/_messages.html", {"messages": [
        Message(messages.SUCCESS, "Saved."), Message(messages.INFO, "Nothing changed."),
        Message(messages.ERROR, "This standard was retired meanwhile.")]})
    roles = re.findall(r'<div class="alert alert-(\w+)[^"]*" role="(\w+)">\s*([^<]+?)\s*<', html)
    assert roles == [("success", "status", "Saved."), ("info", "status", "Nothing changed."),
                     ("danger", "alert", "This standard was retired meanwhile.")]
    assert html.count('role="') == 3  # no live region around them that would read them a second time


def test_every_page_has_an_empty_live_region_for_in_place_changes(client, eve):
    client.force_login(eve)
    html = client.get(reverse("home")).text
    assertInHTML('<div id="live-region" class="visually-hidden" role="status" aria-live="polite" '
                 'aria-atomic="true"></div>', html)


def test_a_live_filter_brings_the_people_count_in_words(client, olivia, amir, eve):
    client.force_login(olivia)
    one = client.get(reverse("person-list"), {"q": "Haddad"}, headers={"HX-Request": "true"})
    assertInHTML('<p class="result-count" data-announce>1 person matches</p>', one.text)
    everyone = client.get(reverse("person-list"), {"status": "all"}, headers={"HX-Request": "true"})
    assertInHTML('<p class="result-count" data-announce>3 people match</p>', everyone.text)
    nobody = client.get(reverse("person-list"), {"q": "nobody-is-called-this"}, headers={"HX-Request": "true"})
    assertInHTML('<p class="empty-title" data-announce>No people match these filters.</p>', nobody.text)
    assert "result-count" not in nobody.text


def test_the_header_reads_in_the_order_it_shows(client, olivia):
    client.force_login(olivia)
    html = client.get(reverse("home")).text
    order = [html.index(marker) for marker in (
        'class="navbar-toggler', 'class="navbar-brand', 'id="main-nav"', ">Manage</button>", 'id="notification-bell"',
        "Account menu for")]
    assert order == sorted(order)
