from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from cxcoe import reviews
from cxcoe.models import BusinessUnit, Notification, NotificationPreference, Reminder, ReviewRecord, User
from cxcoe.notifications import reminders
from cxcoe.people import services

from ..factories import UserFactory
from ..steps import TODAY


@pytest.mark.parametrize(("days_left", "period"), [
    (31, None),
    (30, "before-30"),
    (8, "before-30"),
    (7, "before-7"),
    (2, "before-7"),
    (1, "before-1"),
    (0, "before-0"),
    (-1, "before-0"),
    (-6, "before-0"),
    (-7, "overdue-1"),
    (-13, "overdue-1"),
    (-14, "overdue-2"),
    (-21, "overdue-3"),
])
def test_reminder_periods_follow_the_offsets_then_weekly(days_left, period):
    due_on = TODAY + timedelta(days=days_left)
    expected = f"{due_on:%Y-%m-%d}/{period}" if period else None
    assert reminders.reminder_period(due_on, TODAY) == expected


@pytest.mark.parametrize(("days_overdue", "escalated"), [(13, False), (14, True), (30, True), (0, False)])
def test_escalation_starts_after_fourteen_days(days_overdue, escalated):
    assert reminders.is_escalated(TODAY - timedelta(days=days_overdue), TODAY) is escalated


@pytest.mark.parametrize(("days_left", "words"), [
    (3, "due in 3 days"), (1, "due tomorrow"), (0, "due today"), (-1, "overdue by 1 day"), (-9, "overdue by 9 days"),
])
def test_titles_say_when_in_words(days_left, words):
    assert reminders.describe_due(TODAY + timedelta(days=days_left), TODAY) == words


def test_offsets_are_settings(settings):
    settings.CXCOE_REMINDER_OFFSETS = [14, 0]
    due_on = TODAY + timedelta(days=10)
    assert reminders.reminder_period(due_on, TODAY) == f"{due_on:%Y-%m-%d}/before-14"


@pytest.fixture
def owned_unit(sales, leo):
    sales.owner = leo
    sales.next_review_on = TODAY + timedelta(days=7)
    sales.save()
    return sales


def test_review_sweep_reminds_the_owner_once(owned_unit, leo):
    assert reviews.sweep_reviews(today=TODAY) == 1
    assert reviews.sweep_reviews(today=TODAY) == 0
    row = Reminder.objects.get()
    assert (row.recipient, row.kind, row.period) == (leo, "review.due", f"{owned_unit.next_review_on}/before-7")


def test_ownerless_items_go_to_coe_staff(sales, olivia):
    sales.next_review_on = TODAY
    sales.save()
    reviews.sweep_reviews(today=TODAY)
    assert list(Reminder.objects.values_list("recipient__email", flat=True)) == ["olivia@acme.example"]


def test_overdue_reviews_escalate_to_the_owners_leader(owned_unit, leo, amir, olivia, acme):
    owned_unit.owner = amir
    owned_unit.next_review_on = TODAY - timedelta(days=14)
    owned_unit.save()
    enterprise = amir.business_unit
    boss = UserFactory(email="boss@acme.example", leads=[enterprise])
    reviews.sweep_reviews(today=TODAY)
    rows = set(Reminder.objects.values_list("recipient__email", "kind", "is_escalation"))
    assert rows == {("amir@acme.example", "review.due", False), (boss.email, "review.escalation", True)}


def test_escalation_goes_to_the_nearest_leader_above_a_unit_without_one(owned_unit, leo, amir, olivia):
    owned_unit.owner = amir  # Enterprise Sales has no leader of its own; Leo leads Sales above it
    owned_unit.next_review_on = TODAY - timedelta(days=14)
    owned_unit.save()
    reviews.sweep_reviews(today=TODAY)
    escalation = Reminder.objects.get(kind="review.escalation")
    assert escalation.recipient == leo


