"""A standard's life: drafts, approval, sending back, revisions, retirement and reviews.

Olivia (CoE staff) writes standards; Oscar (CoE staff) approves them unless a standard names its own
approver; Leo leads Sales and approves the Sales standards he is named on.
"""

import threading
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cxcoe import reviews
from cxcoe.models import AuditEvent, Notification, Reminder, ReviewRecord
from cxcoe.notifications import reminders
from standards import kinds
from standards.models import Acknowledgement, Standard, StandardVersion
from standards.services.acknowledgements import acknowledge_standard
from standards.services.catalogue import retire_standard, review_standard
from standards.services.versions import (
    approve_version,
    save_draft,
    send_back,
    start_revision,
    submit_version,
    withdraw_submission,
)

from ..factories import UserFactory
from ..steps import audit_events, done_by_title, inbox_of, inbox_row
from .factories import StandardFactory, publish_standard, revise_standard


@pytest.fixture
def draft(write_standard):
    """Olivia's new standard, any CoE staff member approves it."""
    return write_standard("CX-STD-001")


def _submit(standard: Standard, by) -> StandardVersion:
    return submit_version(version=standard.open_version(), by=by)


def _approve(standard: Standard, by, **kwargs) -> StandardVersion:
    return approve_version(version=standard.open_version(), by=by, **kwargs)


# Creating, submitting, approving


def test_creating_a_standard_makes_draft_version_one(draft, olivia):
    assert draft.status == Standard.Status.DRAFT
    assert draft.current_version is None
    assert draft.next_review_on is None
    version = draft.versions.get()
    assert (version.number, version.status, version.created_by) == (1, StandardVersion.Status.DRAFT, olivia)
    assert version.title == draft.title == "Answer within one working day"
    assert len(audit_events(draft, "standard.created")) == 1


def test_submitting_puts_the_draft_before_the_approver(draft, olivia, oscar):
    version = _submit(draft, olivia)
    version.refresh_from_db()
    assert version.status == StandardVersion.Status.SUBMITTED
    assert version.submitted_by == olivia
    assert version.submitted_at is not None
    assert [event.details for event in audit_events(draft, "version.submitted")] == [{"version": 1}]
    # Any CoE staff member may approve, except the person who submitted it.
    asked = Reminder.objects.filter(kind=kinds.APPROVAL_REQUESTED)
    assert list(asked.values_list("recipient__email", flat=True)) == ["oscar@acme.example"]


def test_approving_makes_the_version_current_and_publishes_the_standard(draft, olivia, oscar):
    _submit(draft, olivia)
    today = timezone.localdate()
    effective = today + timedelta(days=5)
    _approve(draft, oscar, effective_on=effective, comment="Clear and measurable.")
    draft.refresh_from_db()
    version = draft.versions.get()
    assert version.status == StandardVersion.Status.CURRENT
    assert (version.decided_by, version.effective_on) == (oscar, effective)
    assert version.decided_at is not None
    assert draft.status == Standard.Status.PUBLISHED
    assert draft.current_version == version
    assert draft.next_review_on == effective + timedelta(days=draft.review_interval_days)
    assert [e.details for e in audit_events(draft, "version.approved")] == [
        {"version": 1, "effective_on": str(effective), "comment": "Clear and measurable."}]
    assert len(audit_events(draft, "standard.published")) == 1


def test_an_empty_effective_date_means_today(draft, olivia, oscar):
    _submit(draft, olivia)
    _approve(draft, oscar)
    assert draft.versions.get().effective_on == timezone.localdate()


def test_approving_a_second_version_supersedes_the_first(draft, olivia, oscar):
    standard = publish_standard(draft, approver=oscar)
    first_review = standard.next_review_on
    revise_standard(standard, olivia, approver=oscar, title="Answer within four working hours")
    first, second = standard.versions.order_by("number")
    assert first.status == StandardVersion.Status.SUPERSEDED
    assert first.superseded_at is not None
    assert second.status == StandardVersion.Status.CURRENT
    assert standard.current_version == second
    assert standard.title == "Answer within four working hours"
    assert standard.next_review_on == first_review  # a new version does not move the review
    assert StandardVersion.objects.filter(standard=standard, status="current").count() == 1


# The approval request, once someone decides


def _requests_to(person) -> dict[str, bool]:
    return done_by_title(person, kinds.APPROVAL_REQUESTED)


