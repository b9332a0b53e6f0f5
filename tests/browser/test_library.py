"""The library story end to end: CoE staff add a resource, publishing waits for its impact statement, an employee
finds it and opens it, and its owner reviews it from My reviews."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cxcoe.models import ReviewRecord
from library.models import Resource

from .conftest import check_page

pytestmark = pytest.mark.browser

TITLE = "Calling customers back on time"


def _switch_to(page, sign_in, email):
    page.context.clear_cookies()
    return sign_in(email)


def test_a_resource_is_written_published_found_and_reviewed(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Library")
    check_page(page, "library-list")

    page.get_by_role("link", name="New resource").click()
    page.get_by_label("Kind").select_option("playbook")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("How to promise a call back, and keep the promise.")
    page.get_by_label("Body").fill("1. Give a time.\n2. **Call at that time.**\n3. Say what happens next.")
    page.get_by_label("Tags").fill("call backs, promises")
    check_page(page, "library-create")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("To publish it, fill in")).to_be_visible()

    page.get_by_role("button", name="Publish").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Missing: why it matters, expected impact on customers")
    check_page(page, "library-publish-refused")
    resource = Resource.objects.get(title=TITLE)
    assert resource.status == Resource.Status.DRAFT

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Why it matters").fill("Customers who wait for a call that never comes call again, angrier.")
    page.get_by_label("Expected impact on customers").fill("They hear from us when we said they would.")
    page.get_by_label("Expected impact on employees").fill("Fewer angry repeat calls.")
    page.get_by_label("Expected impact on the business").fill("Fewer repeat contacts and complaints.")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"“{TITLE}” is published.")).to_be_visible()
    check_page(page, "library-resource-published")
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED

    views_before = Resource.objects.get(pk=resource.pk).view_count
    page = _switch_to(page, sign_in, "eve@acme.example")
    site_search = page.get_by_role("search", name="Site")
    site_search.get_by_label("Search the library, standards and principles").fill("call back promise")
    site_search.get_by_role("button", name="Search").click()
    results = page.get_by_role("main")
    check_page(page, "library-found-by-search")
    results.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    check_page(page, "library-resource-employee")
    resource.refresh_from_db()
    assert resource.view_count == views_before + 1

    # Three months on, its review is due.
    Resource.objects.filter(pk=resource.pk).update(next_review_on=timezone.localdate() + timedelta(days=3))
    page = _switch_to(page, sign_in, "olivia@acme.example")
    page.goto(f"{live_server.url}/library/reviews/")
    check_page(page, "library-my-reviews")
    page.get_by_role("link", name=TITLE).click()
    review = page.get_by_role("region", name="Review")
    review.get_by_label("Confirmed: still right").check()
    review.get_by_role("group", name="Does the impact statement still hold?").get_by_label("Yes").check()
    review.get_by_role("button", name="Record review").click()
    expect(page.get_by_text(f"Your review of “{TITLE}” is recorded.")).to_be_visible()
    record = ReviewRecord.objects.get(object_id=resource.pk)
    assert record.outcome == ReviewRecord.Outcome.CONFIRMED
    resource.refresh_from_db()
    assert resource.next_review_on == timezone.localdate() + timedelta(days=90)


def test_the_freshness_report_and_a_stale_resource(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/library/freshness/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Library freshness")
    check_page(page, "library-freshness")
    stale = Resource.objects.stale(timezone.localdate()).order_by("title").first()
    page.goto(f"{live_server.url}{stale.get_absolute_url()}")
    expect(page.get_by_text("Stale").first).to_be_visible()
    check_page(page, "library-resource-stale")
    compare = Resource.objects.filter(revisions__number=2).first()
    page.goto(f"{live_server.url}/library/{compare.pk}/revisions/compare/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What changed from revision 1 to 2")
    check_page(page, "library-revision-compare")
