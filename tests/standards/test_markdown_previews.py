"""Preview without JavaScript: a form sent with a Markdown field's Preview button comes back with everything as it
was typed and the preview of each Markdown field under its box, and saves nothing, whichever form it is (the editor
itself is in tests/cxcoe/test_markdown_editor.py)."""

from html import unescape

from django.urls import reverse

from cxcoe.lib.editor import PREVIEW_FIELD
from cxcoe.models import AuditEvent, FormSubmission
from standards.models import Communication, CommunicationPlan, Principle, Standard, StandardVersion

from .factories import CommunicationFactory, PlanFactory, StandardFactory, plan_form

UNSAFE = "We **call back** <script>alert(1)</script> [the guide](javascript:alert(2))"


def _html(response) -> str:
    return unescape(response.content.decode())


def test_previewing_a_new_principle_saves_nothing_and_keeps_what_was_typed(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:principle-create"), {
        "title": "We keep our promises", "statement": "We do what we said.", "explanation": UNSAFE,
        "examples": "", PREVIEW_FIELD: "explanation", "submission_token": "6f1c0a52-4a9d-4c5e-9d3c-2f1a0b9c8d7e"})
    assert response.status_code == 200
    assert not Principle.objects.exists()
    assert not FormSubmission.objects.exists()  # the one-time token is still unspent: Save will use it
    assert not AuditEvent.objects.exclude(verb="auth.signed_in").exists()
    html = response.content.decode()
    assert 'value="We keep our promises"' in html
    assert "We **call back** &lt;script&gt;alert(1)&lt;/script&gt; [the guide](javascript:alert(2))</textarea>" in html
    assert "We <strong>call back</strong>" in html  # the preview, sanitized
    assert "<script>" not in html.split('id="id_explanation_preview"')[1].split("</form>")[0]
    assert 'href="javascript:' not in html
    assert 'value="6f1c0a52-4a9d-4c5e-9d3c-2f1a0b9c8d7e"' in html
    assert "Nothing to preview yet." in html  # the empty "examples" has its preview box too
    assert "data-error-summary" not in html


def test_previewing_a_communication_edit_changes_nothing(client, olivia):
    communication = CommunicationFactory(plan=PlanFactory(owner=olivia), title="Principles email",
                                         message="Meet our principles.")
    client.force_login(olivia)
    response = client.post(reverse("standards:communication-edit", args=[communication.pk]), {
        "title": "Renamed", "channel": "email", "scheduled_on": communication.scheduled_on.isoformat(),
        "owner_email": olivia.email, "message": "## Hello\n\n*Five* principles.", PREVIEW_FIELD: "message"})
    assert response.status_code == 200
    communication.refresh_from_db()
    assert (communication.title, communication.message) == ("Principles email", "Meet our principles.")
    assert not AuditEvent.objects.filter(verb__startswith="communication").exists()
    html = _html(response)
    assert 'value="Renamed"' in html
    assert "## Hello\n\n*Five* principles.</textarea>" in html
    assert "<h2>Hello</h2>" in html
    assert "<em>Five</em> principles." in html
    assert Communication.objects.count() == 1


def test_previewing_a_plan_shows_no_errors_for_what_is_still_missing(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:plan-create"), plan_form(
        title="", ends_on="", objective="- *Everyone* knows them", **{PREVIEW_FIELD: "objective"}))
    assert response.status_code == 200
    assert not CommunicationPlan.objects.exists()
    html = response.content.decode()
    assert "data-error-summary" not in html
    assert "<li><em>Everyone</em> knows them</li>" in html


def test_previewing_a_new_standard_previews_its_text_and_saves_neither_form(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-create"), {
        "standard-code": "", "version-title": "Call back", "version-statement": "Call back **the same day**.",
        "version-rationale_customers": "", PREVIEW_FIELD: "version-statement"})
    assert response.status_code == 200
    assert not Standard.objects.exists()
    html = response.content.decode()
    assert "Call back <strong>the same day</strong>." in html
    assert 'id="id_version-statement_preview"' in html
    assert "data-error-summary" not in html  # the settings' missing code waits for Save


def test_previewing_a_draft_keeps_it_as_it_was_then_save_saves_the_text(client, olivia, principle):
    standard = StandardFactory(principle=principle, owner=olivia, author=olivia)
    draft = standard.open_version()
    before = draft.statement
    data = {"title": draft.title, "statement": "Answer **within one day**.",
            "rationale_customers": "Waiting is the worst part.", "rationale_employees": "", "rationale_business": "",
            "metric": "", "target": "", "data_source": ""}
    client.force_login(olivia)
    response = client.post(reverse("standards:draft-edit", args=[standard.pk]), {**data, PREVIEW_FIELD: "statement"})
    assert response.status_code == 200
    assert "Answer <strong>within one day</strong>." in response.content.decode()
    draft.refresh_from_db()
    assert draft.statement == before
    assert draft.status == StandardVersion.Status.DRAFT
    response = client.post(reverse("standards:draft-edit", args=[standard.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.statement == "Answer **within one day**."