def test_once_leo_approves_his_request_is_done_and_leaves_his_bell(principle, olivia, leo, client):
    standard = StandardFactory(code="CX-STD-003", title="Call back when we promised", principle=principle,
                               author=olivia, owner=olivia, approver=leo)
    _submit(standard, olivia)
    reminders.send_reminders()
    assert inbox_of(client, leo).context["nav"]["unread_notifications"] == 1
    response = client.post(reverse("standards:version-approve", args=[standard.pk]), {"effective_on": ""})
    assert response.status_code == 302
    assert _requests_to(leo) == {"Approve CX-STD-003 v1: Call back when we promised": True}
    inbox = inbox_of(client, leo)
    assert inbox.context["nav"]["unread_notifications"] == 0
    assert ">Done</span>" in inbox_row(inbox, Notification.objects.get(recipient=leo))
    reminders.send_reminders()
    # Olivia hears the decision: news, which asks her for nothing, so it is not done by anything.
    decision = Notification.objects.get(recipient=olivia, kind=kinds.DECISION)
    assert (decision.title, decision.done_at) == ("CX-STD-003 v1 is approved", None)


def test_when_one_coe_staff_member_approves_the_others_requests_are_done_too(draft, olivia, oscar, client):
    priya = UserFactory(email="priya@acme.example", display_name="Priya Shah", coe_staff=True)
    _submit(draft, olivia)  # no named approver: every CoE staff member but the author is asked
    reminders.send_reminders()
    assert inbox_of(client, priya).context["nav"]["unread_notifications"] == 1
    _approve(draft, oscar)
    assert _requests_to(oscar) == _requests_to(priya) == {"Approve CX-STD-001 v1: Answer within one working day": True}
    assert inbox_of(client, priya).context["nav"]["unread_notifications"] == 0


def test_sending_back_is_the_decision_the_request_asked_for(draft, olivia, oscar):
    _submit(draft, olivia)
    reminders.send_reminders()
    send_back(version=draft.open_version(), by=oscar, comment="Add a metric.")
    assert _requests_to(oscar) == {"Approve CX-STD-001 v1: Answer within one working day": True}


def test_version_two_asks_under_its_own_title_beside_version_ones_done_request(draft, olivia, oscar):
    _submit(draft, olivia)
    reminders.send_reminders()
    _approve(draft, oscar)
    revise_standard(draft, olivia, submit=True, title="Answer within four working hours")
    reminders.send_reminders()
    assert _requests_to(oscar) == {"Approve CX-STD-001 v1: Answer within one working day": True,
                                   "Approve CX-STD-001 v2: Answer within four working hours": False}


# Sending back and recalling


def test_sending_back_returns_the_draft_to_its_author_with_the_comment(draft, olivia, oscar, client):
    _submit(draft, olivia)
    send_back(version=draft.open_version(), by=oscar, comment="Say what 'working day' means abroad.")
    version = draft.versions.get()
    assert version.status == StandardVersion.Status.DRAFT
    assert version.returned_comment == "Say what 'working day' means abroad."
    assert version.decided_by is None
    draft.refresh_from_db()
    assert draft.status == Standard.Status.DRAFT
    assert [e.details for e in audit_events(draft, "version.sent_back")] == [
        {"version": 1, "comment": "Say what 'working day' means abroad."}]
    client.force_login(olivia)
    assert "Say what &#x27;working day&#x27; means abroad." in client.get(
        reverse("standards:draft-edit", args=[draft.pk])).content.decode()
    returned = client.get(reverse("standards:approval-list")).context["returned"]
    assert [v.pk for v in returned] == [version.pk]


def test_the_comment_stays_on_the_draft_until_a_version_is_approved(draft, olivia, oscar):
    _submit(draft, olivia)
    send_back(version=draft.open_version(), by=oscar, comment="Add a metric.")
    _submit(draft, olivia)
    assert draft.open_version().returned_comment == "Add a metric."
    _approve(draft, oscar)
    assert draft.versions.get().returned_comment == ""


def test_sending_back_needs_a_comment(draft, olivia, oscar, client):
    _submit(draft, olivia)
    with pytest.raises(ValidationError) as refused:
        send_back(version=draft.open_version(), by=oscar, comment="   ")
    assert "comment" in refused.value.message_dict
    client.force_login(oscar)
    response = client.post(reverse("standards:version-send-back", args=[draft.pk]), {"comment": ""})
    assert response.status_code == 200
    assert response.context["send_back_form"].errors["comment"] == [
        "Say what needs to change, so the author can fix it."]
    # Its own id: the approve form is on the page too.
    assert 'id="send_back_comment_errors"' in response.content.decode()
    assert draft.versions.get().status == StandardVersion.Status.SUBMITTED
    assert audit_events(draft, "version.sent_back") == []


