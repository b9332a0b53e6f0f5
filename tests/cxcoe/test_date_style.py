"""Each person reads dates their own way (cxcoe.models.DateStyle): on every page, in date boxes and in the
reminders written for them."""

from datetime import UTC, date, datetime, timedelta

from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone

from cxcoe import reviews
from cxcoe.lib import locale
from cxcoe.models import AuditEvent, DateStyle, Notification
from cxcoe.notifications import reminders

from ..steps import TODAY


def _set_style(person, style):
    person.date_style = style
    person.save(update_fields=["date_style"])


def test_the_profile_saves_a_date_style(client, eve):
    client.force_login(eve)
    page = client.get(reverse("profile"))
    assert "Month first: Dec 1, 2026, 4:05 PM" in page.text
    client.post(reverse("profile"), {"display_name": "Eve", "job_title": "", "time_zone": "UTC",
                                     "date_style": DateStyle.MONTH_DAY})
    eve.refresh_from_db()
    assert eve.date_style == DateStyle.MONTH_DAY


def test_an_unknown_date_style_is_refused_beside_its_field(client, eve):
    client.force_login(eve)
    response = client.post(reverse("profile"), {"display_name": "Eve W.", "job_title": "", "time_zone": "UTC",
                                                "date_style": "moon-phase"})
    assert '<ul class="errorlist" id="id_date_style_errors"><li>Select a valid choice.' in response.text
    assert '<a class="alert-link" href="#id_date_style_0">Dates: Select a valid choice.' in response.text
    assert 'id="id_date_style_0"' in response.text  # where the summary's link leads
    assert 'value="Eve W."' in response.text
    eve.refresh_from_db()
    assert (eve.display_name, eve.date_style) == ("Eve Walker", DateStyle.DAY_MONTH)


def test_a_page_shows_times_in_the_readers_style_and_zone(client, olivia):
    AuditEvent.objects.create(actor=olivia, verb="role.granted", target_label="Olivia Hart",
                              created_at=datetime(2026, 12, 1, 16, 5, tzinfo=UTC))
    client.force_login(olivia)
    assert ">1 Dec 2026, 16:05</time>" in client.get(reverse("audit-list")).text
    _set_style(olivia, DateStyle.MONTH_DAY)
    olivia.time_zone = "America/New_York"
    olivia.save(update_fields=["time_zone"])
    assert ">Dec 1, 2026, 11:05 AM</time>" in client.get(reverse("audit-list")).text
    _set_style(olivia, DateStyle.YEAR_FIRST)
    assert ">2026-12-01 11:05</time>" in client.get(reverse("audit-list")).text


def test_a_date_box_reads_any_style_and_shows_the_persons_own(client, olivia):
    _set_style(olivia, DateStyle.MONTH_DAY)
    client.force_login(olivia)
    for typed in ("1 Dec 2026", "Dec 1, 2026", "2026-12-01", "December 1, 2026"):
        response = client.get(reverse("audit-list"), {"since": typed})
        assert response.context["filters"].cleaned_data["since"] == date(2026, 12, 1)
        assert 'name="since" value="Dec 1, 2026"' in response.text
    refused = client.get(reverse("audit-list"), {"since": "12/01/2026"})
    assert 'name="since" value="12/01/2026"' in refused.text
    assert "<li>Enter a date like Dec 1, 2026.</li>" in refused.text


def test_a_reminder_is_written_in_its_recipients_style(sales, leo):
    sales.owner = leo
    sales.next_review_on = TODAY + timedelta(days=7)
    sales.save()
    _set_style(leo, DateStyle.YEAR_FIRST)
    reviews.sweep_reviews(today=TODAY)
    reminders.send_reminders()
    written = sales.next_review_on.isoformat()
    assert f"due for its review on {written}" in Notification.objects.get(recipient=leo).body
    assert f"due for its review on {written}" in mail.outbox[0].body


def test_reading_as_a_person_leaves_the_worker_as_it_was(leo):
    _set_style(leo, DateStyle.MONTH_DAY)
    leo.time_zone = "Asia/Tokyo"
    with locale.reading_as(leo):
        assert (formats.date_format(date(2026, 12, 1)), str(timezone.get_current_timezone())) == (
            "Dec 1, 2026", "Asia/Tokyo")
    assert formats.date_format(date(2026, 12, 1)) == "1 Dec 2026"
    assert str(timezone.get_current_timezone()) == "UTC"
