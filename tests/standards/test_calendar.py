"""The communications calendar (a month grid, an agenda on phones, filters, CSV) and each person's private
iCalendar feed."""

import re
from datetime import date, timedelta

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import AuditEvent
from standards.models import CalendarFeed, Communication
from standards.services.calendar import create_calendar_feed
from standards.services.plans import set_communication_status

from ..factories import UserFactory
from ..steps import csv_rows
from .factories import CommunicationFactory, PlanFactory

JUNE = date(2030, 6, 1)


@pytest.fixture
def summer_plan(olivia):
    return PlanFactory(owner=olivia, title="Summer launch", starts_on=date(2030, 5, 1), ends_on=date(2030, 8, 31))


def _calendar(client, **params):
    return client.get(reverse("standards:calendar"), params)


def _feed_url(person) -> str:
    return reverse("standards:calendar-feed", args=[create_calendar_feed(person=person).token])


# The page


def test_month_grid_shows_that_months_communications_with_links_to_the_next_and_previous(client, olivia,
                                                                                         summer_plan):
    email = CommunicationFactory(plan=summer_plan, title="Kick-off email", channel="email",
                                 scheduled_on=date(2030, 6, 3), status="ready")
    hall = CommunicationFactory(plan=summer_plan, title="Town hall", channel="town_hall",
                                scheduled_on=date(2030, 6, 20))
    CommunicationFactory(plan=summer_plan, title="July newsletter", scheduled_on=date(2030, 7, 1))
    client.force_login(olivia)
    response = _calendar(client, month="2030-06")
    assert response.status_code == 200
    assert [c.pk for c in response.context["month_entries"]] == [email.pk, hall.pk]
    weeks = response.context["weeks"]
    assert weeks[0][0]["date"] == date(2030, 5, 27)  # weeks start on Monday
    assert all(len(week) == 7 for week in weeks)
    third = next(day for week in weeks for day in week if day["date"] == date(2030, 6, 3))
    assert third["entries"] == [email]
    html = response.content.decode()
    assert "June 2030" in html
    assert "?month=2030-05" in html
    assert "?month=2030-07" in html
    for text in ("Kick-off email", "Email", "Summer launch", "Ready", "Town hall", "Planned"):
        assert text in html
    assert "July newsletter" not in html
    assert 'class="d-none d-md-block"' in html  # the grid on wide screens
    assert 'class="d-md-none"' in html  # the agenda on phones
    assert [day for day, _entries in response.context["agenda"]] == [date(2030, 6, 3), date(2030, 6, 20)]


def test_month_links_keep_the_filters(client, olivia, summer_plan):
    CommunicationFactory(plan=summer_plan, scheduled_on=date(2030, 6, 3))
    client.force_login(olivia)
    html = _calendar(client, month="2030-06", channel="email", mine="on").content.decode()
    assert 'href="?month=2030-07&amp;channel=email&amp;mine=on"' in html
    assert 'href="?month=2030-05&amp;channel=email&amp;mine=on"' in html


def test_today_is_highlighted_in_the_current_month(client, olivia):
    client.force_login(olivia)
    CommunicationFactory(plan=PlanFactory(owner=olivia))
    response = _calendar(client)
    today = timezone.localdate()
    assert response.context["first"] == today.replace(day=1)
    todays = [day for week in response.context["weeks"] for day in week if day["is_today"]]
    assert [day["date"] for day in todays] == [today]
    html = response.content.decode()
    assert html.count('aria-current="date"') == 1
    assert "cal-today" in html


def test_a_month_that_is_not_a_month_shows_the_current_one(client, olivia):
    client.force_login(olivia)
    CommunicationFactory(plan=PlanFactory(owner=olivia))
    for bad in ("2030-13", "june", "0000-01", "2030-06-01"):
        response = _calendar(client, month=bad)
        assert response.status_code == 200
        assert response.context["first"] == timezone.localdate().replace(day=1)


