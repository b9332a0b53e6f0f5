"""`manage.py seed_scale` grows the demo into a large organization whose rows keep every rule the services keep.
The tests run the small size; bench/pages.py runs the large one."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from cxcoe.models import AuditEvent, BusinessUnit, Reminder, User
from standards.models import Acknowledgement, AcknowledgementTally, Standard, StandardVersion


@pytest.fixture
def grown(db):
    call_command("seed_scale", size="small")
    return Standard.objects.filter(code__startswith="CX-SCL-")


def test_the_small_organization_is_the_demo_and_more(grown):
    assert BusinessUnit.objects.count() == 12 + 40
    assert User.objects.count() == 60 + 1000
    assert grown.count() == 9
    assert BusinessUnit.objects.get(code="SAL-NOR-ALP").path == "/ACME/SAL/SAL-NOR/SAL-NOR-ALP/"
    assert AuditEvent.objects.filter(verb="person.created").count() == 1000
    assert AuditEvent.objects.filter(verb="unit.created").count() == 12 + 40  # the demo's units are audited too


def test_every_acknowledgement_is_asked_of_someone_in_the_audience(grown):
    for standard in grown:
        rows = Acknowledgement.objects.filter(standard=standard)
        assert rows.exists()
        assert not rows.exclude(person__in=standard.audience_people()).exists(), standard.code
        assert not rows.exclude(version=standard.current_version).exists()
        assert standard.ack_version_id == standard.current_version_id
        assert standard.current_version.status == StandardVersion.Status.CURRENT
    done = Acknowledgement.objects.filter(standard__in=grown, status=Acknowledgement.Status.ACKNOWLEDGED)
    assert AuditEvent.objects.filter(verb="standard.acknowledged").count() >= done.count()
    assert 0.6 < done.count() / Acknowledgement.objects.filter(standard__in=grown).count() < 0.8


def test_each_acknowledgement_has_its_reminder_and_the_tallies_are_counted(grown):
    asked = Acknowledgement.objects.filter(standard__in=grown)
    ledger = Reminder.objects.filter(kind="standard.acknowledgement", target_id__in=asked.values("pk"))
    assert ledger.count() == asked.count()
    statuses = dict(ledger.values_list("status").annotate(n=Count("pk")))
    assert statuses["sent"] > statuses.get("pending", 0) > 0
    assert not ledger.filter(status="sent", sent_at__isnull=True).exists()
    tallied = sum(AcknowledgementTally.objects.filter(version__standard__in=grown).values_list("asked", flat=True))
    assert tallied == asked.exclude(status=Acknowledgement.Status.WITHDRAWN).count()


def test_a_second_run_refuses_and_changes_nothing(grown):
    people = User.objects.count()
    with pytest.raises(CommandError, match="already ran"):
        call_command("seed_scale", size="small")
    assert User.objects.count() == people


def test_the_main_pages_work_on_the_grown_organization(grown, client):
    client.force_login(User.objects.get(email="olivia@acme.example"))
    standard = grown.first()
    assert client.get(reverse("person-list")).context["page_obj"].paginator.count == User.objects.count()
    page = client.get(standard.get_absolute_url())
    assert page.context["progress"]["total"] == Acknowledgement.objects.filter(standard=standard).count()
    assert standard.code in client.get(reverse("standards:standard-list"), {"q": standard.code}).text
    operations = client.get(reverse("operations"))
    assert sum(count for _value, _label, count in operations.context["counts"]) == Reminder.objects.count()
