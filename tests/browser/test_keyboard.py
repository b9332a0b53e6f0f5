"""The main flows with the keyboard alone, as a screen reader user meets them: where the focus lands after an
in-place change or a refused form, what the live region says, the header's Tab order and the focus ring."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.browser

ACTIVE = "document.activeElement"


def _tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the focus is on the control whose text is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"{ACTIVE}.textContent.trim()") == name:
            return
    raise AssertionError(f"{limit} Tabs did not reach {name!r}")


def test_a_refused_form_focuses_its_summary_whose_links_reach_the_fields(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/principles/new/")
    page.get_by_label("Statement").focus()
    page.keyboard.type("Customers never repeat themselves.")
    _tab_to(page, "Save")
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    page.keyboard.press("Tab")
    assert page.evaluate(f"[{ACTIVE}.getAttribute('href'), {ACTIVE}.textContent]") == [
        "#id_title", "Title: This field is required."]
    page.keyboard.press("Enter")
    expect(page.get_by_label("Title")).to_be_focused()
    # The label is in view above its field, and the field is described by its error and its hint.
    assert page.locator("label[for=id_title]").bounding_box()["y"] >= 0
    assert page.get_by_label("Title").get_attribute("aria-describedby") == "id_title_errors id_title_helptext"
    expect(page.get_by_label("Title")).to_have_accessible_description(
        re.compile(r"This field is required\..*Short and plain"))
    page.keyboard.type("We remember what customers told us")
    expect(page.get_by_label("Title")).to_have_value("We remember what customers told us")
    check_page(page, "principle-new-refused")


def test_a_wrong_password_focuses_the_summary_which_leads_back_to_the_email(sign_in):
    page = sign_in("eve@acme.example", "not-the-password")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(f"{ACTIVE}.getAttribute('href')") == "#id_login"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
