"""A leader acts on what the dashboard shows: an overdue count opens those requests, a unit's page lists its people
with their open items, and a person's page their CX record (in the demo: Leo leads Sales, where Amir has one
acknowledgement overdue)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_page

pytestmark = pytest.mark.browser


def test_a_leader_follows_a_count_to_the_people_and_their_open_items(sign_in, live_server):
    page = sign_in("leo@acme.example")
    page.goto(f"{live_server.url}/dashboard/")
    page.locator("#units").get_by_role("link", name=re.compile(r"^\d+ overdue$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue acknowledgements")
    expect(page.get_by_role("cell", name="Amir Haddad", exact=True)).to_be_visible()
    check_page(page, "acknowledgements-overdue")

    page.goto(f"{live_server.url}/dashboard/")
    page.locator("#units").get_by_role("link", name="Sales", exact=True).click()
    people = page.locator("#people + p + .table-responsive, #people ~ .table-responsive").first
    expect(people.get_by_role("columnheader", name="Open items")).to_be_visible()
    check_page(page, "unit-people")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(people.get_by_role("columnheader", name="Open items")).to_be_visible()
    expect(people.get_by_role("columnheader", name="Name")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})

    people.get_by_role("link", name="Amir Haddad").click()
    expect(page.get_by_role("heading", name="CX record")).to_be_visible()
    expect(page.locator("#open-acknowledgements")).to_contain_text("overdue")
    check_page(page, "person-cx-record")
