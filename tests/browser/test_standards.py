"""The standards story end to end: CoE staff write and submit a standard, its approver approves it, an employee
acknowledges it from "My work", and the acknowledgement percentage moves."""

import re

import pytest
from playwright.sync_api import expect

from standards.models import Acknowledgement, Standard, StandardVersion

from .conftest import check_page, pick

pytestmark = pytest.mark.browser


def _switch_to(page, sign_in, email):
    page.context.clear_cookies()
    return sign_in(email)


def test_a_standard_goes_from_draft_to_acknowledged(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Standards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CX standards")
    check_page(page, "standards-list")

    page.get_by_role("link", name="New standard").click()
    page.get_by_label("Title").fill("Call back when we promise to")
    page.get_by_label("Statement").fill("When we promise a call back, we **call back** at the time we gave.")
    page.get_by_label("Why it matters to customers").fill("A broken promise costs more trust than a late answer.")
    page.get_by_label("Metric").fill("Call-backs made on time")
    page.get_by_label("Target").fill("98%")
    page.get_by_label("Code").fill("CX-STD-099")
    page.get_by_role("main").get_by_label("Principle").select_option(index=1)
    pick(page, "Audience units", "support", "Customer Support")
    page.get_by_label("Audience must acknowledge it").check()
    pick(page, "Approver", "nadia", "Nadia Brooks")
    check_page(page, "standard-create")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Call back when we promise to")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Version 1 is submitted for approval.")).to_be_visible()
    check_page(page, "standard-submitted")
    standard = Standard.objects.get(code="CX-STD-099")
    assert standard.versions.get().status == StandardVersion.Status.SUBMITTED

    page = _switch_to(page, sign_in, "nadia@acme.example")
    approvals = page.get_by_role("region", name="Waiting for your approval")
    approvals.get_by_role("link", name="Call back when we promise to").click()
    check_page(page, "standard-approve")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Version 1 of CX-STD-099 is approved and current.")).to_be_visible()
    expect(page.locator("#ack-percent")).to_have_text("0%")
    standard.refresh_from_db()
    assert standard.status == Standard.Status.PUBLISHED
    asked = Acknowledgement.objects.filter(standard=standard).count()
    assert asked > 1

    page = _switch_to(page, sign_in, "eve@acme.example")
    pending = page.get_by_role("region", name="Standards to acknowledge")
    expect(pending.get_by_role("link", name="Call back when we promise to")).to_be_visible()
    check_page(page, "my-work-acknowledge")
    page.goto(f"{live_server.url}/standards/?ack=pending_me")
    expect(page.get_by_role("link", name="Call back when we promise to")).to_be_visible()
    expect(page.get_by_role("columnheader", name="You")).to_be_visible()
    check_page(page, "standards-list-employee")
    page.goto(f"{live_server.url}/")
    pending = page.get_by_role("region", name="Standards to acknowledge")
    pending.get_by_role("link", name="Call back when we promise to").click()
    check_page(page, "standard-acknowledge")
    page.get_by_role("button", name="I have read it and will apply it").click()
    expect(page.get_by_text(re.compile("your acknowledgement is recorded"))).to_be_visible()
    assert Acknowledgement.objects.get(standard=standard, person__email="eve@acme.example").status == "acknowledged"

    page = _switch_to(page, sign_in, "nadia@acme.example")
    page.goto(f"{live_server.url}{standard.get_absolute_url()}")
    expected = round(100 / asked)
    expect(page.locator("#ack-percent")).to_have_text(f"{expected}%")
    check_page(page, "standard-progress")


def test_principles_plans_and_the_calendar_read_well(sign_in, live_server):
    """The demo's principles, communication plans and calendar, as CoE staff see them."""
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/principles/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("principles")
    check_page(page, "principle-list")
    page.get_by_role("link", name="We keep our promises").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We keep our promises")
    check_page(page, "principle-detail")

    page.goto(f"{live_server.url}/standards/plans/")
    check_page(page, "plan-list")
    page.get_by_role("link", name="Launch our five CX principles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Launch our five CX principles")
    check_page(page, "plan-detail")
    page.locator(".communication-title a, td a").filter(has_text="Meet our five CX principles").first.click()
    check_page(page, "communication-detail")

    page.goto(f"{live_server.url}/standards/calendar/")
    expect(page.get_by_role("heading", name="See these dates in your own calendar")).to_be_visible()
    check_page(page, "calendar")
    page.get_by_role("button", name="Get my calendar link").click()
    expect(page.get_by_label("Your private calendar address")).to_have_value(
        re.compile(r"^http://.+/standards/calendar/feed/[\w-]+\.ics$"))
    expect(page.get_by_role("button", name="Get my calendar link")).to_have_count(0)
    check_page(page, "calendar-link")

    page.goto(f"{live_server.url}/standards/approvals/")
    check_page(page, "approval-list")
    page.goto(f"{live_server.url}/standards/?status=awaiting")
    page.get_by_role("link", name="Send quotes customers can read in two minutes").click()
    check_page(page, "standard-waiting")
    page.goto(f"{live_server.url}/standards/")
    page.get_by_role("link", name="Reply to every customer message within one working day").click()
    page.get_by_role("button", name="Show changes").click()
    expect(page.locator(".diff ins").first).to_be_visible()
    check_page(page, "version-compare")


