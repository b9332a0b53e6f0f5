"""The pickers in a browser: CoE staff find a unit of the tree and a person of the directory by typing part of a
name, and the form saves what they picked (as it would the native select and the address typed out)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from standards.models import CommunicationPlan

from .conftest import check_page, pick

pytestmark = pytest.mark.browser


def test_a_plan_gets_its_audience_and_owner_by_typing_parts_of_their_names(sign_in, live_server):
    today = timezone.localdate()
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/plans/new/")
    page.get_by_label("Title").fill("Field week")
    page.get_by_label("Objective").fill("Every field technician knows the call-back promise.")
    page.get_by_label("Starts").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("Ends").fill(f"{today - timedelta(days=1):%Y-%m-%d}")
    page.get_by_role("combobox", name="Audience units").click()  # the whole tree, to browse
    check_page(page, "unit-picker-open")
    page.keyboard.press("Escape")
    pick(page, "Audience units", "field", "Field Service")  # a unit found by its own name
    pick(page, "Audience units", "acme sales", "Sales")  # by a unit above it, then its own
    pick(page, "Owner", "nadi", "Nadia Brooks")  # in place of the editor, whom the form offers
    check_page(page, "plan-form-pickers")
    page.get_by_role("button", name="Save plan").click()

    # Sent back (the end is before the start), the pickers still hold what was picked, by name.
    expect(page.locator("#id_ends_on_errors")).to_be_visible()
    audience = page.locator(".ts-wrapper:has(#id_audience_units-ts-control) .item")
    expect(audience).to_have_text([re.compile(r"^Sales SAL"), re.compile(r"^Field Service SUP-FLD")])  # tree order
    owner = page.locator(".ts-wrapper:has(#id_owner_email-ts-control) .item")
    expect(owner).to_have_text(re.compile(r"^Nadia Brooks — nadia@acme\.example"))
    check_page(page, "plan-form-pickers-error")
    page.get_by_label("Ends").fill(f"{today + timedelta(days=30):%Y-%m-%d}")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Field week")

    plan = CommunicationPlan.objects.get(title="Field week")
    assert sorted(plan.audience_units.values_list("code", flat=True)) == ["SAL", "SUP-FLD"]
    assert plan.owner.email == "nadia@acme.example"
