import json
from datetime import UTC, date, datetime
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cxcoe import audit
from cxcoe.audit import describe, record_event
from cxcoe.lib.forms import read_day
from cxcoe.models import AuditEvent, ImportJob, User
from cxcoe.people import services
from standards.models import Communication, CommunicationPlan
from standards.services.plans import set_communication_status, update_plan
from standards.services.principles import delete_principle

from ..factories import UserFactory
from ..standards.factories import CommunicationFactory, PlanFactory, PrincipleFactory, StandardFactory
from ..steps import ISO_DATE, RAW_ID, csv_lines, csv_rows, page_text, same_queries_after


def test_audit_events_cannot_be_changed_or_deleted(olivia, amir):
    event = record_event(actor=olivia, verb="person.updated", target=amir)
    event.verb = "something.else"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "person.updated"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_the_database_refuses_to_rewrite_history(olivia, amir):
    from django.db import DatabaseError, transaction

    event = record_event(actor=olivia, verb="person.updated", target=amir)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cxcoe_auditevent SET verb = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).verb == "person.updated"


def test_role_changes_are_audited_once(olivia, amir):
    assert services.set_coe_staff(person=amir, is_staff=True, by=olivia) is True
    assert services.set_coe_staff(person=amir, is_staff=True, by=olivia) is False
    services.set_coe_staff(person=amir, is_staff=False, by=olivia)
    verbs = list(AuditEvent.objects.filter(target_id=str(amir.pk)).order_by("pk").values_list("verb", flat=True))
    assert verbs == ["role.granted", "role.revoked"]


def test_audit_log_filters_by_action_actor_and_date(client, olivia, leo, amir):
    record_event(actor=leo, verb="person.updated", target=amir)
    record_event(actor=olivia, verb="role.granted", target=amir)
    client.force_login(olivia)
    by_verb = client.get(reverse("audit-list"), {"verb": "role.granted"}).context["events"]
    assert [row.event.verb for row in by_verb] == ["role.granted"]
    by_actor = client.get(reverse("audit-list"), {"actor": "leo@"}).context["events"]
    assert [row.event.verb for row in by_actor] == ["person.updated"]


