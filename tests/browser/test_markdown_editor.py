"""The Markdown editor in the browser: Preview shows the text as the server renders it, Write brings the text back
as it was, and Save saves it; without JavaScript, Preview sends the form and saves nothing."""

import pytest
from playwright.sync_api import expect

from standards.models import Principle

from .conftest import DEMO_PASSWORD, DESKTOP, SHOTS, check_page

pytestmark = pytest.mark.browser

EXPLANATION = "A promise kept is **trust earned**.\n\n- We call back\n- We say when"
SENT = EXPLANATION.replace("\n", "\r\n")  # as a browser sends a text box's lines


def test_preview_then_write_then_save(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/principles/new/")
    page.get_by_label("Title").fill("We keep every promise")
    page.get_by_label("Statement").fill("When we say we will do something, we do it.")
    explanation = page.get_by_label("Explanation", exact=True)
    explanation.fill(EXPLANATION)

    page.get_by_role("button", name="Preview Explanation").click()
    preview = page.locator("#id_explanation_preview")
    expect(preview.locator("strong")).to_have_text("trust earned")
    expect(preview.get_by_role("listitem")).to_have_count(2)
    expect(explanation).to_be_hidden()
    expect(page.get_by_role("button", name="Preview Explanation")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#live-region")).to_have_text("Preview of Explanation, as it will be shown.")
    assert not Principle.objects.filter(title="We keep every promise").exists()
    check_page(page, "markdown-preview")

    page.get_by_role("button", name="Write Explanation").click()
    expect(explanation).to_be_visible()
    expect(explanation).to_be_focused()
    expect(explanation).to_have_value(EXPLANATION)
    expect(preview).to_be_hidden()
    check_page(page, "markdown-write")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We keep every promise")
    expect(page.locator("strong", has_text="trust earned")).to_be_visible()
    assert Principle.objects.get(title="We keep every promise").explanation == SENT


def test_preview_without_javascript_sends_the_form_and_saves_nothing(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("olivia@acme.example")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/standards/principles/new/")
    expect(page.get_by_role("button", name="Write Explanation")).to_be_hidden()  # only useful with JavaScript
    page.get_by_label("Title").fill("We keep every promise")
    page.get_by_label("Explanation", exact=True).fill(EXPLANATION)
    page.get_by_role("button", name="Preview Explanation").click()

    expect(page.locator("#id_explanation_preview strong")).to_have_text("trust earned")
    expect(page.get_by_label("Explanation", exact=True)).to_have_value(EXPLANATION)
    expect(page.get_by_label("Title")).to_have_value("We keep every promise")
    assert not Principle.objects.filter(title="We keep every promise").exists()
    page.screenshot(path=str(SHOTS / "markdown-preview-no-js-desktop.png"), full_page=True)

    page.get_by_label("Statement").fill("When we say we will do something, we do it.")
    page.get_by_label("Title").press("Enter")  # Enter saves, as the Save button does, rather than previewing
    expect(page.get_by_role("heading", level=1)).to_have_text("We keep every promise")
    assert Principle.objects.get(title="We keep every promise").explanation == SENT
    context.close()


def test_a_preview_the_server_refuses_says_so_and_keeps_the_text(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/principles/new/")
    explanation = page.get_by_label("Explanation", exact=True)
    explanation.fill(EXPLANATION)
    # The session ended meanwhile, say: the server answers the preview with an error.
    page.route("**/markdown/preview/", lambda route: route.fulfill(status=403, body="Forbidden"))
    page.get_by_role("button", name="Preview Explanation").click()
    expect(page.get_by_role("alert")).to_contain_text("That did not go through: nothing was changed.")
    expect(explanation).to_be_visible()
    expect(explanation).to_have_value(EXPLANATION)
    assert not Principle.objects.filter(explanation=SENT).exists()