def test_sending_back_through_the_page(draft, olivia, oscar, client):
    _submit(draft, olivia)
    client.force_login(oscar)
    response = client.post(reverse("standards:version-send-back", args=[draft.pk]),
                           {"comment": "Name the data source."})
    assert response.status_code == 302
    version = draft.versions.get()
    assert (version.status, version.returned_comment) == (StandardVersion.Status.DRAFT, "Name the data source.")


def test_a_draft_is_not_sent_back(draft, oscar):
    with pytest.raises(ValidationError, match="no longer waiting for approval"):
        send_back(version=draft.open_version(), by=oscar, comment="Too early")
    version = draft.versions.get()
    assert (version.status, version.returned_comment) == (StandardVersion.Status.DRAFT, "")
    assert audit_events(draft, "version.sent_back") == []


def test_a_draft_without_a_statement_cannot_be_submitted(draft, olivia):
    version = save_draft(version=draft.open_version(), by=olivia, statement="  ")
    with pytest.raises(ValidationError, match="title and a statement"):
        _submit(draft, olivia)
    version.refresh_from_db()
    assert (version.status, version.submitted_at) == (StandardVersion.Status.DRAFT, None)
    assert audit_events(draft, "version.submitted") == []
    assert not Reminder.objects.filter(kind=kinds.APPROVAL_REQUESTED).exists()


def test_the_author_takes_a_submitted_version_back_to_draft(draft, olivia, client):
    _submit(draft, olivia)
    client.force_login(olivia)
    response = client.post(reverse("standards:draft-recall", args=[draft.pk]))
    assert response.status_code == 302
    assert draft.versions.get().status == StandardVersion.Status.DRAFT
    assert len(audit_events(draft, "version.recalled")) == 1
    with pytest.raises(ValidationError, match="not waiting for approval"):
        withdraw_submission(version=draft.open_version(), by=olivia)
    assert len(audit_events(draft, "version.recalled")) == 1


# Revisions


def test_a_revision_starts_from_the_current_text(draft, olivia, oscar):
    standard = publish_standard(draft, approver=oscar)
    current = standard.current_version
    revision = start_revision(standard=standard, by=olivia)
    assert (revision.number, revision.status) == (2, StandardVersion.Status.DRAFT)
    for name in ["title", "statement", "rationale_customers", "metric", "target", "data_source"]:
        assert getattr(revision, name) == getattr(current, name)
    assert revision.change_summary == ""
    assert revision.needs_reacknowledgement is True
    standard.refresh_from_db()
    assert standard.current_version == current  # the published text applies until the revision is approved
    assert [e.details for e in audit_events(standard, "version.drafted")] == [{"version": 2}]


def test_starting_a_revision_twice_returns_the_same_open_draft(draft, olivia, oscar, client):
    standard = publish_standard(draft, approver=oscar)
    first = start_revision(standard=standard, by=olivia)
    assert start_revision(standard=standard, by=olivia).pk == first.pk
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-revise", args=[standard.pk]))
    assert response["Location"] == reverse("standards:draft-edit", args=[standard.pk])
    assert standard.versions.count() == 2
    assert len(audit_events(standard, "version.drafted")) == 1


def test_a_retired_standard_gets_no_new_version(draft, olivia, oscar, client):
    standard = publish_standard(draft, approver=oscar)
    retire_standard(standard=standard, by=olivia, note="Replaced by CX-STD-009")
    with pytest.raises(ValidationError, match="retired"):
        start_revision(standard=standard, by=olivia)
    client.force_login(olivia)
    client.post(reverse("standards:standard-revise", args=[standard.pk]))
    assert standard.versions.count() == 1
    assert audit_events(standard, "version.drafted") == []