def test_audit_log_explains_a_reversed_date_range(client, olivia):
    client.force_login(olivia)
    response = client.get(reverse("audit-list"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert "The end date is before the start date." in response.text


def test_audit_export_has_one_row_per_event(client, olivia, amir):
    record_event(actor=olivia, verb="person.updated", target=amir, details={"job_title": ["a", "b"]})
    client.force_login(olivia)
    response = client.get(reverse("audit-export"), {"verb": "person.updated"})
    lines = csv_lines(response)
    assert lines[0].startswith("time_utc,actor,action")
    assert len(lines) == 2
    assert ",olivia@acme.example,person.updated,Person updated,user," in lines[1]


def test_audit_list_query_count_does_not_grow(client, olivia, amir, django_assert_num_queries):
    client.force_login(olivia)
    for _ in range(3):
        record_event(actor=olivia, verb="person.updated", target=amir)
    client.get(reverse("audit-list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("audit-list"))
    for _ in range(40):
        record_event(actor=amir, verb="role.granted", target=olivia)
    with django_assert_num_queries(len(small)):
        client.get(reverse("audit-list"))


def test_events_read_as_plain_language(olivia, amir):
    event = record_event(actor=olivia, verb="person.updated", target=amir,
                         details={"job_title": ["Analyst", "Team Lead"], "reason": ""})
    assert event.verb_label == "Person updated"
    assert describe.detail_lines(event) == [("job title", "Analyst → Team Lead")]
    leaders = record_event(actor=olivia, verb="role.leaders_changed", target=amir.business_unit,
                           details={"added": ["amir@acme.example", "leo@acme.example"], "removed": []})
    assert describe.detail_lines(leaders) == [("added", "amir@acme.example, leo@acme.example")]


def test_the_address_belongs_to_its_request_only(client, rf, eve):
    client.post(reverse("account_login"), {"login": "eve@acme.example", "password": "wrong"},
                REMOTE_ADDR="203.0.113.10", HTTP_USER_AGENT="Firefox/128.0")
    outside = record_event(actor=None, verb="sweep.requested")
    assert [(e.ip_address, e.user_agent) for e in AuditEvent.objects.order_by("pk")] == [
        ("203.0.113.10", "Firefox/128.0"), (None, "")]
    assert (outside.ip_address, outside.user_agent) == (None, "")
    # A proxy's odd value is left out rather than failing the write; a long user agent is cut.
    assert audit.origin_of(rf.get("/", REMOTE_ADDR="unknown", HTTP_USER_AGENT="x" * 500)) == audit.Origin(
        ip_address=None, user_agent="x" * 300)


def test_an_edit_is_described_in_words(olivia, amir, sales, support):
    before = audit.values(amir, ["business_unit", "is_staff", "date_joined"])
    after = {"business_unit": support, "is_staff": True, "date_joined": before["date_joined"]}
    assert audit.changed(amir, before, after) == ["business_unit", "is_staff"]
    assert audit.changes(amir, before, after) == {"business unit": ["Enterprise Sales", "Customer Support"],
                                                  "site admin access": ["no", "yes"]}
    assert audit.changes(amir, before, before) == {}


# How the log reads: objects by name, linked; details in words; no ids, no ISO dates.

def link(url: str, text: str) -> str:
    return f'<a href="{url}">{escape(text)}</a>'


def test_a_communication_marked_ready_reads_planned_to_ready_and_is_named_with_a_link(client, olivia, leo):
    plan = PlanFactory(title="Promises we keep in Sales", owner=leo)
    kick_off = CommunicationFactory(plan=plan, title="Sales kick-off: the call-back promise")
    set_communication_status(communication=kick_off, by=olivia, status=Communication.Status.READY)
    update_plan(plan=plan, by=olivia, owner=olivia)
    client.force_login(olivia)
    response = client.get(reverse("audit-list"))
    assert f"Communication {link(kick_off.get_absolute_url(), kick_off.title)}" in response.text
    assert f"Plan {link(plan.get_absolute_url(), 'Promises we keep in Sales')}" in response.text
    assert f"{link(olivia.get_absolute_url(), 'Olivia Hart')}</td>" in response.text  # the actor
    text = page_text(response)
    assert "status: Planned → Ready" in text
    assert "owner: Leo Marsh → Olivia Hart" in text


def test_older_events_holding_ids_values_and_iso_dates_read_in_words(client, olivia, leo):
    plan = PlanFactory(title="Promises we keep in Sales", owner=leo)
    kick_off = CommunicationFactory(plan=plan, title="Sales kick-off")
    standard = StandardFactory(code="CX-STD-003", title="Call back when we said we would", author=olivia)
    # As the first releases recorded them: the plan's id, the statuses' values, True, an ISO date.
    record_event(actor=leo, verb="communication.created", target=kick_off, details={"plan": plan.pk})
    record_event(actor=leo, verb="communication.status_changed", target=kick_off,
                 details={"status": ["planned", "ready"]})
    record_event(actor=olivia, verb="version.approved", target=standard,
                 details={"version": 2, "effective_on": "2026-12-01", "comment": ""})
    record_event(actor=olivia, verb="standard.published", target=standard,
                 details={"version": 2, "asks_for_acknowledgement": True})
    record_event(actor=olivia, verb="review.recorded", target=standard,
                 details={"outcome": "confirmed", "next_review_on": "2027-12-01"})
    client.force_login(olivia)
    response = client.get(reverse("audit-list"))
    assert f"plan:</span> {link(plan.get_absolute_url(), 'Promises we keep in Sales')}" in response.text
    text = page_text(response)
    assert "status: Planned → Ready" in text
    assert "version: v2" in text
    assert "effective on: 1 Dec 2026" in text
    assert "asks for acknowledgement: yes" in text
    assert "outcome: Confirmed: still right" in text
    assert "next review: 1 Dec 2027" in text
    assert "Standard CX-STD-003 Call back when we said we would" in text
    assert not ISO_DATE.search(text)
    assert not RAW_ID.search(text)


def test_an_object_no_longer_there_keeps_the_name_it_had(client, olivia):
    principle = PrincipleFactory(title="We answer fast")
    delete_principle(principle=principle, by=olivia)
    client.force_login(olivia)
    response = client.get(reverse("audit-list"), {"verb": "principle.deleted"})
    [row] = response.context["events"]
    assert (str(row.target), row.target.url) == ("We answer fast", "")


def test_an_object_links_only_for_a_viewer_who_may_open_it(olivia, leo, amir):
    plan = PlanFactory(title="Olivia's own plan", owner=olivia)
    found = describe.names([(CommunicationPlan, plan.pk), (User, olivia.pk)], viewer=amir)
    assert found[(CommunicationPlan, str(plan.pk))] == describe.Name("Plan", "Olivia's own plan", "")
    assert found[(User, str(olivia.pk))] == describe.Name("", "Olivia Hart", "")
    as_owner = describe.names([(CommunicationPlan, plan.pk)], viewer=olivia)
    assert as_owner[(CommunicationPlan, str(plan.pk))].url == plan.get_absolute_url()


def test_an_import_is_named_by_its_files_and_time(client, olivia):
    job = ImportJob.objects.create(created_by=olivia, units_filename="units.csv", status=ImportJob.Status.DONE,
                                   created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    record_event(actor=olivia, verb="import.applied", target=job, details={"units": {"created": 3, "updated": 0}})
    client.force_login(olivia)
    text = page_text(client.get(reverse("audit-list")))
    assert "Import of units.csv, 1 Dec 2026, 09:30" in text
    assert "units: created 3, updated 0" in text
    assert not RAW_ID.search(text)


def _a_morning(olivia, leo, unit, n: int) -> None:
    """n rounds of everyday events, each about other objects: plans, communications, standards, units, people."""
    for _ in range(n):
        plan = PlanFactory(owner=leo)
        communication = CommunicationFactory(plan=plan)
        record_event(actor=leo, verb="communication.created", target=communication, details={"plan": plan.pk})
        set_communication_status(communication=communication, by=leo, status=Communication.Status.READY)
        record_event(actor=olivia, verb="plan.updated", target=plan, details={"owner": ["Leo Marsh", "Olivia Hart"]})
        standard = StandardFactory(author=olivia)
        record_event(actor=olivia, verb="standard.published", target=standard,
                     details={"version": 1, "asks_for_acknowledgement": True})
        record_event(actor=olivia, verb="unit.updated", target=unit, details={"name": ["Sales", "Sales"]})
        record_event(actor=olivia, verb="role.granted", target=UserFactory(), details={"role": "CoE staff"})


def test_the_audit_log_names_everything_in_the_same_queries_at_any_size(client, olivia, leo, sales,
                                                                        django_assert_num_queries):
    _a_morning(olivia, leo, sales, 2)
    client.force_login(olivia)
    response = same_queries_after(client, reverse("audit-list"), lambda: _a_morning(olivia, leo, sales, 12),
                                  django_assert_num_queries)
    assert len(response.context["events"]) == 50


def test_dates_are_typed_as_the_app_writes_them(client, olivia, amir):
    record_event(actor=olivia, verb="role.granted", target=amir)
    client.force_login(olivia)
    today = timezone.localdate()
    written = date_format(today, "DATE_FORMAT")
    response = client.get(reverse("audit-list"), {"since": written, "until": today.isoformat(), "verb": "role.granted"})
    assert [row.event.verb for row in response.context["events"]] == ["role.granted"]
    # Both read back as the app writes dates, the ISO one too, with the format said beside each.
    assert f'type="text" name="since" value="{written}"' in response.text
    assert f'type="text" name="until" value="{written}"' in response.text
    assert f"For example, {written}" in response.text
    assert 'type="date"' not in response.text


def test_a_date_that_cannot_be_read_stays_as_typed_with_the_reason_beside_it(client, olivia):
    client.force_login(olivia)
    response = client.get(reverse("audit-list"), {"since": "12/31/2026"})
    assert 'name="since" value="12/31/2026"' in response.text
    assert 'aria-describedby="id_since_errors id_since_helptext"' in response.text
    assert '<ul class="errorlist" id="id_since_errors"><li>Enter a date like 1 Dec 2026.</li></ul>' in response.text


def test_the_export_carries_the_words_beside_what_was_recorded(client, olivia, leo):
    plan = PlanFactory(title="Promises we keep in Sales", owner=leo)
    kick_off = CommunicationFactory(plan=plan, title="Sales kick-off")
    record_event(actor=leo, verb="communication.created", target=kick_off, details={"plan": plan.pk})
    client.force_login(olivia)
    [header, row] = csv_rows(client.get(reverse("audit-export"), {"verb": "communication.created"}))
    assert dict(zip(header, row, strict=True)) | {"time_utc": "", "object_id": ""} == {
        "time_utc": "", "actor": "leo@acme.example", "action": "communication.created",
        "action_in_words": "Communication scheduled", "object_type": "communication", "object_id": "",
        "object": "Sales kick-off", "object_in_words": "Communication Sales kick-off",
        "details": json.dumps({"plan": plan.pk}), "details_in_words": "plan: Promises we keep in Sales",
        "ip": "", "user_agent": ""}


def test_the_date_boxes_read_the_app_format_the_full_month_and_iso():
    assert [read_day(text) for text in ("1 Dec 2026", "1 december 2026", "2026-12-01", " 01 Dec 2026 ")] \
        == [date(2026, 12, 1)] * 4
    assert read_day("12/01/2026") is None