def test_a_leader_sees_progress_and_who_is_pending_in_their_units(sign_in, live_server):
    page = sign_in("nadia@acme.example")
    page.goto(f"{live_server.url}/dashboard/")
    check_page(page, "dashboard-acknowledgements")
    page.goto(f"{live_server.url}/standards/")
    page.get_by_role("link", name="Write to customers in plain language").click()
    expect(page.locator("#progress")).to_be_visible()
    page.locator("#progress").get_by_role("link", name=re.compile("Who is pending")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not yet acknowledged in")
    check_page(page, "progress-pending")


def test_staff_plan_a_communication_and_send_it_once(sign_in, live_server):
    from datetime import timedelta

    from django.utils import timezone

    from cxcoe.models import Reminder
    from standards.models import Communication

    today = timezone.localdate()
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/plans/")
    page.get_by_role("link", name="New plan").first.click()
    page.get_by_label("Title").fill("Support week of promises")
    page.get_by_label("Objective").fill("Every Support agent knows **CX-STD-003** by the end of the month.")
    page.get_by_label("Starts").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("Ends").fill(f"{today - timedelta(days=1):%Y-%m-%d}")
    pick(page, "Audience units", "customer", "Customer Support")
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator("#id_ends_on_errors")).to_be_visible()  # the end is before the start: nothing saved
    expect(page.get_by_label("Title")).to_have_value("Support week of promises")
    check_page(page, "plan-form-error")
    page.get_by_label("Ends").fill(f"{today + timedelta(days=30):%Y-%m-%d}")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support week of promises")

    page.get_by_role("link", name="Add communication").click()
    page.get_by_label("Title").fill("Your call-back promise")
    page.get_by_label("Channel").select_option(label="Email")
    page.get_by_label("Date").fill(f"{today + timedelta(days=2):%Y-%m-%d}")
    page.get_by_label("Message").fill("From Monday we call back **when we said we would**.")
    check_page(page, "communication-form")
    page.get_by_role("button", name="Save communication").click()
    page.get_by_role("link", name="Your call-back promise").click()
    page.get_by_role("button", name="Mark ready").click()
    page.get_by_role("link", name="Send to the audience…").click()
    check_page(page, "communication-send")
    page.get_by_role("button", name=re.compile(r"^Send to \d+ people$")).click()
    expect(page.get_by_text(re.compile("is on its way to"))).to_be_visible()
    communication = Communication.objects.get(title="Your call-back promise")
    assert communication.status == Communication.Status.SENT
    reached = Reminder.objects.filter(kind="communication", target_id=communication.pk).count()
    assert reached == communication.recipient_count > 0
    page.goto(f"{live_server.url}{communication.get_absolute_url()}send/")
    expect(page.get_by_text(re.compile("already sent"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Send to"))).to_have_count(0)


def test_staff_revise_retire_and_curate(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    standard = Standard.objects.get(code="CX-STD-011")
    page.goto(f"{live_server.url}{standard.get_absolute_url()}")
    page.get_by_role("link", name="Settings").click()
    check_page(page, "standard-settings")
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Start a new version").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("draft of version 2")
    page.get_by_label("What changed").fill("Name the insight's source")
    check_page(page, "draft-form")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="v1").click()
    check_page(page, "version-detail")
    page.goto(f"{live_server.url}{standard.get_absolute_url()}")
    page.get_by_role("link", name="Retire").click()
    check_page(page, "standard-retire")
    page.get_by_label("Why it is retired").fill("Folded into the team meeting kit")
    page.get_by_role("button", name="Retire the standard").click()
    expect(page.get_by_text("This standard is retired.")).to_be_visible()
    standard.refresh_from_db()
    assert standard.status == Standard.Status.RETIRED
    assert standard.versions.get(number=2).status == StandardVersion.Status.WITHDRAWN

    page.goto(f"{live_server.url}/standards/principles/new/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_title_errors")).to_be_visible()
    check_page(page, "principle-form-error")
    page.goto(f"{live_server.url}/standards/principles/")
    page.get_by_role("link", name="We keep our promises").first.click()
    page.get_by_role("link", name="Delete").click()
    check_page(page, "principle-delete")
