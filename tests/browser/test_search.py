"""The site search in the browser: typed into the top bar, on a wide screen and in a phone's menu, the results
grouped by kind, each a link to its page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxcoe.models import User

from ..library.factories import make_resource
from .conftest import PHONE, SHOTS, check_page

pytestmark = pytest.mark.browser


@pytest.fixture
def resources(demo):
    """Beside the demo's library: a stale resource and a draft with words of their own."""
    olivia = User.objects.get(email="olivia@acme.example")
    make_resource(by=olivia, title="Returning a missed call back", publish=True,
                  summary="What to say when you call back a customer we let down, and <b>when</b>.",
                  today=timezone.localdate() - timedelta(days=120))
    make_resource(by=olivia, title="Draft: call back etiquette")


def test_eve_searches_from_the_top_bar_and_opens_a_result(sign_in, live_server, resources):
    page = sign_in("eve@acme.example")
    box = page.get_by_role("search", name="Site").get_by_role("searchbox")
    box.fill("call back")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page).to_have_url(re.compile(r"/search/\?q=call\+back$"))
    found = page.get_by_role("region", name="Resources")
    stale = found.get_by_role("listitem").filter(has=page.get_by_role("link", name="Returning a missed call back"))
    expect(stale.get_by_text("Stale: past its review date")).to_be_visible()
    expect(stale.locator("mark").first).to_have_text("call")
    expect(stale).to_contain_text("and when")
    expect(stale.locator("b")).to_have_count(0)  # the text's own markup is never the page's
    expect(found.get_by_role("link", name="Draft: call back etiquette")).to_have_count(0)  # not Eve's draft
    standards = page.get_by_role("region", name="Standards")
    expect(standards.get_by_role("link", name="Offer a call-back instead of a queue longer than five minutes")
           ).to_be_visible()
    expect(standards.get_by_role("link", name="Call back when we said we would")).to_have_count(0)  # for Sales
    expect(standards.get_by_role("link", name=re.compile("^Leaders close the loop"))).to_have_count(0)  # leaders'
    expect(page.get_by_role("main").get_by_label("Search for")).to_have_value("call back")
    check_page(page, "search-results")

    found.get_by_role("link", name="Returning a missed call back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Returning a missed call back")


def test_on_a_phone_the_search_box_is_in_the_menu(sign_in, live_server, resources):
    page = sign_in("olivia@acme.example")
    page.set_viewport_size(PHONE)
    box = page.get_by_role("search", name="Site").get_by_role("searchbox")
    expect(box).to_be_hidden()
    page.get_by_role("button", name="Show navigation").click()
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    box.fill("etiquette")
    page.get_by_role("search", name="Site").get_by_role("button", name="Search").click()
    found = page.get_by_role("region", name="Resources")
    expect(found.get_by_role("link", name="Draft: call back etiquette")).to_be_visible()  # CoE staff read drafts
    expect(found.get_by_text("Draft", exact=True)).to_be_visible()
    page.screenshot(path=str(SHOTS / "search-draft-phone.png"), full_page=True)


def test_nothing_found_and_no_query_say_what_to_do(sign_in, live_server, resources):
    page = sign_in("eve@acme.example")
    page.goto(f"{live_server.url}/search/")
    expect(page.get_by_text("Search the library, the standards and the principles.")).to_be_visible()
    check_page(page, "search-empty")
    page.get_by_role("main").get_by_label("Search for").fill("parking meters")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nothing you can read matches “parking meters”.")).to_be_visible()
    expect(page.get_by_text(re.compile("Try fewer words"))).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Request content")).to_be_visible()
    check_page(page, "search-nothing-found")