def test_overdue_communications_are_flagged(client, olivia):
    today = timezone.localdate()
    plan = PlanFactory(owner=olivia, starts_on=today - timedelta(days=60))
    late = CommunicationFactory(plan=plan, title="Late newsletter", scheduled_on=today - timedelta(days=40))
    yesterday = CommunicationFactory(plan=plan, title="Yesterday's call", scheduled_on=today - timedelta(days=1))
    done = CommunicationFactory(plan=plan, title="Done", scheduled_on=today - timedelta(days=1))
    set_communication_status(communication=done, by=olivia, status="ready")
    set_communication_status(communication=done, by=olivia, status="sent")
    client.force_login(olivia)
    response = _calendar(client)
    assert response.context["overdue_entries"][0].pk == late.pk
    shown = response.context["overdue_entries"] + response.context["month_entries"]
    assert {c.pk for c in shown if c.is_overdue()} == {late.pk, yesterday.pk}
    html = response.content.decode()
    assert "Overdue from earlier months" in html
    assert ">Overdue<" in html
    next_month = (today.replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
    assert _calendar(client, month=next_month).context["overdue_entries"] == []


def test_coe_staff_see_every_communication_and_others_only_theirs(client, olivia, leo, eve, summer_plan):
    staff_one = CommunicationFactory(plan=summer_plan, scheduled_on=date(2030, 6, 2))
    eve_owns = CommunicationFactory(plan=summer_plan, owner=eve, scheduled_on=date(2030, 6, 3))
    eve_plan = PlanFactory(owner=eve, starts_on=date(2030, 6, 1), ends_on=date(2030, 6, 30))
    in_eve_plan = CommunicationFactory(plan=eve_plan, owner=leo, scheduled_on=date(2030, 6, 4))
    client.force_login(olivia)
    assert [c.pk for c in _calendar(client, month="2030-06").context["month_entries"]] == [
        staff_one.pk, eve_owns.pk, in_eve_plan.pk]
    client.force_login(eve)
    assert [c.pk for c in _calendar(client, month="2030-06").context["month_entries"]] == [eve_owns.pk,
                                                                                          in_eve_plan.pk]
    client.force_login(leo)
    assert [c.pk for c in _calendar(client, month="2030-06").context["month_entries"]] == [in_eve_plan.pk]


def test_someone_with_no_communications_is_told_what_the_calendar_is_for(client, olivia, bianca, summer_plan):
    CommunicationFactory(plan=summer_plan, scheduled_on=date(2030, 6, 2))
    client.force_login(bianca)
    response = _calendar(client, month="2030-06")
    html = response.content.decode()
    assert response.context["month_entries"] == []
    assert "No communications for you yet." in html
    assert "The calendar shows the communications you prepare" in html
    assert "cal-grid" not in html
    assert reverse("standards:plan-create") not in html
    assert "Get my calendar link" in html  # the feed can be had for when there is something


def test_filters_by_channel_and_only_mine(client, olivia, leo, summer_plan):
    email = CommunicationFactory(plan=summer_plan, channel="email", scheduled_on=date(2030, 6, 2))
    CommunicationFactory(plan=summer_plan, channel="chat", scheduled_on=date(2030, 6, 3))
    leos_plan = PlanFactory(owner=leo, starts_on=date(2030, 6, 1), ends_on=date(2030, 6, 30))
    leos = CommunicationFactory(plan=leos_plan, channel="email", scheduled_on=date(2030, 6, 4))
    client.force_login(olivia)
    assert [c.pk for c in _calendar(client, month="2030-06", channel="email").context["month_entries"]] == [
        email.pk, leos.pk]
    mine = _calendar(client, month="2030-06", mine="on").context["month_entries"]
    assert leos.pk not in [c.pk for c in mine]
    assert len(mine) == 2


def test_cancelled_communications_and_archived_plans_stay_off_the_calendar(client, olivia, summer_plan):
    kept = CommunicationFactory(plan=summer_plan, scheduled_on=date(2030, 6, 2))
    CommunicationFactory(plan=summer_plan, scheduled_on=date(2030, 6, 3), status="cancelled")
    archived = PlanFactory(owner=olivia, starts_on=date(2030, 6, 1), ends_on=date(2030, 6, 30), is_archived=True)
    CommunicationFactory(plan=archived, scheduled_on=date(2030, 6, 4))
    client.force_login(olivia)
    assert [c.pk for c in _calendar(client, month="2030-06").context["month_entries"]] == [kept.pk]


def test_past_their_date_and_the_next_7_days_are_lists_whatever_the_month(client, olivia, leo, summer_plan):
    """My work links to these two lists; on 28 June the next 7 days run into July."""
    late = CommunicationFactory(plan=summer_plan, title="Late email", channel="email", scheduled_on=date(2030, 5, 20))
    CommunicationFactory(plan=summer_plan, title="Sent", scheduled_on=date(2030, 6, 27), status="sent",
                         sent_at=timezone.now())
    today = CommunicationFactory(plan=summer_plan, title="Today's chat post", scheduled_on=date(2030, 6, 28))
    july = CommunicationFactory(plan=summer_plan, title="July newsletter", scheduled_on=date(2030, 7, 5))
    CommunicationFactory(plan=summer_plan, title="Too far", scheduled_on=date(2030, 7, 6))
    CommunicationFactory(plan=summer_plan, title="Leo's town hall", owner=leo, scheduled_on=date(2030, 6, 1))
    with time_machine.travel(date(2030, 6, 28), tick=False):
        client.force_login(olivia)
        overdue = _calendar(client, due="overdue")
        week = _calendar(client, due="week")
        emails = _calendar(client, due="overdue", channel="email")
        export = csv_rows(client.get(reverse("standards:calendar-export"), {"due": "week"}))
    assert [c.title for c in overdue.context["due_entries"]] == ["Late email", "Leo's town hall"]
    assert "Past their date, not sent" in overdue.content.decode()
    assert [c.pk for c in week.context["due_entries"]] == [today.pk, july.pk]
    assert "Due from today to 5 Jul 2030" in week.content.decode()
    assert [c.pk for c in emails.context["due_entries"]] == [late.pk]
    assert [row[2] for row in export[1:]] == ["Today's chat post", "July newsletter"]


def test_calendar_export_is_what_the_page_shows(client, olivia, summer_plan):
    CommunicationFactory(plan=summer_plan, title="Kick-off email", channel="email", scheduled_on=date(2030, 6, 3))
    CommunicationFactory(plan=summer_plan, title="Chat post", channel="chat", scheduled_on=date(2030, 6, 4))
    CommunicationFactory(plan=summer_plan, title="July", channel="email", scheduled_on=date(2030, 7, 4))
    client.force_login(olivia)
    response = client.get(reverse("standards:calendar-export"), {"month": "2030-06", "channel": "email"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == ["date", "channel", "title", "plan", "owner", "status", "overdue", "url"]
    assert rows[1][:7] == ["2030-06-03", "Email", "Kick-off email", "Summer launch", "olivia@acme.example",
                           "Planned", ""]
    assert rows[1][7].startswith("http://testserver/standards/communications/")
    assert len(rows) == 2


def test_calendar_query_count_does_not_grow(client, olivia, leo, summer_plan, django_assert_num_queries):
    CommunicationFactory(plan=summer_plan, scheduled_on=date(2030, 6, 3))
    client.force_login(olivia)
    _calendar(client, month="2030-06")
    with CaptureQueriesContext(connection) as small:
        _calendar(client, month="2030-06")
    for day in range(1, 29):
        plan = PlanFactory(owner=UserFactory(), starts_on=date(2030, 6, 1), ends_on=date(2030, 6, 30))
        CommunicationFactory(plan=plan, owner=UserFactory(), scheduled_on=date(2030, 6, day))
    with django_assert_num_queries(len(small)):
        response = _calendar(client, month="2030-06")
    assert len(response.context["month_entries"]) == 29


def test_the_calendar_page_offers_a_private_address_without_making_one(client, leo):
    client.force_login(leo)
    html = _calendar(client).content.decode()
    assert not CalendarFeed.objects.filter(person=leo).exists()
    assert "Get my calendar link" in html
    assert f'action="{reverse("standards:calendar-feed-issue")}"' in html
    assert "A private link lets Outlook, Google Calendar or Apple Calendar show the communications you own" in html
    assert "/standards/calendar/feed/" not in html
    assert "Reset address" not in html


def test_getting_the_link_makes_one_address_and_records_it_once(client, leo):
    client.force_login(leo)
    response = client.post(reverse("standards:calendar-feed-issue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:calendar") + "#feed-heading"
    feed = CalendarFeed.objects.get(person=leo)
    client.post(reverse("standards:calendar-feed-issue"))  # a double click, or a second tab
    assert list(CalendarFeed.objects.filter(person=leo)) == [feed]
    assert CalendarFeed.objects.get(person=leo).token == feed.token
    event = AuditEvent.objects.get(verb="calendar.created")
    assert event.actor == leo
    assert event.verb_label == "Calendar address created"
    assert "Get my calendar link" not in _calendar(client).content.decode()


def test_getting_the_link_is_post_only(client, leo):
    client.force_login(leo)
    assert client.get(reverse("standards:calendar-feed-issue")).status_code == 405
    assert not CalendarFeed.objects.filter(person=leo).exists()
    assert not AuditEvent.objects.filter(verb="calendar.created").exists()


def test_calendar_shows_the_private_feed_address_in_full(client, leo):
    client.force_login(leo)
    client.post(reverse("standards:calendar-feed-issue"))
    html = _calendar(client).content.decode()
    token = CalendarFeed.objects.get(person=leo).token
    assert f'value="http://testserver/standards/calendar/feed/{token}.ics"' in html
    assert f'href="webcal://testserver/standards/calendar/feed/{token}.ics"' in html
    assert "Reset address" in html


def test_resetting_the_address_makes_the_old_one_stop_working(client, leo):
    old_url = _feed_url(leo)
    client.force_login(leo)
    response = client.post(reverse("standards:calendar-feed-reset"))
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:calendar")
    new_url = _feed_url(leo)
    assert new_url != old_url
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200
    assert AuditEvent.objects.filter(verb="calendar.reset", actor=leo).exists()


def test_resetting_before_there_is_an_address_makes_the_first(client, leo):
    client.force_login(leo)
    client.post(reverse("standards:calendar-feed-reset"))
    assert CalendarFeed.objects.filter(person=leo).count() == 1
    assert list(AuditEvent.objects.filter(verb__startswith="calendar.").values_list("verb", flat=True)) == [
        "calendar.created"]


def test_reset_is_post_only(client, leo):
    old_url = _feed_url(leo)
    client.force_login(leo)
    assert client.get(reverse("standards:calendar-feed-reset")).status_code == 405
    assert _feed_url(leo) == old_url


# The iCalendar feed


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_what_a_person_owns_as_all_day_events_without_signing_in(client, olivia, leo, eve):
    leos_plan = PlanFactory(owner=leo, title="Sales plan")
    owned = CommunicationFactory(plan=leos_plan, title="Sales town hall", channel="town_hall",
                                 scheduled_on=timezone.localdate() + timedelta(days=5))
    in_plan = CommunicationFactory(plan=leos_plan, owner=eve, title="Team huddle", channel="team_meeting")
    staff_plan = PlanFactory(owner=olivia)
    given = CommunicationFactory(plan=staff_plan, owner=leo, title="Leo writes this", channel="email",
                                 status="ready")
    CommunicationFactory(plan=leos_plan, title="Dropped", status="cancelled")
    CommunicationFactory(plan=staff_plan, owner=olivia, title="Not Leo's")
    response = client.get(_feed_url(leo))  # no session: calendar apps fetch it like this
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response)
    assert set(events) == {"Town hall: Sales town hall", "Team meeting: Team huddle", "Email: Leo writes this"}
    event = events["Town hall: Sales town hall"]
    assert event.decoded("DTSTART") == owned.scheduled_on
    assert event.decoded("DTEND") == owned.scheduled_on + timedelta(days=1)
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert str(event["UID"]) == f"communication-{owned.pk}@testserver"
    assert str(event["URL"]) == f"http://testserver{owned.get_absolute_url()}"
    assert "DTSTAMP" in event
    description = str(event["DESCRIPTION"])
    assert "Status: Planned" in description
    assert "Plan: Sales plan" in description
    assert f"http://testserver{owned.get_absolute_url()}" in description
    assert str(events["Email: Leo writes this"]["STATUS"]) == "CONFIRMED"
    assert "STATUS:CANCELLED" not in response.content.decode()
    assert {str(e["UID"]) for e in events.values()} == {f"communication-{c.pk}@testserver"
                                                        for c in (owned, in_plan, given)}


def test_an_event_named_for_its_channel_is_not_named_twice(client, leo):
    plan = PlanFactory(owner=leo, title="Launch our five CX principles")
    CommunicationFactory(plan=plan, title="Town hall: the principles in practice", channel="town_hall")
    CommunicationFactory(plan=plan, title="Newsletter: we keep our promises", channel="newsletter")
    CommunicationFactory(plan=plan, title="Emailing tips", channel="email")
    assert set(_events(client.get(_feed_url(leo)))) == {
        "Town hall: the principles in practice", "Newsletter: we keep our promises", "Email: Emailing tips"}


def test_an_event_says_what_the_communication_says_in_plain_words(client, leo):
    CommunicationFactory(plan=PlanFactory(owner=leo), title="Meet our five CX principles", channel="email",
                         message="Today we publish **five CX principles**. Read [them](https://intranet.example/cx).")
    event = _events(client.get(_feed_url(leo)))["Email: Meet our five CX principles"]
    description = str(event["DESCRIPTION"])
    assert description.endswith("Today we publish five CX principles. Read them (https://intranet.example/cx).")
    assert "*" not in description


def test_uids_are_stable_between_fetches(client, leo):
    CommunicationFactory.create_batch(2, plan=PlanFactory(owner=leo))
    first = [str(e["UID"]) for e in _events(client.get(_feed_url(leo))).values()]
    second = [str(e["UID"]) for e in _events(client.get(_feed_url(leo))).values()]
    assert first == second
    assert len(set(first)) == 2


def test_the_feed_text_follows_rfc_5545(client, leo):
    title = ("Town hall, Q3; the new standard\nfor every team, with café and naïve examples, "
             "a back\\slash, and 🎉 once more, long enough to need folding, twice over, at least")
    communication = CommunicationFactory(plan=PlanFactory(owner=leo, title="Plan; with, punctuation"), title=title,
                                         channel="town_hall")
    response = client.get(_feed_url(leo))
    # Checked on the raw text, not only through the icalendar library that also writes the feed.
    raw = response.content
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends with CRLF
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # some were folded
    for line in lines:
        line.decode()  # a fold never splits a UTF-8 character
    unfolded = raw.decode().replace("\r\n ", "")
    assert "SUMMARY:Town hall\\, Q3\\; the new standard\\nfor every team" in unfolded  # it names its channel
    assert "back\\\\slash" in unfolded
    assert "Plan: Plan\\; with\\, punctuation" in unfolded
    content_lines = unfolded.removesuffix("\r\n").split("\r\n")
    assert content_lines[0] == "BEGIN:VCALENDAR"
    assert content_lines[-1] == "END:VCALENDAR"
    assert {"VERSION:2.0", "BEGIN:VEVENT", "END:VEVENT", f"UID:communication-{communication.pk}@testserver",
            f"DTSTART;VALUE=DATE:{communication.scheduled_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{communication.scheduled_on + timedelta(days=1):%Y%m%d}"} <= set(content_lines)
    assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in content_lines)  # UTC, whole seconds
    event = next(iter(_events(response).values()))
    assert str(event["SUMMARY"]) == title


def test_the_feed_leaves_out_old_history(client, leo):
    plan = PlanFactory(owner=leo, starts_on=timezone.localdate() - timedelta(days=800))
    CommunicationFactory(plan=plan, title="Ancient", scheduled_on=timezone.localdate() - timedelta(days=700))
    CommunicationFactory(plan=plan, title="Recent", scheduled_on=timezone.localdate() - timedelta(days=10))
    assert set(_events(client.get(_feed_url(leo)))) == {"Newsletter: Recent"}


def test_an_unknown_token_is_404(client, leo):
    create_calendar_feed(person=leo)
    assert client.get(reverse("standards:calendar-feed", args=["not-a-token"])).status_code == 404


def test_the_feed_of_someone_who_left_is_404(client, leo):
    url = _feed_url(leo)
    leo.is_active = False
    leo.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_the_feed_is_read_only(client, leo):
    assert client.post(_feed_url(leo)).status_code == 405
    assert Communication.objects.count() == 0