def test_escalation_without_a_leader_goes_to_coe_staff(owned_unit, leo, olivia):
    owned_unit.next_review_on = TODAY - timedelta(days=20)
    owned_unit.save()
    reviews.sweep_reviews(today=TODAY)  # leo leads Sales himself: nobody above him but CoE staff
    escalation = Reminder.objects.get(kind="review.escalation")
    assert escalation.recipient == olivia


def test_archived_and_unscheduled_items_get_no_reminders(owned_unit, support):
    owned_unit.is_active = False
    owned_unit.save()
    assert reviews.sweep_reviews(today=TODAY) == 0
    assert not Reminder.objects.exists()


def test_sender_delivers_inbox_and_email_then_marks_sent(owned_unit, leo):
    reviews.sweep_reviews(today=TODAY)
    assert reminders.send_reminders() == 1
    row = Reminder.objects.get()
    assert row.status == Reminder.Status.SENT
    note = Notification.objects.get(recipient=leo)
    assert note.title == f"Review Sales: {reminders.describe_due(owned_unit.next_review_on)}"
    assert note.url == owned_unit.get_absolute_url()
    assert note.email_state == Notification.Email.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["leo@acme.example"]
    assert "http://127.0.0.1:8000/manage/units/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert reminders.send_reminders() == 0
    assert len(mail.outbox) == 1


def test_digest_preference_holds_the_email_for_the_digest(owned_unit, leo):
    NotificationPreference.objects.create(user=leo, kind="", delivery="daily")
    reviews.sweep_reviews(today=TODAY)
    reminders.send_reminders()
    assert mail.outbox == []
    assert Notification.objects.get().email_state == Notification.Email.DAILY
    assert reminders.send_digests(frequency="daily") == 1
    assert reminders.send_digests(frequency="daily") == 0
    assert len(mail.outbox) == 1
    assert "Review Sales" in mail.outbox[0].body
    assert Notification.objects.get().email_state == Notification.Email.SENT


def test_escalations_are_emailed_whatever_the_preference(owned_unit, leo, olivia):
    NotificationPreference.objects.create(user=olivia, kind="", delivery="none")
    owned_unit.next_review_on = TODAY - timedelta(days=15)
    owned_unit.save()
    reviews.sweep_reviews(today=TODAY)
    reminders.send_reminders()
    assert [message.to for message in mail.outbox if "Overdue review" in message.subject] == [["olivia@acme.example"]]


def test_recording_a_review_moves_the_date_and_stops_reminders(owned_unit, leo):
    reviews.sweep_reviews(today=TODAY)
    record = reviews.record_review(item=owned_unit, by=leo, outcome="confirmed", note="All good", today=TODAY)
    owned_unit.refresh_from_db()
    assert owned_unit.next_review_on == TODAY + timedelta(days=180)
    assert record.next_review_on == owned_unit.next_review_on
    assert Reminder.objects.get().status == Reminder.Status.CANCELLED
    assert reminders.send_reminders() == 0


def test_when_coe_staff_record_the_review_the_owners_reminder_and_the_escalation_are_done(owned_unit, leo,
                                                                                          olivia):
    owned_unit.next_review_on = TODAY - timedelta(days=20)
    owned_unit.save()
    reviews.sweep_reviews(today=TODAY)
    reminders.send_reminders()
    notes = Notification.objects.filter(kind__in=[reviews.REVIEW_DUE, reviews.REVIEW_ESCALATION])
    assert set(notes.values_list("recipient__email", "kind")) == {
        ("leo@acme.example", reviews.REVIEW_DUE), ("olivia@acme.example", reviews.REVIEW_ESCALATION)}
    reviews.record_review(item=owned_unit, by=olivia, outcome="confirmed", today=TODAY)
    # Leo owns it, Olivia may review it too: whoever records the review answers both notifications.
    assert [note.done_at is not None for note in notes] == [True, True]
    assert not Notification.objects.unread().exists()


def test_settling_asks_the_kind_so_an_item_still_due_keeps_its_notifications(owned_unit, leo):
    reviews.sweep_reviews(today=TODAY)
    reminders.send_reminders()
    assert reminders.settle(owned_unit, kinds=[reviews.REVIEW_DUE]) == 0  # nobody has recorded the review
    assert Notification.objects.unread().get().recipient == leo