def test_a_version_waiting_for_approval_cannot_be_edited(draft, olivia, client):
    _submit(draft, olivia)
    version = draft.open_version()
    with pytest.raises(ValidationError, match="only a draft can be edited"):
        save_draft(version=version, by=olivia, title="Answer whenever")
    version.refresh_from_db()
    assert version.title == "Answer within one working day"
    client.force_login(olivia)
    response = client.get(reverse("standards:draft-edit", args=[draft.pk]))
    assert response["Location"] == draft.get_absolute_url()
    response = client.post(reverse("standards:draft-edit", args=[draft.pk]),
                           {"title": "Answer whenever", "statement": "Later.", "rationale_customers": "None."})
    assert response.status_code == 302
    version.refresh_from_db()
    draft.refresh_from_db()
    assert (version.title, version.statement) == ("Answer within one working day",
                                                  "Reply to every customer message within one working day.")
    assert draft.title == "Answer within one working day"


def test_saving_a_draft_through_the_page_keeps_the_text_and_can_submit(draft, olivia, client):
    client.force_login(olivia)
    response = client.post(reverse("standards:draft-edit", args=[draft.pk]), {
        "title": "Answer within a day", "statement": "Reply within **one** working day.",
        "rationale_customers": "Waiting is effort.", "submit": "1"})
    assert response.status_code == 302
    version = draft.versions.get()
    assert (version.title, version.status) == ("Answer within a day", StandardVersion.Status.SUBMITTED)
    draft.refresh_from_db()
    assert draft.title == "Answer within a day"
    # The long texts are said to have changed; what they say is in the version itself.
    assert [(e.actor, e.details) for e in audit_events(draft, "version.draft_saved")] == [(olivia, {
        "version": 1, "title": ["Answer within one working day", "Answer within a day"], "statement": "changed",
        "why it matters to customers": "changed", "metric": ["Replies within 24 h", ""], "target": ["95%", ""],
        "where the number comes from": ["Helpdesk report", ""],
    })]


def test_saving_a_draft_unchanged_records_nothing(draft, olivia, client):
    version = draft.open_version()
    client.force_login(olivia)
    fields = ["title", "statement", "rationale_customers", "metric", "target", "data_source"]
    response = client.post(reverse("standards:draft-edit", args=[draft.pk]),
                           {name: getattr(version, name) for name in fields})
    assert response.status_code == 302
    assert audit_events(draft, "version.draft_saved") == []


def test_submitting_twice_is_refused_with_a_clear_message(draft, olivia, client):
    first = _submit(draft, olivia)
    with pytest.raises(ValidationError, match="already waiting for approval"):
        _submit(draft, olivia)
    client.force_login(olivia)
    response = client.post(reverse("standards:draft-submit", args=[draft.pk]), follow=True)
    assert "Version 1 is already waiting for approval." in [str(m) for m in response.context["messages"]]
    version = draft.versions.get()
    assert version.submitted_at == first.submitted_at
    assert len(audit_events(draft, "version.submitted")) == 1


# Who may approve


def test_only_the_named_approver_decides(principle, olivia, leo, una, client):
    standard = StandardFactory(code="CX-STD-002", principle=principle, author=olivia, approver=leo)
    _submit(standard, olivia)
    for outsider in (olivia, una):
        with pytest.raises(ValidationError, match="Leo Marsh, the approver"):
            _approve(standard, outsider)
    client.force_login(olivia)
    assert client.post(reverse("standards:version-approve", args=[standard.pk])).status_code == 403
    assert client.post(reverse("standards:version-send-back", args=[standard.pk]),
                       {"comment": "No"}).status_code == 403
    version = standard.versions.get()
    assert (version.status, version.decided_by) == (StandardVersion.Status.SUBMITTED, None)
    standard.refresh_from_db()
    assert standard.status == Standard.Status.DRAFT
    assert audit_events(standard, "version.approved") == []
    client.force_login(leo)
    assert client.post(reverse("standards:version-approve", args=[standard.pk])).status_code == 302
    standard.refresh_from_db()
    assert standard.current_version.decided_by == leo


def test_a_leader_cannot_approve_a_standard_left_to_coe_staff(draft, olivia, leo):
    _submit(draft, olivia)
    with pytest.raises(ValidationError, match="Only CoE staff"):
        _approve(draft, leo)
    assert draft.versions.get().status == StandardVersion.Status.SUBMITTED


