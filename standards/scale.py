"""The standards part of `manage.py seed_scale`: at full scale 200 standards in all, some 500,000
acknowledgements, 500,000 reminder-ledger rows and their audit history, over the organization the core grew.

Bulk inserts, not the services: asking the audiences through `approve_version` would take an hour here. The
rows still keep every rule the services keep (one current version, an acknowledgement only for people in the
audience, a time exactly when acknowledged, a sent reminder with its sending time), and the tallies are
counted at the end as beat would count them.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cxcoe.lib.seeding import bulk
from cxcoe.models import AuditEvent, BusinessUnit, Reminder, User

from . import kinds, tallies
from .models import Acknowledgement, Principle, Standard, StandardVersion

STANDARDS = 200  # in all, the demo's included
WHOLE_ORGANIZATION = 4  # standards asked of everyone
DIVISION_WIDE = 16  # asked of one division each; the rest of one department each
SUBJECTS = ["greeting", "callbacks", "complaints", "refunds", "handoffs", "follow-ups", "plain language",
            "wait times", "escalations", "accessibility", "billing questions", "first contact"]


def _moment(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def seed(*, scale: float, rng: random.Random, progress) -> None:
    today = timezone.localdate()
    staff = User.objects.get(email="olivia@acme.example")
    approver = User.objects.get(email="nadia@acme.example")
    principles = list(Principle.objects.order_by("position", "pk"))
    new = round((STANDARDS - Standard.objects.count()) * scale)
    divisions = list(BusinessUnit.objects.filter(depth=1).order_by("path"))
    departments = list(BusinessUnit.objects.filter(depth=2, code__contains="-").order_by("path"))

    standards, audiences = _standards(new, principles=principles, divisions=divisions, departments=departments,
                                      owner=staff, today=today)
    standards = bulk(Standard, standards)
    through = Standard.audience_units.through
    bulk(through, (through(standard_id=standard.pk, businessunit_id=unit.pk)
                   for standard, scope in zip(standards, audiences, strict=True) for unit in scope))
    versions = bulk(StandardVersion, _versions(standards, author=staff, approver=approver))
    current = {version.standard_id: version for version in versions if version.status == StandardVersion.Status.CURRENT}
    for standard in standards:
        # Published only now: a published standard must have a current version.
        standard.current_version = standard.ack_version = current[standard.pk]
        standard.status = Standard.Status.PUBLISHED
    Standard.objects.bulk_update(standards, ["current_version", "ack_version", "status"], batch_size=1000)
    standard_type = ContentType.objects.get_for_model(Standard)
    bulk(AuditEvent, (event for version in versions for event in _version_events(version, standard_type)))
    progress("standards", len(standards))

    acknowledgements = _seed_acknowledgements(standards, audiences, current, rng, today)
    progress("acknowledgements", acknowledgements)
    ledger = _seed_ledger(rng)
    progress("reminder ledger rows", ledger)
    progress("standards with tallies counted", tallies.count_all()["standards"])


def _standards(count: int, *, principles, divisions, departments, owner: User, today) \
        -> tuple[list[Standard], list[list[BusinessUnit]]]:
    """`count` unsaved drafts and the audience of each: the whole organization, a division or a department."""
    standards: list[Standard] = []
    audiences: list[list[BusinessUnit]] = []
    for number in range(count):
        subject = SUBJECTS[number % len(SUBJECTS)]
        published = _moment(today - timedelta(days=30 + number % 300))
        standards.append(Standard(
            code=f"CX-SCL-{number + 1:03d}", principle=principles[number % len(principles)],
            title=f"We handle {subject} the same way everywhere ({number + 1})", status=Standard.Status.DRAFT,
            owner=owner, requires_acknowledgement=True, ack_days=30, created_at=published,
            next_review_on=today + timedelta(days=(number * 7) % 400 - 20)))
        if number < WHOLE_ORGANIZATION:
            audiences.append([])
        elif number < WHOLE_ORGANIZATION + DIVISION_WIDE:
            audiences.append([divisions[number % len(divisions)]])
        else:
            audiences.append([departments[number % len(departments)]])
    return standards, audiences


def _versions(standards: list[Standard], *, author: User, approver: User) -> list[StandardVersion]:
    """The unsaved versions of `standards`: one in three was revised (version 1 superseded, version 2 current,
    asked again)."""
    versions = []
    for standard in standards:
        revised = standard.pk % 3 == 0
        effective = standard.created_at.date()
        for version_number in (1, 2) if revised else (1,):
            is_current = version_number == (2 if revised else 1)
            decided = _moment(effective + timedelta(days=20 * (version_number - 1)))
            versions.append(StandardVersion(
                standard=standard, number=version_number, title=standard.title,
                status=StandardVersion.Status.CURRENT if is_current else StandardVersion.Status.SUPERSEDED,
                statement=f"Every team handles {standard.title.lower()} by the same steps, and says so to the "
                          f"customer.", rationale_customers="Customers get the same answer wherever they ask.",
                metric="Share of cases handled by the steps", target="90% or more", created_by=author,
                created_at=decided - timedelta(days=5), submitted_by=author, submitted_at=decided - timedelta(days=2),
                decided_by=approver, decided_at=decided, effective_on=decided.date(),
                superseded_at=None if is_current else decided + timedelta(days=20),
                ack_due_on=decided.date() + timedelta(days=30), needs_reacknowledgement=True))
    return versions


def _version_events(version: StandardVersion, standard_type) -> list[AuditEvent]:
    standard = version.standard
    common = {"target_type": standard_type, "target_id": str(standard.pk), "target_label": f"{standard.code} "
              f"{standard.title}"[:255]}
    events = []
    if version.number == 1:
        events.append(AuditEvent(created_at=version.created_at, actor_id=version.created_by_id,
                                 verb="standard.created", **common))
    if (decided_at := version.decided_at) is not None:  # every seeded version was approved
        events += [AuditEvent(created_at=decided_at, actor_id=version.decided_by_id, verb="version.approved",
                              details={"version": version.number, "effective_on": str(version.effective_on)},
                              **common),
                   AuditEvent(created_at=decided_at, actor_id=version.decided_by_id, verb="standard.published",
                              details={"version": version.number, "asks_for_acknowledgement": True}, **common)]
    return events


def _seed_acknowledgements(standards, audiences, current, rng, today) -> int:
    """Ask each standard's audience for its current version: 70% acknowledged, the rest pending, a quarter
    of those overdue; one acknowledged event in the audit log for each."""
    people_by_unit: dict[int | None, list[int]] = {}
    for pk, unit_id in User.objects.filter(is_active=True).values_list("pk", "business_unit_id"):
        people_by_unit.setdefault(unit_id, []).append(pk)
    paths = dict(BusinessUnit.objects.values_list("pk", "path"))
    standard_type = ContentType.objects.get_for_model(Standard)
    total = 0

    def rows():
        nonlocal total
        for standard, scope in zip(standards, audiences, strict=True):
            version = current[standard.pk]
            prefixes = [unit.path for unit in scope]
            for unit_id, people in people_by_unit.items():
                if prefixes and not any(paths.get(unit_id, "").startswith(prefix) for prefix in prefixes):
                    continue
                for person in people:
                    total += 1
                    roll = rng.random()
                    if roll < 0.7:
                        yield Acknowledgement(standard=standard, version=version, read_version=version,
                                              person_id=person, status=Acknowledgement.Status.ACKNOWLEDGED,
                                              due_on=version.ack_due_on, created_at=version.decided_at,
                                              acknowledged_at=version.decided_at + timedelta(days=rng.randint(1, 25)))
                    else:
                        overdue = roll > 0.92
                        due_on = today - timedelta(days=3) if overdue else today + timedelta(days=rng.randint(1, 30))
                        yield Acknowledgement(standard=standard, version=version, person_id=person,
                                              status=Acknowledgement.Status.PENDING, due_on=due_on,
                                              created_at=version.decided_at)

    saved = bulk(Acknowledgement, rows())
    bulk(AuditEvent, (AuditEvent(created_at=row.acknowledged_at, actor_id=row.person_id, verb="standard.acknowledged",
                                 target_type=standard_type, target_id=str(row.standard_id),
                                 target_label=f"{row.standard.code} {row.standard.title}"[:255],
                                 details={"version": row.version.number, "current_version": row.version.number})
                      for row in saved if row.status == Acknowledgement.Status.ACKNOWLEDGED))
    return total


def _seed_ledger(rng) -> int:
    """One reminder per acknowledgement asked, as the sweeps would have declared it: sent for most, cancelled
    once acknowledged before it went, still pending for a few and failed for a handful."""
    ack_type = ContentType.objects.get_for_model(Acknowledgement)
    rows = Acknowledgement.objects.filter(standard__code__startswith="CX-SCL-").values_list(
        "pk", "person_id", "status", "due_on", "created_at").order_by("pk").iterator(chunk_size=20_000)

    def reminders():
        for pk, person, status, due_on, created in rows:
            period = f"{due_on:%Y-%m-%d}/before-30"
            roll = rng.random()
            if status == Acknowledgement.Status.ACKNOWLEDGED and roll < 0.15:
                fields = {"status": Reminder.Status.CANCELLED}
            elif roll < 0.998:
                fields = {"status": Reminder.Status.SENT, "sent_at": created + timedelta(hours=1), "attempts": 1}
            elif roll < 0.999:
                # A few still waiting for the sender: a worker started on this database emails some hundreds,
                # not tens of thousands of people at once.
                fields = {"status": Reminder.Status.PENDING}
            else:
                fields = {"status": Reminder.Status.FAILED, "attempts": 5,
                          "last_error": "SMTPRecipientsRefused: mailbox unavailable"}
            yield Reminder(recipient_id=person, kind=kinds.ACK_DUE, target_type=ack_type, target_id=pk,
                           period=period, due_on=due_on, created_at=created, **fields)

    return len(bulk(Reminder, reminders()))
