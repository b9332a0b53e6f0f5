import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cxcoe.models import BusinessUnit, ImportJob, User
from standards.models import Acknowledgement, Standard

from .conftest import check_page

pytestmark = pytest.mark.browser

ROLES = [
    ("olivia@acme.example", "Olivia", {"Dashboard": True, "Manage": True}),
    ("leo@acme.example", "Leo", {"Dashboard": True, "Manage": False}),
    ("amir@acme.example", "Amir", {"Dashboard": False, "Manage": False}),
    ("eve@acme.example", "Eve", {"Dashboard": False, "Manage": False}),
]
# My work's sections per role: the CoE's figures for staff, a leader's units, reviews for those who own what is
# reviewed (Leo owns Sales, Amir library resources) and for staff; training stays out until the training app
# assigns any.
MY_WORK = {
    "Olivia": {"Across the organization": True, "Your units": False, "Reviews due": True},
    "Leo": {"Across the organization": False, "Your units": True, "Reviews due": True},
    "Amir": {"Across the organization": False, "Your units": False, "Reviews due": True},
    "Eve": {"Across the organization": False, "Your units": False, "Reviews due": False},
}


@pytest.mark.parametrize(("email", "first_name", "sections"), ROLES)
def test_each_demo_role_signs_in_and_reaches_my_work(sign_in, email, first_name, sections):
    page = sign_in(email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {first_name}")
    nav = page.get_by_role("navigation", name="Main")
    for section in ("My work", "Library", "Standards"):
        expect(nav.get_by_role("link", name=section)).to_be_visible()
    for section in ("Training", "Ambassadors"):  # not until their apps have pages to use
        expect(nav.get_by_role("link", name=section)).to_have_count(0)
    expect(nav.get_by_role("search", name="Site").get_by_role("searchbox")).to_be_visible()
    for section, shown in sections.items():
        expect(nav.get_by_text(section, exact=True)).to_have_count(1 if shown else 0)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Standards to acknowledge")).to_be_visible()
    expect(main.get_by_role("heading", name="Other unread notifications")).to_be_visible()  # news, at least
    expect(main.get_by_role("heading", name="Assigned training")).to_have_count(0)
    for heading, shown in MY_WORK[first_name].items():
        expect(main.get_by_role("heading", name=heading, exact=True)).to_have_count(1 if shown else 0)
    check_page(page, f"my-work-{first_name.lower()}")


def test_eve_acknowledges_a_standard_from_my_work_in_place(sign_in, live_server):
    page = sign_in("eve@acme.example")
    pending = page.get_by_role("region", name="Standards to acknowledge")
    buttons = pending.get_by_role("button", name=re.compile(r"^Acknowledge CX-STD-"))
    asked = buttons.count()
    assert asked >= 2
    code = buttons.first.text_content().removeprefix("Acknowledge ")
    row = pending.locator(f"#my-ack-{Standard.objects.get(code=code).pk}")
    bell = page.locator("#notification-bell .notif-count")
    unread = int(bell.text_content())
    with page.expect_response(re.compile(r"/standards/\d+/acknowledge/$")):
        row.get_by_role("button", name=f"Acknowledge {code}").click()
    thanks = row.get_by_role("status")
    expect(thanks).to_contain_text("Thank you: your acknowledgement is recorded.")
    expect(thanks).to_be_focused()  # the button it replaced had the focus
    expect(page).to_have_url(f"{live_server.url}/")  # in place: no page load
    expect(pending.get_by_role("button", name=re.compile(r"^Acknowledge CX-STD-"))).to_have_count(asked - 1)
    expect(bell).to_have_text(str(unread - 1))  # its notification is done
    eve = User.objects.get(email="eve@acme.example")
    assert Acknowledgement.objects.get(standard__code=code, person=eve, status="acknowledged").acknowledged_at
    check_page(page, "my-work-acknowledged")
    page.reload()
    expect(pending.get_by_role("button", name=f"Acknowledge {code}")).to_have_count(0)


def test_sign_out_returns_to_the_sign_in_page(sign_in, live_server):
    page = sign_in("eve@acme.example")
    page.get_by_role("contentinfo").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Sign out").count():  # allauth asks to confirm a GET sign-out
        page.get_by_role("main").get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    check_page(page, "sign-in")


def test_wrong_password_shows_an_error(sign_in):
    page = sign_in("eve@acme.example", "not-the-password")
    expect(page.get_by_text(re.compile("not correct", re.IGNORECASE))).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("eve@acme.example")
    check_page(page, "sign-in-error")


def test_coe_staff_pages_are_accessible_and_photographed(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    amir = User.objects.get(email="amir@acme.example")
    sales = BusinessUnit.objects.get(code="SAL")
    job = ImportJob.objects.create(created_by=User.objects.get(email="olivia@acme.example"),
                                   status=ImportJob.Status.INVALID, people_filename="people.csv",
                                   errors=[{"file": "people.csv", "line": 3, "column": "email",
                                            "message": "Enter a valid email address."}], error_count=1)
    pages = {
        "people": "/manage/people/",
        "person-detail": f"/manage/people/{amir.pk}/",
        "person-edit": f"/manage/people/{amir.pk}/edit/",
        "person-deactivate": f"/manage/people/{amir.pk}/deactivate/",
        "units": "/manage/units/",
        "unit-detail": f"/manage/units/{sales.pk}/",
        "unit-new": "/manage/units/new/",
        "imports": "/manage/imports/",
        "import-detail": f"/manage/imports/{job.pk}/",
        "audit-log": "/manage/audit/",
        "dashboard": "/dashboard/",
        "profile": "/me/",
        "standards": "/standards/",
        "library": "/library/",
        "training": "/training/",
        "ambassadors": "/ambassadors/",
    }
    for name, path in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, name)


def test_people_search_filters_in_place(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/manage/people/")
    page.get_by_role("main").get_by_label("Search").fill("Haddad")
    expect(page.locator("#person-results tbody tr")).to_have_count(1)
    expect(page.locator("#person-results")).to_contain_text("Amir Haddad")
    expect(page).to_have_url(re.compile(r"q=Haddad"))


def test_edit_form_shows_errors_beside_the_field_and_keeps_input(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    amir = User.objects.get(email="amir@acme.example")
    page.goto(f"{live_server.url}/manage/people/{amir.pk}/edit/")
    page.get_by_label("Name").fill("Amir the Great")
    page.get_by_label("Email").fill("eve@acme.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_email_errors")).to_have_text("Another person already uses this email address.")
    expect(page.get_by_label("Name")).to_have_value("Amir the Great")
    check_page(page, "person-edit-error")
    assert User.objects.get(pk=amir.pk).display_name == "Amir Haddad"


def test_leader_sees_their_dashboard(sign_in, live_server):
    page = sign_in("leo@acme.example")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_text("Your units: Sales and everything below")).to_be_visible()
    expect(page.get_by_role("cell", name="Enterprise Sales")).to_be_visible()
    expect(page.get_by_role("cell", name="Customer Support")).to_have_count(0)
    check_page(page, "dashboard-leader")


def test_import_preview_then_apply_in_the_browser(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/manage/imports/")
    data = Path(__file__).resolve().parents[1] / "data"
    page.get_by_label("Business units CSV").set_input_files(str(data / "business_units.csv"))
    page.get_by_label("People CSV").set_input_files(str(data / "people.csv"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Apply this import")).to_be_visible()
    expect(page.locator("#apply-effect")).to_contain_text("create 25 business units, create 59 people, update 1 person")
    assert not User.objects.filter(email="yara.jensen@acme.example").exists()
    check_page(page, "import-preview")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_text("Applied", exact=True).first).to_be_visible()
    check_page(page, "import-done")
    assert User.objects.get(email="yara.jensen@acme.example").is_coe_staff
    assert BusinessUnit.objects.get(code="SAL-01").path == "/ACME/SAL/SAL-01/"


def test_account_pages_are_accessible(page, sign_in, live_server):
    page.goto(f"{live_server.url}/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "password-reset")
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_text(re.compile("closed", re.IGNORECASE)).first).to_be_visible()
    check_page(page, "signup-closed")
    page.goto(f"{live_server.url}/accounts/password/reset/key/1-not-a-key/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "password-reset-bad-link")
    sign_in("olivia@acme.example")
    for name, path in {"password-change": "/accounts/password/change/", "mfa": "/accounts/2fa/",
                       "mfa-activate": "/accounts/2fa/totp/activate/", "profile": "/me/",
                       "sign-out": "/accounts/logout/"}.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_page(page, name)


def test_error_pages_keep_the_menu_and_offer_a_way_back(sign_in, live_server):
    page = sign_in("eve@acme.example")
    page.goto(f"{live_server.url}/manage/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You can't do this")
    check_page(page, "error-403")
    page.goto(f"{live_server.url}/standards/999999/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page, "error-404")
    page.get_by_role("link", name="Go to My work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Eve")


def test_olivia_follows_a_figure_from_my_work_to_the_list_behind_it(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    figures = page.get_by_role("region", name="Across the organization")
    figures.get_by_role("link", name=re.compile(r"communications past their date, not sent")).click()
    expect(page.get_by_role("heading", name="Past their date, not sent")).to_be_visible()
    expect(page.get_by_label("Show", exact=True)).to_have_value("overdue")
    check_page(page, "calendar-past-their-date")
    page.go_back()
    figures.get_by_role("link", name=re.compile(r"units past their review date")).click()
    expect(page.get_by_role("cell", name=re.compile("Customer Support"))).to_be_visible()
    expect(page.get_by_label("Only units past their review date")).to_be_checked()
    check_page(page, "units-past-their-review-date")