def test_nobody_approves_their_own_version(draft, olivia, client):
    _submit(draft, olivia)
    with pytest.raises(ValidationError, match="someone else must approve it"):
        _approve(draft, olivia)
    draft.refresh_from_db()
    assert (draft.status, draft.versions.get().status) == (Standard.Status.DRAFT, StandardVersion.Status.SUBMITTED)
    assert audit_events(draft, "version.approved") == []
    client.force_login(olivia)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "someone else must approve it" in page
    assert reverse("standards:version-approve", args=[draft.pk]) not in page
    response = client.post(reverse("standards:version-approve", args=[draft.pk]))
    assert "someone else must approve it" in response.content.decode()
    assert draft.versions.get().status == StandardVersion.Status.SUBMITTED


def test_self_approval_is_a_setting(draft, olivia, settings):
    settings.CXCOE_ALLOW_SELF_APPROVAL = True
    _submit(draft, olivia)
    _approve(draft, olivia)
    draft.refresh_from_db()
    assert draft.current_version.decided_by == olivia


def test_an_effective_date_in_the_past_is_refused_beside_the_field(draft, olivia, oscar, client):
    _submit(draft, olivia)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        _approve(draft, oscar, effective_on=yesterday)
    assert list(refused.value.message_dict) == ["effective_on"]
    client.force_login(oscar)
    response = client.post(reverse("standards:version-approve", args=[draft.pk]),
                           {"effective_on": yesterday.isoformat(), "comment": "Fine"})
    assert response.status_code == 200
    assert response.context["approve_form"].errors["effective_on"] == ["The effective date can't be in the past."]
    html = response.content.decode()
    assert 'id="id_effective_on_errors"' in html
    assert f'value="{date_format(yesterday, "DATE_FORMAT")}"' in html  # the date they gave stays, as the app writes it
    draft.refresh_from_db()
    assert draft.status == Standard.Status.DRAFT
    version = draft.versions.get()
    assert (version.status, version.effective_on, version.decided_at) == (StandardVersion.Status.SUBMITTED, None, None)
    assert audit_events(draft, "version.approved") == audit_events(draft, "standard.published") == []


def test_a_version_no_longer_waiting_cannot_be_approved(draft, olivia, oscar, client):
    _submit(draft, olivia)
    withdraw_submission(version=draft.open_version(), by=olivia)
    with pytest.raises(ValidationError, match="no longer waiting for approval"):
        approve_version(version=draft.versions.get(), by=oscar)
    client.force_login(oscar)
    response = client.post(reverse("standards:version-approve", args=[draft.pk]), follow=True)
    assert "No version of CX-STD-001 is waiting for approval." in [str(m) for m in response.context["messages"]]
    assert draft.versions.get().status == StandardVersion.Status.DRAFT


# Concurrency and the database's own guarantees


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_leave_exactly_one_current_version(olivia, oscar, principle):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL; SQLite serializes whole transactions")
    petra = UserFactory(email="petra@acme.example", display_name="Petra Vos", coe_staff=True)
    standard = StandardFactory(code="CX-STD-003", principle=principle, author=olivia)
    version = _submit(standard, olivia)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(approver):
        try:
            barrier.wait(timeout=10)
            approve_version(version=StandardVersion.objects.get(pk=version.pk), by=approver)
            outcomes[approver.email] = "approved"
        except ValidationError as exc:
            outcomes[approver.email] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(person,)) for person in (oscar, petra)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["Version 1 is no longer waiting for approval: it is current.", "approved"]
    assert StandardVersion.objects.filter(standard=standard, status="current").count() == 1
    standard.refresh_from_db()
    winner = next(email for email, outcome in outcomes.items() if outcome == "approved")
    assert standard.current_version.decided_by.email == winner
    assert len(audit_events(standard, "version.approved")) == 1
    assert len(audit_events(standard, "standard.published")) == 1


def test_the_database_refuses_a_second_current_version(draft, olivia, oscar):
    standard = publish_standard(draft, approver=oscar)
    revision = start_revision(standard=standard, by=olivia)
    with pytest.raises(IntegrityError, match=r"one_current_version_per_standard|UNIQUE"), transaction.atomic():
        StandardVersion.objects.filter(pk=revision.pk).update(
            status=StandardVersion.Status.CURRENT, effective_on=timezone.localdate(), decided_at=timezone.now())
    assert StandardVersion.objects.filter(standard=standard, status="current").get() == standard.current_version


def test_the_database_refuses_a_second_open_version(draft, olivia):
    with pytest.raises(IntegrityError, match=r"one_open_version_per_standard|UNIQUE"), transaction.atomic():
        StandardVersion.objects.create(standard=draft, number=2, title="Another draft", statement="x",
                                       created_by=olivia)
    assert draft.versions.count() == 1


