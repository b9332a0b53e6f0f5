"""Content requests end to end: an employee misses something in the library and asks for it, CoE staff accept it
with an owner and a date and deliver a published resource, and the person who asked finds it delivered; another
request is declined, and its requester reads why."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from cxcoe.models import AuditEvent, BusinessUnit, Notification, User
from cxcoe.notifications import reminders
from library.models import ContentRequest, Resource

from ..library.factories import make_resource
from ..steps import audit_events
from .conftest import check_page, pick

pytestmark = pytest.mark.browser

NEED = "A guide to explaining a refund on the phone"
WHY = "Customers who ask for a refund hear a different answer from each agent, and call again to check."
DECLINED = "Examples of plain-language error messages for the app"  # Kemi's request in the demo, still new
Status = ContentRequest.Status


def _switch_to(page, sign_in, email):
    page.context.clear_cookies()
    return sign_in(email)


def _verbs(item) -> list[str]:
    return list(AuditEvent.objects.filter(target_type__model="contentrequest", target_id=str(item.pk))
                .order_by("created_at", "pk").values_list("verb", flat=True))


def test_eve_asks_for_missing_content_and_finds_it_delivered(sign_in, live_server):
    today = timezone.localdate()
    target = today + timedelta(days=14)
    page = sign_in("eve@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    page.get_by_role("search", name="Filter the library").get_by_label("Search").fill("refund")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("Nothing in the library matches.")).to_be_visible()
    check_page(page, "requests-library-empty")

    page.get_by_role("link", name="Request content").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request content")
    page.get_by_label("What you need").fill(NEED)
    page.get_by_label("Why it matters to customers").fill(WHY)
    page.get_by_label("More detail (optional)").fill("Agents in the field get asked too, at the customer's door.")
    pick(page, "For which team", "field", "Field Service")
    page.get_by_label("Within a week").check()
    check_page(page, "request-create")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEED)
    expect(page.get_by_text(f"Your request “{NEED}” is with the CoE.")).to_be_visible()
    check_page(page, "request-detail-new-requester")

    eve = User.objects.get(email="eve@acme.example")
    asked = ContentRequest.objects.get(need=NEED)
    assert (asked.requested_by, asked.status, asked.urgency, asked.team.code) == (eve, Status.NEW, "high", "SUP-FLD")
    assert asked.owner is None
    assert _verbs(asked) == ["request.created"]

    page.get_by_role("navigation", name="Library sections").get_by_role("link", name="My requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    mine = page.get_by_role("table")
    expect(mine.get_by_role("link", name=NEED)).to_be_visible()
    expect(mine.get_by_role("link", name="Call-back scripts for Tier 1")).to_be_visible()  # hers in the demo
    expect(mine.get_by_role("row").filter(has_text=NEED).get_by_role("cell", name="You", exact=True)).to_be_visible()
    check_page(page, "request-list-requester")

    page = _switch_to(page, sign_in, "olivia@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Library").click()
    page.get_by_role("navigation", name="Library sections").get_by_role("link", name="Requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Content requests")
    check_page(page, "request-queue")
    filters = page.get_by_role("search", name="Filter requests")
    filters.get_by_label("Status").select_option(label="New")
    filters.get_by_label("How urgent").select_option(label="Within a week")
    filters.get_by_role("button", name="Filter").click()
    rows = page.get_by_role("table").locator("tbody tr")
    expected = ContentRequest.objects.filter(status=Status.NEW, urgency="high")
    expect(rows).to_have_count(expected.count())
    expect(page.get_by_role("table").get_by_role("link", name=NEED)).to_be_visible()
    check_page(page, "request-queue-filtered")

    page.get_by_role("link", name=NEED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEED)
    check_page(page, "request-detail-triage")
    accept = page.get_by_role("form", name="Accept it")
    pick(page, "Owner", "bianca", "Bianca Rossi")
    accept.get_by_label("Target date (optional)").fill(f"{target:%Y-%m-%d}")
    accept.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_text(f"“{NEED}” is accepted")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Accepted: Bianca Rossi writes or finds the content, by "
                                                      f"{date_format(target, 'DATE_FORMAT')}.")).to_be_visible()
    check_page(page, "request-detail-accepted")

    bianca = User.objects.get(email="bianca@acme.example")
    olivia = User.objects.get(email="olivia@acme.example")
    asked.refresh_from_db()
    assert (asked.status, asked.owner, asked.target_on, asked.decided_by) == (Status.ACCEPTED, bianca, target, olivia)
    [accepted] = audit_events(asked, "request.accepted")
    assert (accepted.actor, accepted.details["owner"]) == (olivia, str(bianca))

    # Meanwhile Bianca writes the guide, and it is published for Support.
    support = BusinessUnit.objects.get(code="SUP")
    guide = make_resource(by=olivia, title="Explaining a refund, step by step", publish=True, owner=bianca,
                          audience_units=[support])
    page.reload()
    deliver = page.get_by_role("form", name="Deliver it")
    deliver.get_by_label("Resource that answers it").select_option(label=guide.title)
    deliver.get_by_role("button", name=re.compile("^Deliver")).click()
    expect(page.get_by_text(f"“{NEED}” is delivered")).to_be_visible()
    check_page(page, "request-detail-delivered-staff")
    asked.refresh_from_db()
    assert (asked.status, asked.resource, asked.owner) == (Status.DELIVERED, guide, bianca)
    assert asked.delivered_at is not None
    assert _verbs(asked) == ["request.created", "request.accepted", "request.delivered"]
    assert audit_events(asked, "request.delivered")[0].actor == olivia

    # The sender runs, as beat runs it: Eve hears about each step, Bianca that the request is hers.
    reminders.send_reminders()
    told_eve = list(Notification.objects.filter(recipient=eve, url=asked.get_absolute_url())
                    .order_by("pk").values_list("title", flat=True))
    assert told_eve == [f"Your content request is accepted: {NEED}", f"Your content request is delivered: {NEED}"]
    assert Notification.objects.filter(recipient=bianca, url=asked.get_absolute_url()).count() == 1

    page = _switch_to(page, sign_in, "eve@acme.example")
    page.get_by_role("link", name=re.compile(r"^Notifications: \d+ unread")).click()
    delivered_note = page.get_by_role("link", name=f"Your content request is delivered: {NEED}")
    expect(delivered_note).to_be_visible()
    check_page(page, "request-notifications-requester")
    delivered_note.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEED)
    status = page.get_by_role("status").filter(has_text="Delivered on")
    expect(status).to_contain_text(date_format(timezone.localdate(), "DATE_FORMAT"))
    expect(status.get_by_role("link", name=guide.title)).to_have_attribute("href", guide.get_absolute_url())
    expect(page.get_by_role("form")).to_have_count(0)  # nothing left for her to do but read
    check_page(page, "request-detail-delivered-requester")
    page.get_by_role("navigation", name="Library sections").get_by_role("link", name="My requests").click()
    expect(page.get_by_role("row").filter(has_text=NEED)).to_contain_text("Delivered")
    page.get_by_role("row").filter(has_text=NEED).get_by_role("link", name=NEED).click()
    page.get_by_role("status").get_by_role("link", name=guide.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(guide.title)


def test_a_declined_request_tells_its_requester_why(sign_in, live_server):
    reason = "The app team is rewriting every error message this quarter; the new list comes with the release."
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/library/requests/?status=new")
    page.get_by_role("link", name=DECLINED).click()
    decline = page.get_by_role("region", name="Decline it")
    decline.get_by_role("button", name=re.compile("^Decline")).click()
    expect(page.get_by_label("Why it is declined")).to_have_accessible_description(re.compile("Say why"))
    check_page(page, "request-decline-error")
    item = ContentRequest.objects.get(need=DECLINED)
    assert item.status == Status.NEW
    assert audit_events(item, "request.declined") == []

    page.get_by_label("Why it is declined").fill(reason)
    page.get_by_role("region", name="Decline it").get_by_role("button", name=re.compile("^Decline")).click()
    expect(page.get_by_text(f"“{DECLINED}” is declined")).to_be_visible()
    check_page(page, "request-detail-declined-staff")
    item.refresh_from_db()
    olivia = User.objects.get(email="olivia@acme.example")
    assert (item.status, item.decline_reason, item.decided_by, item.owner) == (Status.DECLINED, reason, olivia, None)
    [declined] = audit_events(item, "request.declined")
    assert (declined.actor, declined.details) == (olivia, {"reason": reason})
    reminders.send_reminders()
    assert Notification.objects.filter(recipient=item.requested_by, url=item.get_absolute_url(),
                                       title=f"Your content request is declined: {DECLINED}").count() == 1

    page = _switch_to(page, sign_in, item.requested_by.email)
    page.goto(f"{live_server.url}/library/requests/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My requests")
    expect(page.get_by_role("row").filter(has_text=DECLINED)).to_contain_text("Declined")
    check_page(page, "request-list-declined-requester")
    page.get_by_role("link", name=DECLINED).click()
    status = page.get_by_role("status").filter(has_text="Declined by")
    expect(status).to_contain_text("Olivia Hart")
    expect(status).to_contain_text(reason)
    expect(page.get_by_role("form")).to_have_count(0)
    check_page(page, "request-detail-declined-requester")
    assert Resource.objects.filter(requests=item).count() == 0
