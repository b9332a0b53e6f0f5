"""The Markdown editor (cxcoe/lib/editor.py): its preview endpoint, which renders with the same sanitizing code as
the pages that show the text once saved, and the widget's hint and preview box. The forms sent with Preview and no
JavaScript are in tests/standards/test_markdown_previews.py."""

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from cxcoe.lib.editor import PREVIEW_FIELD, MarkdownTextarea
from cxcoe.lib.forms import BootstrapFormMixin
from cxcoe.lib.text import MARKDOWN_MAX_LENGTH

PREVIEW = reverse("markdown-preview")


class NoteForm(BootstrapFormMixin, forms.Form):
    body = forms.CharField(label="Body", help_text="What the note says.", widget=MarkdownTextarea(attrs={"rows": 3}))


def _preview(client, text, name="message"):
    return client.post(PREVIEW, {"field": name, name: text})


def test_the_preview_is_the_text_as_it_will_be_shown(client, eve):
    client.force_login(eve)
    response = _preview(client, "Call back **the same day**.\n\n- one\n- two")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>the same day</strong>" in html
    assert "<li>one</li>" in html
    assert "<html" not in html  # a fragment for the preview box, not a page


@pytest.mark.parametrize(("text", "forbidden"), [
    ("Hello <script>alert(1)</script>", "<script"),
    ("[click](javascript:alert(2))", "javascript:"),
    ('<img src=x onerror="alert(3)">', "onerror"),
    ('<a href="javascript:alert(4)">x</a>', "javascript:"),
])
def test_the_preview_removes_what_the_saved_text_would_not_show(client, eve, text, forbidden):
    client.force_login(eve)
    response = _preview(client, text)
    assert response.status_code == 200
    assert forbidden not in response.content.decode().lower()


def test_the_preview_reads_the_field_it_is_told_and_nothing_else(client, eve):
    client.force_login(eve)
    response = client.post(PREVIEW, {"field": "version-statement", "version-statement": "*Mine*",
                                     "title": "**Not this**"})
    assert "<em>Mine</em>" in response.content.decode()
    assert "Not this" not in response.content.decode()
    assert "Nothing to preview yet." in _preview(client, "   ").content.decode()


def test_too_long_a_text_is_not_rendered_and_says_so(client, eve):
    client.force_login(eve)
    response = _preview(client, "**x**" * (MARKDOWN_MAX_LENGTH // 5) + "!")
    assert response.status_code == 413
    html = response.content.decode()
    assert "<strong>" not in html
    assert "at most 20,000 characters, and this has 20,001" in html
    assert _preview(client, "x" * MARKDOWN_MAX_LENGTH).status_code == 200


def test_the_preview_needs_the_csrf_token(eve):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(eve)
    assert browser.post(PREVIEW, {"field": "message", "message": "**Hi**"}).status_code == 403
    browser.get(reverse("home"))  # the page sets the CSRF cookie; htmx sends its token in a header (base.html)
    token = browser.cookies["csrftoken"].value
    response = browser.post(PREVIEW, {"field": "message", "message": "**Hi**"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert "<strong>Hi</strong>" in response.content.decode()


def test_visitors_are_sent_to_sign_in_and_a_get_is_refused(client, eve):
    response = _preview(client, "**Hi**")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(eve)
    assert client.get(PREVIEW).status_code == 405


def test_the_hint_is_read_with_the_box_after_its_help_and_error(db):
    form = NoteForm({"body": ""})
    assert not form.is_valid()
    html = str(form["body"])
    assert 'aria-describedby="id_body_errors id_body_helptext id_body_markdown"' in html
    assert '<p class="form-text markdown-hint" id="id_body_markdown">Markdown: <code>**bold**</code>' in html
    assert 'Preview<span class="visually-hidden"> Body</span></button>' in html  # "Preview Body" among several
    assert 'id="id_body_preview" hidden' in html  # no preview until one is asked for
    assert f'maxlength="{MARKDOWN_MAX_LENGTH}"' in html


def test_a_markdown_field_takes_no_more_than_the_preview_renders(db):
    form = NoteForm({"body": "x" * (MARKDOWN_MAX_LENGTH + 1)})
    assert not form.is_valid()
    assert "at most 20000 characters" in form.errors["body"][0]


def test_a_form_sent_with_preview_is_not_valid_has_no_errors_and_shows_its_preview(db):
    form = NoteForm({"body": "We **call back**.", PREVIEW_FIELD: "body"})
    assert form.is_preview
    assert not form.is_valid()
    assert form.errors == {}
    html = str(form["body"])
    assert 'id="id_body_preview" hidden' not in html
    assert "We <strong>call back</strong>." in html
    assert "We **call back**.</textarea>" in html  # the text is kept as typed
    empty = NoteForm({"body": "", PREVIEW_FIELD: "body"})
    assert not empty.is_valid()
    assert empty.errors == {}  # a required field left empty is not an error yet: nothing was saved