# Retirement


@pytest.fixture
def in_use(principle, olivia, oscar, sales, leo, amir):
    """A published Sales standard that asks for acknowledgement, with a revision being written."""
    standard = StandardFactory(code="CX-STD-004", principle=principle, author=olivia, owner=olivia,
                               requires_acknowledgement=True, audience_units=[sales])
    standard = publish_standard(standard, approver=oscar)
    acknowledge_standard(standard=standard, by=leo)
    revise_standard(standard, olivia, title="Answer within four hours")
    return standard


def test_retiring_withdraws_drafts_and_acknowledgements_and_keeps_the_history(in_use, olivia, leo, amir, client):
    today = timezone.localdate()
    reminders.send_reminders()  # the approval request and decision went out at the time
    Standard.objects.filter(pk=in_use.pk).update(next_review_on=today + timedelta(days=7))
    reviews.sweep_reviews(today=today)
    reminders.run_sweep(name="acknowledgements", today=in_use.current_version.ack_due_on + timedelta(days=20))
    assert set(Reminder.objects.filter(status="pending").values_list("kind", flat=True)) == {
        "review.due", kinds.ACK_DUE, kinds.ACK_ESCALATION}
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-retire", args=[in_use.pk]),
                           {"note": "Replaced by CX-STD-009"})
    assert response.status_code == 302
    in_use.refresh_from_db()
    assert in_use.status == Standard.Status.RETIRED
    assert in_use.next_review_on is None
    assert in_use.current_version.status == StandardVersion.Status.CURRENT  # history kept as it was
    assert in_use.versions.get(number=2).status == StandardVersion.Status.WITHDRAWN
    statuses = dict(Acknowledgement.objects.filter(standard=in_use).values_list("person__email", "status"))
    assert statuses == {"leo@acme.example": "acknowledged", "amir@acme.example": "withdrawn"}
    assert not Reminder.objects.filter(status="pending").exists()
    assert [e.details for e in audit_events(in_use, "standard.retired")] == [{"note": "Replaced by CX-STD-009"}]
    assert reminders.send_reminders() == 0


def test_retiring_twice_is_refused(in_use, olivia, client):
    retire_standard(standard=in_use, by=olivia, note="Replaced")
    with pytest.raises(ValidationError, match="already retired"):
        retire_standard(standard=in_use, by=olivia, note="Again")
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-retire", args=[in_use.pk]), {"note": "Again"})
    assert response.status_code == 200
    assert "CX-STD-004 is already retired." in response.content.decode()
    assert len(audit_events(in_use, "standard.retired")) == 1


def test_retiring_needs_a_reason_and_coe_staff(in_use, olivia, leo, client):
    Standard.objects.filter(pk=in_use.pk).update(owner=leo)
    client.force_login(leo)
    assert client.post(reverse("standards:standard-retire", args=[in_use.pk]), {"note": "Old"}).status_code == 403
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-retire", args=[in_use.pk]), {"note": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    in_use.refresh_from_db()
    assert in_use.status == Standard.Status.PUBLISHED
    assert in_use.versions.get(number=2).status == StandardVersion.Status.DRAFT
    assert Acknowledgement.objects.filter(standard=in_use, status="pending").count() == 1


# Reviews


def test_a_confirmed_review_moves_the_next_review_date(in_use, olivia, client):
    today = timezone.localdate()
    Standard.objects.filter(pk=in_use.pk).update(next_review_on=today + timedelta(days=3))
    reviews.sweep_reviews(today=today)
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-review", args=[in_use.pk]),
                           {"outcome": "confirmed", "note": "Still right"})
    assert response["Location"] == in_use.get_absolute_url()
    in_use.refresh_from_db()
    assert in_use.next_review_on == today + timedelta(days=in_use.review_interval_days)
    record = ReviewRecord.objects.get()
    assert (record.outcome, record.note, record.reviewed_by) == ("confirmed", "Still right", olivia)
    assert Reminder.objects.get(kind="review.due").status == Reminder.Status.CANCELLED
    assert in_use.status == Standard.Status.PUBLISHED


