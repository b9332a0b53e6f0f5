from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxcoe import reviews
from cxcoe.models import Notification, NotificationPreference
from cxcoe.notifications import inbox, reminders

from ..steps import inbox_of, inbox_row


def note_for(person, title="Review Sales: due in 7 days", *, kind="review.due", url="/manage/units/1/",
             minutes_ago=0, read=False, done=False,
             body="Check it is still right, then record the review.") -> Notification:
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(recipient=person, kind=kind, title=title, url=url, created_at=created,
                                       body=body, read_at=created if read else None,
                                       done_at=created if done else None)


def test_inbox_lists_only_my_notifications_newest_first(client, leo, eve):
    note_for(leo, "Older", minutes_ago=60)
    note_for(leo, "Newer", minutes_ago=1)
    note_for(eve, "Eve's own")
    client.force_login(leo)
    response = client.get(reverse("notification-list"))
    assert [note.title for note in response.context["notes"]] == ["Newer", "Older"]
    assert "Eve&#x27;s own" not in response.text


def test_unread_rows_stand_out_with_a_badge_and_a_button(client, leo):
    unread = note_for(leo, "Unread one")
    read = note_for(leo, "Read one", read=True)
    client.force_login(leo)
    html = client.get(reverse("notification-list")).text
    assert html.count(">New</span>") == 1
    assert html.count("notification-unread") == 1
    assert reverse("notification-read", args=[unread.pk]) in html
    assert reverse("notification-read", args=[read.pk]) not in html


