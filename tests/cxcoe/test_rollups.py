"""Counts that grow with the organization are rolled up (cxcoe/lib/rollups.py): pages show the last count and its
age, and beat's task recounts them."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from cxcoe import tasks
from cxcoe.lib import rollups
from cxcoe.models import Reminder, Rollup
from cxcoe.notifications import reminders

from ..factories import UserFactory
from .test_operations import ledger_row


def ledger_counts(response) -> dict[str, int]:
    return {value: count for value, _label, count in response.context["counts"]}


def test_the_ledger_totals_are_the_last_count_until_beat_recounts_them(client, olivia, sales):
    ledger_row(olivia, sales, status=Reminder.Status.SENT, sent_at=timezone.now())
    client.force_login(olivia)

    first = client.get(reverse("operations"))  # never counted: counted on this first view
    assert ledger_counts(first)["sent"] == 1
    assert "Counted just now; recounted every 10 minutes." in first.text

    ledger_row(olivia, sales, status=Reminder.Status.SENT, sent_at=timezone.now(), period="2026-03-09/before-1")
    ledger_row(olivia, sales, status=Reminder.Status.FAILED, period="2026-03-09/before-0")
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        stale = client.get(reverse("operations"))
    assert ledger_counts(stale)["sent"] == 1
    assert "Counted 4\xa0minutes ago" in stale.text
    # The failed rows are counted as they are: they are few, and someone is about to retry them.
    assert stale.context["failed_total"] == 1

    assert tasks.recount_rollups.delay().get() == len(rollups._COUNTERS)
    fresh = client.get(reverse("operations"))
    assert ledger_counts(fresh) == {"pending": 0, "sending": 0, "sent": 2, "failed": 1, "cancelled": 0}
    assert Rollup.objects.get(name=reminders.LEDGER_TOTALS).value == {"sent": 2, "failed": 1}


def test_the_whole_ledger_pages_by_the_rolled_up_total_and_a_filtered_one_by_its_own_count(client, olivia, sales):
    for day in range(3):
        ledger_row(olivia, sales, status=Reminder.Status.SENT, sent_at=timezone.now(), period=f"2026-03-0{day + 1}")
    client.force_login(olivia)
    client.get(reverse("operations"))  # counted: three rows
    ledger_row(olivia, sales, period="2026-04-01")

    whole = client.get(reverse("operations"))
    assert whole.context["page_obj"].paginator.count == 3
    assert len(whole.context["rows"]) == 4  # the rows themselves are read as they are

    pending = client.get(reverse("operations"), {"status": "pending"})
    assert pending.context["page_obj"].paginator.count == 1


def test_people_counts_are_the_last_count_on_every_page_that_shows_them(client, olivia, sales, leo):
    client.force_login(olivia)
    before = client.get(reverse("person-list")).context["page_obj"].paginator.count
    UserFactory(email="new.person@acme.example", business_unit=sales)

    stale = client.get(reverse("person-list"))
    assert stale.context["page_obj"].paginator.count == before
    assert "Counted just now" in stale.text
    assert "new.person@acme.example" in stale.text  # the rows themselves are read as they are
    units = {unit.code: unit.headcount for unit in client.get(reverse("unit-list")).context["units"]}

    tasks.recount_rollups.delay().get()
    assert client.get(reverse("person-list")).context["page_obj"].paginator.count == before + 1
    recounted = {unit.code: unit.headcount for unit in client.get(reverse("unit-list")).context["units"]}
    assert recounted["SAL"] == units["SAL"] + 1
    unit_page = client.get(reverse("unit-detail", args=[sales.pk]))
    assert unit_page.context["page_obj"].paginator.count == units["SAL"] + 1
    assert "Counted just now" in unit_page.text


def test_a_filtered_people_list_is_counted_as_it_is(client, olivia, sales):
    client.force_login(olivia)
    client.get(reverse("person-list"))
    UserFactory(email="new.person@acme.example", display_name="Zed Newcomer", business_unit=sales)
    found = client.get(reverse("person-list"), {"q": "Newcomer"})
    assert found.context["page_obj"].paginator.count == 1
    assert "Counted" not in found.text