def test_an_updated_review_opens_a_draft_and_goes_to_it(principle, olivia, oscar, leo, client):
    standard = publish_standard(StandardFactory(code="CX-STD-005", principle=principle, author=olivia, owner=leo),
                                approver=oscar)
    client.force_login(leo)
    response = client.post(reverse("standards:standard-review", args=[standard.pk]),
                           {"outcome": "updated", "note": "The target is too low"})
    assert response["Location"] == reverse("standards:draft-edit", args=[standard.pk])
    draft = standard.open_version()
    assert (draft.number, draft.status, draft.created_by) == (2, StandardVersion.Status.DRAFT, leo)
    assert ReviewRecord.objects.get().outcome == "updated"
    standard.refresh_from_db()
    assert standard.status == Standard.Status.PUBLISHED


def test_an_updated_review_with_a_draft_open_keeps_that_draft(in_use, olivia):
    _record, draft = review_standard(standard=in_use, by=olivia, outcome="updated")
    assert draft.number == 2
    assert in_use.versions.count() == 2


def test_only_coe_staff_retire_a_standard_at_review(principle, olivia, oscar, leo, client):
    standard = publish_standard(StandardFactory(code="CX-STD-006", principle=principle, author=olivia, owner=leo,
                                                requires_acknowledgement=True), approver=oscar)
    before = standard.next_review_on
    client.force_login(leo)
    response = client.post(reverse("standards:standard-review", args=[standard.pk]), {"outcome": "retired"})
    assert response.status_code == 200
    assert response.context["review_form"].errors["outcome"]
    with pytest.raises(ValidationError, match="Only CoE staff"):
        review_standard(standard=standard, by=leo, outcome="retired")
    standard.refresh_from_db()
    assert (standard.status, standard.next_review_on) == (Standard.Status.PUBLISHED, before)
    assert not ReviewRecord.objects.exists()
    assert Acknowledgement.objects.filter(standard=standard, status="pending").exists()


def test_a_retired_review_retires_the_standard(in_use, olivia, client):
    client.force_login(olivia)
    response = client.post(reverse("standards:standard-review", args=[in_use.pk]),
                           {"outcome": "retired", "note": "No longer how we work"})
    assert response.status_code == 302
    in_use.refresh_from_db()
    assert (in_use.status, in_use.next_review_on) == (Standard.Status.RETIRED, None)
    assert in_use.versions.get(number=2).status == StandardVersion.Status.WITHDRAWN
    assert not Acknowledgement.objects.filter(standard=in_use, status="pending").exists()
    assert ReviewRecord.objects.get().outcome == "retired"
    assert len(audit_events(in_use, "standard.retired")) == 1


def test_a_retired_review_recorded_through_the_engine_alone_retires_the_standard_fully(in_use, olivia):
    """Any caller of the review engine, not only the standard's own review service, winds the standard down."""
    reviews.record_review(item=in_use, by=olivia, outcome="retired", note="No longer how we work")
    in_use.refresh_from_db()
    assert (in_use.status, in_use.next_review_on) == (Standard.Status.RETIRED, None)
    assert in_use.versions.get(number=2).status == StandardVersion.Status.WITHDRAWN
    assert not Acknowledgement.objects.filter(standard=in_use, status="pending").exists()
    assert [e.details for e in audit_events(in_use, "standard.retired")] == [{"note": "No longer how we work"}]


def test_only_a_published_standard_is_reviewed(draft, olivia):
    with pytest.raises(ValidationError, match="Only a published standard"):
        review_standard(standard=draft, by=olivia, outcome="confirmed")
    assert not ReviewRecord.objects.exists()


def test_every_step_of_a_standards_life_is_in_its_record(draft, olivia, oscar, leo):
    standard = StandardFactory(code="CX-STD-007", principle=draft.principle, author=olivia,
                               requires_acknowledgement=True, audience_units=[leo.business_unit])
    _submit(standard, olivia)
    send_back(version=standard.open_version(), by=oscar, comment="Add a target")
    _submit(standard, olivia)
    _approve(standard, oscar)
    acknowledge_standard(standard=standard, by=leo)
    retire_standard(standard=standard, by=olivia, note="Merged")
    verbs = list(AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(Standard),
                                           target_id=str(standard.pk)).order_by("pk").values_list("verb", "actor"))
    assert verbs == [("standard.created", olivia.pk), ("version.submitted", olivia.pk),
                     ("version.sent_back", oscar.pk), ("version.submitted", olivia.pk),
                     ("version.approved", oscar.pk), ("standard.published", oscar.pk),
                     ("standard.acknowledged", leo.pk), ("standard.retired", olivia.pk)]