def test_someone_elses_notification_answers_404_and_stays_unread(client, leo, eve):
    note = note_for(leo)
    client.force_login(eve)
    assert client.get(reverse("notification-open", args=[note.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[note.pk])).status_code == 404
    client.post(reverse("notification-read-all"))
    note.refresh_from_db()
    assert note.read_at is None


def test_opening_marks_read_and_goes_to_the_object(client, leo, sales):
    note = note_for(leo, url=sales.get_absolute_url())
    client.force_login(leo)
    response = client.get(reverse("notification-open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/manage/units/{sales.pk}/"
    note.refresh_from_db()
    first_read = note.read_at
    assert first_read is not None
    client.get(reverse("notification-open", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at == first_read  # opening again keeps the first read time


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/units/", "/\\evil.example",
                                 "javascript:alert(1)", "manage/units/1/", ""])
def test_opening_refuses_a_url_off_this_site(client, leo, url):
    note = note_for(leo, url=url)
    client.force_login(leo)
    response = client.get(reverse("notification-open", args=[note.pk]))
    assert response["Location"] == reverse("notification-list")
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_as_read_returns_to_the_same_inbox_page(client, leo):
    note = note_for(leo)
    client.force_login(leo)
    response = client.post(reverse("notification-read", args=[note.pk]), {"next": "/notifications/?unread=on"})
    assert response["Location"] == "/notifications/?unread=on"
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize("next_url", ["https://evil.example/notifications/", "//evil.example/notifications/",
                                      "/manage/people/", "/notifications/1/read/"])
def test_mark_as_read_only_returns_to_the_inbox(client, leo, next_url):
    note = note_for(leo)
    client.force_login(leo)
    response = client.post(reverse("notification-read", args=[note.pk]), {"next": next_url})
    assert response["Location"] == reverse("notification-list")


def test_mark_as_read_with_htmx_swaps_the_row_and_updates_the_counts(client, leo):
    note = note_for(leo, "First")
    note_for(leo, "Second")
    client.force_login(leo)
    response = client.post(reverse("notification-read", args=[note.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="notification-{note.pk}"' in response.text
    assert "Mark as read" not in response.text
    assert 'id="notification-bell"' in response.text
    assert 'data-hx-swap-oob="true"' in response.text
    assert "Notifications: 1 unread" in response.text
    assert "Mark 1 as read" in response.text
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_all_as_read_touches_only_my_unread_notifications(client, leo, eve):
    already = note_for(leo, "Already read", read=True, minutes_ago=90)
    for title in ("One", "Two", "Three"):
        note_for(leo, title)
    theirs = note_for(eve)
    client.force_login(leo)
    inbox_page = client.get(reverse("notification-list"))
    assert "Mark all 3 as read" in inbox_page.text
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "Marked 3 notifications as read." in response.text
    assert not Notification.objects.filter(recipient=leo, read_at=None).exists()
    assert Notification.objects.get(pk=already.pk).read_at == already.read_at
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "Mark all" not in response.text


def test_kind_filter_and_unread_filter(client, leo):
    note_for(leo, "A review", kind="review.due")
    note_for(leo, "A read review", kind="review.due", read=True)
    note_for(leo, "A message", kind="message")
    client.force_login(leo)
    reviews_only = client.get(reverse("notification-list"), {"kind": "review.due"})
    assert {note.title for note in reviews_only.context["notes"]} == {"A review", "A read review"}
    unread_reviews = client.get(reverse("notification-list"), {"kind": "review.due", "unread": "on"})
    assert [note.title for note in unread_reviews.context["notes"]] == ["A review"]
    assert '<option value="review.due" selected>Reviews due</option>' in reviews_only.text


def test_filter_without_matches_says_so(client, leo):
    note_for(leo, kind="review.due")
    client.force_login(leo)
    response = client.get(reverse("notification-list"), {"kind": "message"})
    assert response.context["notes"] == []
    assert "No notifications match these filters." in response.text


def test_empty_inbox_says_what_arrives_here(client, eve):
    client.force_login(eve)
    response = client.get(reverse("notification-list"))
    assert "You have no notifications yet." in response.text
    assert reverse("notification-preferences") in response.text


def test_inbox_pages_by_25(client, leo):
    for i in range(30):
        note_for(leo, f"Note {i}", minutes_ago=i)
    client.force_login(leo)
    assert len(client.get(reverse("notification-list")).context["notes"]) == 25
    second = client.get(reverse("notification-list"), {"page": 2}).context["notes"]
    assert [note.title for note in second] == [f"Note {i}" for i in range(25, 30)]


def test_unread_count_in_the_header(client, leo, eve):
    first = note_for(leo)
    note_for(leo)
    note_for(leo, read=True)
    client.force_login(leo)
    response = client.get(reverse("home"))
    assert response.context["nav"]["unread_notifications"] == 2
    assert 'aria-label="Notifications: 2 unread"' in response.text
    assert 'notif-count">2<' in response.text
    inbox.mark_read(notification=first, user=leo)
    assert client.get(reverse("home")).context["nav"]["unread_notifications"] == 1
    client.force_login(eve)
    response = client.get(reverse("home"))
    assert response.context["nav"]["unread_notifications"] == 0
    assert "notif-count" not in response.text
    assert 'aria-label="Notifications"' in response.text


def test_unread_count_is_one_count_query(rf, leo, django_assert_num_queries):
    from cxcoe.context_processors import navigation

    note_for(leo)
    note_for(leo, read=True)
    request = rf.get("/")
    request.user = leo
    assert (leo.is_coe_staff, leo.is_leader) == (False, True)  # the roles are read once per request, elsewhere
    with django_assert_num_queries(1) as captured:
        assert navigation(request)["nav"]["unread_notifications"] == 1
    assert "COUNT(" in captured.captured_queries[0]["sql"]


def test_inbox_query_count_does_not_grow(client, leo, django_assert_num_queries):
    for i in range(3):
        note_for(leo, f"Note {i}", read=i == 0)
    client.force_login(leo)
    client.get(reverse("notification-list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("notification-list"))
    for i in range(40):
        note_for(leo, f"More {i}", kind="message" if i % 2 else "review.due", read=i % 3 == 0, done=i % 4 == 0,
                 body=f"Item **{i}**, see [its page](https://cx.example/{i}).")
    with django_assert_num_queries(len(small)):
        response = client.get(reverse("notification-list"))
    assert len(response.context["notes"]) == 25


# A notification that asked for an action, once the action is taken


@pytest.fixture
def review_reminder(sales, leo):
    """Leo owns Sales, whose review is due in a week: the sweep has reminded him, and the reminder is in his inbox."""
    sales.owner = leo
    sales.next_review_on = timezone.localdate() + timedelta(days=7)
    sales.save()
    reminders.run_sweep(name="reviews")
    reminders.send_reminders()
    return Notification.objects.get(recipient=leo, kind=reviews.REVIEW_DUE)


def test_once_leo_records_the_review_its_reminder_is_done_and_leaves_his_bell(client, leo, sales, review_reminder):
    news = note_for(leo, "A message from the CoE", kind="message")
    assert inbox_of(client, leo).context["nav"]["unread_notifications"] == 2
    reviews.record_review(item=sales, by=leo, outcome="confirmed")
    review_reminder.refresh_from_db()
    assert review_reminder.done_at is not None
    assert review_reminder.read_at is None  # done is not read: Leo never opened it
    response = inbox_of(client, leo)
    assert response.context["nav"]["unread_notifications"] == 1
    assert 'aria-label="Notifications: 1 unread"' in response.text
    row = inbox_row(response, review_reminder)
    assert ">Done</span>" in row
    assert ">New</span>" not in row
    assert "notification-unread" not in row
    assert "Mark as read" not in row  # nothing left to do with it
    assert ">New</span>" in inbox_row(response, news)
    assert "Mark 1 as read" in response.text


def test_the_unread_filter_and_mark_all_leave_done_notifications_alone(client, leo, sales, review_reminder):
    note_for(leo, "A message from the CoE", kind="message")
    reviews.record_review(item=sales, by=leo, outcome="confirmed")
    inbox_of(client, leo)
    unread = client.get(reverse("notification-list"), {"unread": "on"}).context["notes"]
    assert [note.title for note in unread] == ["A message from the CoE"]
    assert inbox.mark_all_read(user=leo) == 1
    review_reminder.refresh_from_db()
    assert review_reminder.read_at is None


def test_a_notification_that_asks_for_nothing_is_never_done(olivia, leo, sales):
    reminders.notify(recipients=[leo], kind="message", target=sales, key="news", title="Sales has a new owner")
    reminders.send_reminders()
    assert reminders.settle(sales, kinds=["message"]) == 0  # its kind has no "still due" check: always due
    assert Notification.objects.unread().filter(recipient=leo).count() == 1


def test_a_review_done_before_the_digest_is_left_out_of_it(leo, sales):
    NotificationPreference.objects.create(user=leo, kind="", delivery="daily")
    sales.owner = leo
    sales.next_review_on = timezone.localdate() + timedelta(days=7)
    sales.save()
    reminders.run_sweep(name="reviews")
    reminders.send_reminders()
    reviews.record_review(item=sales, by=leo, outcome="confirmed")
    note = Notification.objects.get(recipient=leo)
    assert (note.email_state, note.done_at is not None) == (Notification.Email.SKIPPED, True)
    assert reminders.send_digests(frequency="daily") == 0
    assert mail.outbox == []


# Markdown in notifications


def test_the_inbox_shows_a_bodys_markdown_and_runs_none_of_its_html(client, leo):
    note = note_for(leo, "Meet our five CX principles", kind="communication",
                    body="Today we publish **five CX principles**.<script>alert(1)</script> "
                         "<img src=x onerror=alert(1)> [Read them](javascript:alert(1)).")
    row = inbox_row(inbox_of(client, leo), note)
    assert "<strong>five CX principles</strong>" in row
    assert "**" not in row
    for forbidden in ("<script", "onerror", "javascript:"):
        assert forbidden not in row


def test_preferences_page_offers_each_kind_and_names_the_important_ones(client, leo):
    client.force_login(leo)
    response = client.get(reverse("notification-preferences"))
    form = response.context["form"]
    assert form["default"].value() == "immediate"
    assert {"kind_review_due", "kind_message"} <= set(form.fields)
    assert "kind_review_escalation" not in form.fields
    assert "Overdue reviews of others" in response.text  # shown as always emailed right away
    assert "Use my default" in response.text


def test_saving_preferences_writes_the_default_and_the_chosen_kinds(client, leo):
    client.force_login(leo)
    response = client.post(reverse("notification-preferences"),
                           {"default": "daily", "kind_review_due": "none", "kind_message": ""})
    assert response.status_code == 302
    saved = dict(NotificationPreference.objects.filter(user=leo).values_list("kind", "delivery"))
    assert saved == {"": "daily", "review.due": "none"}
    page = client.get(reverse("notification-preferences"))
    assert page.context["form"]["default"].value() == "daily"
    assert page.context["form"]["kind_review_due"].value() == "none"


def test_use_my_default_deletes_that_kinds_row(client, leo, eve):
    NotificationPreference.objects.create(user=leo, kind="review.due", delivery="weekly")
    NotificationPreference.objects.create(user=eve, kind="review.due", delivery="weekly")
    client.force_login(leo)
    client.post(reverse("notification-preferences"), {"default": "immediate", "kind_review_due": ""})
    assert dict(NotificationPreference.objects.filter(user=leo).values_list("kind", "delivery")) == {"": "immediate"}
    assert NotificationPreference.objects.filter(user=eve, kind="review.due").exists()


def test_double_submit_leaves_one_row_per_kind(client, leo):
    client.force_login(leo)
    for delivery in ("weekly", "daily"):
        client.post(reverse("notification-preferences"), {"default": "none", "kind_review_due": delivery})
    rows = list(NotificationPreference.objects.filter(user=leo).order_by("kind").values_list("kind", "delivery"))
    assert rows == [("", "none"), ("review.due", "daily")]


def test_an_unknown_choice_keeps_the_input_and_shows_the_error_beside_the_field(client, leo):
    client.force_login(leo)
    response = client.post(reverse("notification-preferences"), {"default": "hourly", "kind_review_due": "weekly"})
    assert response.status_code == 200
    assert 'id="id_default_errors"' in response.text
    assert response.context["form"]["kind_review_due"].value() == "weekly"
    assert not NotificationPreference.objects.filter(user=leo).exists()


def test_important_kinds_have_no_preference(leo):
    with pytest.raises(ValidationError):
        inbox.set_preferences(user=leo, default="none", kinds={reviews.REVIEW_ESCALATION: "none"})
    assert not NotificationPreference.objects.exists()


def test_saved_preferences_decide_how_the_sender_emails(client, leo, sales):
    sales.owner = leo
    sales.next_review_on = timezone.localdate() + timedelta(days=7)
    sales.save()
    client.force_login(leo)
    client.post(reverse("notification-preferences"), {"default": "immediate", "kind_review_due": "weekly"})
    reminders.run_sweep(name="reviews")
    reminders.send_reminders()
    assert Notification.objects.get(recipient=leo).email_state == Notification.Email.WEEKLY
