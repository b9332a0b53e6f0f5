import io

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from cxcoe.models import AuditEvent, Reminder, User
from standards import kinds
from standards.models import (
    Acknowledgement,
    Communication,
    CommunicationPlan,
    Principle,
    Standard,
    StandardVersion,
)


def _counts() -> tuple:
    return (Principle.objects.count(), Standard.objects.count(), StandardVersion.objects.count(),
            Acknowledgement.objects.count(), CommunicationPlan.objects.count(), Communication.objects.count(),
            AuditEvent.objects.count(), Reminder.objects.filter(kind=kinds.COMMUNICATION).count())


def test_seed_demo_tells_the_standards_story_once(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "Demo standards ready: 5 principles, 12 standards" in out.getvalue()
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    today = timezone.localdate()

    assert list(Principle.objects.active().values_list("title", flat=True)) == [
        "We make it easy", "We know our customers", "We keep our promises", "We own the whole journey",
        "We learn from every voice"]
    assert all(p.explanation and p.examples for p in Principle.objects.all())
    assert Standard.objects.count() == 12
    assert Standard.objects.values("principle").distinct().count() == 5

    states = dict(Standard.objects.values_list("status").annotate(n=Count("pk")))
    assert states == {"published": 8, "draft": 3, "retired": 1}
    open_versions = dict(StandardVersion.objects.filter(status__in=["draft", "submitted"])
                         .values_list("standard__code", "status"))
    assert open_versions == {"CX-STD-007": "draft", "CX-STD-008": "submitted", "CX-STD-009": "draft"}
    leo = User.objects.get(email="leo@acme.example")
    waiting = Standard.objects.get(code="CX-STD-008")
    assert waiting.approver == leo
    # seed_demo delivers the demo's first reminders itself (before make run prints its banner).
    approval_requests = Reminder.objects.filter(kind=kinds.APPROVAL_REQUESTED, status=Reminder.Status.SENT)
    assert list(approval_requests.values_list("recipient__email", "target_id")) == [
        ("leo@acme.example", waiting.open_version().pk)]
    sent_back = StandardVersion.objects.get(standard__code="CX-STD-009")
    assert sent_back.returned_comment
    assert Standard.objects.get(code="CX-STD-010").is_retired
    assert Standard.objects.published().filter(requires_acknowledgement=False).exists()
    assert Standard.objects.filter(audience_role="leaders").exists()

    three = Standard.objects.get(code="CX-STD-002")
    versions = list(three.versions.order_by("number"))
    assert [(v.number, v.status, v.needs_reacknowledgement) for v in versions] == [
        (1, "superseded", True), (2, "superseded", False), (3, "current", True)]
    assert versions[0].effective_on < versions[1].effective_on < versions[2].effective_on <= today
    assert all(v.change_summary for v in versions)
    assert three.current_version == versions[2] == three.ack_version

    ack = Standard.objects.published().filter(requires_acknowledgement=True)
    assert ack.count() == 6
    for standard in ack:
        rows = Acknowledgement.objects.filter(version_id=standard.ack_version_id)
        done, asked = rows.filter(status="acknowledged").count(), rows.count()
        assert 0 < done < asked, standard.code
    for email in ("eve@acme.example", "amir@acme.example", "bianca@acme.example"):
        assert Acknowledgement.objects.pending().filter(person__email=email).exists(), email
    overdue = Acknowledgement.objects.overdue(today)
    assert set(overdue.values_list("standard__code", flat=True)) == {"CX-STD-003"}
    assert overdue.filter(person__email="amir@acme.example").exists()
    assert Reminder.objects.filter(kind=kinds.ACK_ESCALATION).exists()

    assert CommunicationPlan.objects.count() == 2
    for plan in CommunicationPlan.objects.all():
        dates = list(plan.communications.values_list("scheduled_on", flat=True))
        assert min(dates) < today < max(dates)
        assert plan.principles.exists()
        assert plan.standards.exists()
    statuses = set(Communication.objects.values_list("status", flat=True))
    assert statuses == {"planned", "ready", "sent", "cancelled"}
    email = Communication.objects.get(status="sent", channel="email")
    assert email.recipient_count == Reminder.objects.filter(kind=kinds.COMMUNICATION, target_id=email.pk).count()
    assert email.recipient_count > 0
    assert Communication.objects.filter(status="sent", channel="town_hall").exists()
    assert any(c.is_overdue(today) for c in Communication.objects.filter(status="planned"))
    assert Reminder.objects.filter(kind=kinds.COMMUNICATION_NOT_READY).exists()
