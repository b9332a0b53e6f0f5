"""CoE staff read the mail that the embedded mode kept instead of sending."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from cxcoe import notifications
from cxcoe.models import Notification, User

from .conftest import check_page

pytestmark = pytest.mark.browser


def test_coe_staff_find_an_email_under_manage_and_read_it(sign_in, mail_dir):
    page = sign_in("olivia@acme.example")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name="Manage").click()
    nav.get_by_role("link", name="Sent mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sent mail")
    expect(page.get_by_text("No emails sent yet.")).to_be_visible()
    check_page(page, "sent-mail-empty")

    leo = User.objects.get(email="leo@acme.example")
    for title in ("Your weekly CX digest", "CX-STD-008 waits for your approval: Complaint handling within two "
                  "working days, with a named owner for each case"):
        notification = Notification.objects.create(recipient=leo, kind="message", title=title, url="/standards/")
        notifications.email_for(notification, leo).send()
    mail.send_mail("Town hall on Thursday", "Bring one customer story.", None,
                   ["amir@acme.example", "bianca@acme.example", "eve@acme.example"])
    page.reload()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # the header and three emails, newest first
    expect(rows.nth(1)).to_contain_text("Town hall on Thursday")
    check_page(page, "sent-mail-list")

    page.get_by_role("link", name="CX-STD-008 waits for your approval").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CX-STD-008 waits for your approval")
    expect(page.get_by_text("leo@acme.example")).to_be_visible()
    html = page.frame_locator("iframe[title='HTML version of the email']")
    expect(html.get_by_text("CX-STD-008 waits for your approval").first).to_be_visible()
    check_page(page, "sent-mail-detail")