def test_retiring_archives_the_unit(owned_unit, olivia):
    reviews.record_review(item=owned_unit, by=olivia, outcome="retired", today=TODAY)
    owned_unit.refresh_from_db()
    assert not owned_unit.is_active
    assert owned_unit.next_review_on is None
    assert ReviewRecord.objects.get().outcome == "retired"


def test_only_the_owner_or_coe_staff_record_reviews(owned_unit, amir):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        reviews.record_review(item=owned_unit, by=amir, outcome="confirmed", today=TODAY)
    assert not ReviewRecord.objects.exists()


def test_completed_before_sending_means_no_reminder(owned_unit, leo):
    reviews.sweep_reviews(today=TODAY)
    BusinessUnit.objects.filter(pk=owned_unit.pk).update(next_review_on=TODAY + timedelta(days=180))
    assert reminders.send_reminders() == 0
    assert Reminder.objects.get().status == Reminder.Status.CANCELLED
    assert not Notification.objects.exists()


def test_leavers_reminders_stop_and_their_items_go_to_coe_staff(owned_unit, leo, olivia):
    reviews.sweep_reviews(today=TODAY)
    services.deactivate_person(person=leo, by=olivia)
    owned_unit.refresh_from_db()
    assert owned_unit.owner is None
    assert owned_unit.owner_flagged
    assert Reminder.objects.get(recipient=leo).status == Reminder.Status.CANCELLED
    reviews.sweep_reviews(today=TODAY)
    assert Reminder.objects.filter(recipient=olivia, kind="review.due").exists()


def test_notify_reaches_each_person_once(olivia, leo, eve, sales):
    for _ in range(2):
        reminders.notify(recipients=[leo, eve], kind="message", target=sales, key="town-hall-1",
                         title="Town hall on Friday", body="Join us.")
    reminders.send_reminders()
    assert sorted(Notification.objects.values_list("recipient__email", flat=True)) == [
        "eve@acme.example", "leo@acme.example"]
    assert Reminder.objects.filter(target_type=ContentType.objects.get_for_model(sales)).count() == 2
    assert User.objects.count() == 3


def test_an_owner_confirms_but_only_coe_staff_retire_a_unit(owned_unit, leo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        reviews.record_review(item=owned_unit, by=leo, outcome="retired", today=TODAY)
    owned_unit.refresh_from_db()
    assert owned_unit.is_active


def test_a_new_owner_takes_over_the_reminders(owned_unit, leo, amir, olivia):
    reviews.sweep_reviews(today=TODAY)
    services.update_unit(unit=owned_unit, by=olivia, owner=amir)
    assert Reminder.objects.get(recipient=leo).status == Reminder.Status.CANCELLED
    reviews.sweep_reviews(today=TODAY)
    assert Reminder.objects.filter(recipient=amir, status=Reminder.Status.PENDING).exists()


def test_a_row_for_someone_who_left_is_never_delivered(owned_unit, leo):
    reviews.sweep_reviews(today=TODAY)
    Reminder.objects.update(status=Reminder.Status.FAILED)  # say, waiting for a retry by staff
    User.objects.filter(pk=leo.pk).update(is_active=False)
    Reminder.objects.update(status=Reminder.Status.PENDING)
    assert reminders.send_reminders() == 0
    assert Reminder.objects.get().status == Reminder.Status.CANCELLED
    assert mail.outbox == []


def test_the_daily_beat_entry_runs_every_registered_sweep(owned_unit, leo):
    from cxcoe.models import SweepRun

    assert reminders.run_all_sweeps(today=TODAY) == 1
    assert set(SweepRun.objects.values_list("name", "status")) == {(name, "ok") for name in reminders.SWEEPS}


def test_notify_refuses_a_key_the_ledger_would_cut(leo, sales):
    with pytest.raises(ValueError, match="1 to 40 characters"):
        reminders.notify(recipients=[leo], kind="message", target=sales, key="x" * 41, title="Hello")
    assert not Reminder.objects.exists()
