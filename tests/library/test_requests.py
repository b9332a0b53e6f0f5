"""Content requests, the CoE's advisory service: Eve asks, Olivia triages, an owner delivers, and Eve is told at
each step."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cxcoe.lib.submissions import ONCE_FIELD
from cxcoe.models import Notification, Reminder
from cxcoe.notifications import reminders
from library import kinds
from library.models import ContentRequest
from library.services.requests import (
    accept_request,
    assign_request,
    decline_request,
    deliver_request,
    merge_request,
    request_content,
)

from ..factories import UserFactory
from ..steps import audit_events, csv_rows
from .factories import make_request, make_resource

Status = ContentRequest.Status


def told(person, item) -> list[tuple[str, str]]:
    """What the ledger holds for `person` about `item`: (key, title), in the order it was declared."""
    rows = Reminder.objects.filter(recipient=person, kind=kinds.REQUEST_UPDATE, target_id=item.pk,
                                   target_type=ContentType.objects.get_for_model(ContentRequest)).order_by("pk")
    return [(row.period, row.title) for row in rows]


def keys(person, item) -> list[str]:
    return [key.split("-")[0] for key, _title in told(person, item)]


@pytest.fixture
def asked(eve, support):
    return make_request(by=eve, team=support, urgency="high")


@pytest.fixture
def published(olivia, sales, support):
    return make_resource(by=olivia, title="Call-back checklist", publish=True, audience_units=[sales, support])


# Asking


def test_eve_asks_for_content_for_her_own_team_and_it_is_recorded(client, eve, support):
    client.force_login(eve)
    page = client.get(reverse("library:request-create"))
    assert page.context["form"]["team"].value() == support.pk
    token = page.context["form"][ONCE_FIELD].value()
    response = client.post(reverse("library:request-create"), {
        ONCE_FIELD: token, "need": "A script for calling back after a complaint", "team": support.pk,
        "why": "Customers wait for a call back that never comes.", "urgency": "high"})
    item = ContentRequest.objects.get()
    assert response.url == item.get_absolute_url()
    assert (item.requested_by, item.team, item.urgency, item.status) == (eve, support, "high", Status.NEW)
    assert [event.details for event in audit_events(item, "request.created")] == [
        {"urgency": "high", "team": "Customer Support"}]


def test_a_double_click_leaves_one_request(client, eve, support):
    client.force_login(eve)
    url = reverse("library:request-create")
    token = str(client.get(url).context["form"][ONCE_FIELD].value())
    data = {ONCE_FIELD: token, "need": "A call-back script", "why": "Nobody calls back.", "urgency": "normal",
            "team": support.pk}
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert ContentRequest.objects.count() == 1
    assert again.redirect_chain[0][0] == ContentRequest.objects.get().get_absolute_url()
    assert "This was already saved" in again.text


def test_a_request_says_what_is_needed_and_why_it_matters(client, eve):
    client.force_login(eve)
    response = client.post(reverse("library:request-create"), {"need": " ", "why": "", "urgency": "soon"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"need", "why", "urgency"}
    assert "Say why it matters to customers" in response.text
    assert not ContentRequest.objects.exists()
    with pytest.raises(ValidationError):
        request_content(by=eve, need="A checklist", why="  ")


# Triage


def test_accepting_names_an_owner_and_tells_both_the_asker_and_the_owner(olivia, eve, amir, asked):
    target = timezone.localdate() + timedelta(days=14)
    accept_request(request=asked, by=olivia, owner=amir, target_on=target)
    asked.refresh_from_db()
    assert (asked.status, asked.owner, asked.target_on, asked.decided_by) == (Status.ACCEPTED, amir, target, olivia)
    assert told(eve, asked) == [("accepted", f"Your content request is accepted: {asked.need}")]
    assert keys(amir, asked) == ["owner"]
    assert told(olivia, asked) == []  # who acts is not told of it
    [event] = audit_events(asked, "request.accepted")
    assert event.actor == olivia
    assert event.details == {"owner": "Amir Haddad", "target_on": target.isoformat()}


def test_accepting_twice_leaves_one_event_and_one_message(olivia, eve, amir, asked):
    accept_request(request=asked, by=olivia, owner=amir)
    accept_request(request=asked, by=olivia, owner=olivia)
    asked.refresh_from_db()
    assert asked.owner == amir
    assert len(audit_events(asked, "request.accepted")) == 1
    assert keys(eve, asked) == ["accepted"]


def test_only_coe_staff_triage(eve, leo, asked):
    for step in (lambda: accept_request(request=asked, by=leo, owner=leo),
                 lambda: decline_request(request=asked, by=eve, reason="Not needed"),
                 lambda: merge_request(request=asked, by=leo, into=make_request(by=leo)),
                 lambda: assign_request(request=asked, by=leo, owner=leo, target_on=None)):
        with pytest.raises(ValidationError, match="Only CoE staff"):
            step()
    asked.refresh_from_db()
    assert asked.status == Status.NEW
    assert not Reminder.objects.exists()


def test_accepting_refuses_a_past_date_and_someone_who_left(olivia, amir, asked):
    with pytest.raises(ValidationError) as refused:
        accept_request(request=asked, by=olivia, owner=amir, target_on=timezone.localdate() - timedelta(days=1))
    assert "target_on" in refused.value.error_dict
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as refused:
        accept_request(request=asked, by=olivia, owner=gone)
    assert "owner" in refused.value.error_dict
    asked.refresh_from_db()
    assert asked.status == Status.NEW


def test_declining_needs_a_reason_which_the_asker_reads(olivia, eve, asked):
    with pytest.raises(ValidationError) as refused:
        decline_request(request=asked, by=olivia, reason="  ")
    assert "reason" in refused.value.error_dict
    decline_request(request=asked, by=olivia, reason="The support playbook already covers call backs.")
    asked.refresh_from_db()
    assert (asked.status, asked.decline_reason) == (Status.DECLINED, "The support playbook already covers call backs.")
    assert [key for key, _title in told(eve, asked)] == ["declined"]
    assert "already covers call backs" in Reminder.objects.get(recipient=eve).body
    assert [event.details for event in audit_events(asked, "request.declined")] == [
        {"reason": "The support playbook already covers call backs."}]
    decline_request(request=asked, by=olivia, reason="Again")  # declining twice changes nothing
    asked.refresh_from_db()
    assert asked.decline_reason == "The support playbook already covers call backs."
    assert len(audit_events(asked, "request.declined")) == 1


def test_a_closed_request_refuses_every_triage_step(olivia, amir, eve, asked, published):
    other = make_request(by=amir, need="Another checklist")
    accept_request(request=asked, by=olivia, owner=amir)
    deliver_request(request=asked, by=amir, resource=published)
    for step, words in [
        (lambda: decline_request(request=asked, by=olivia, reason="Too late"), "already delivered"),
        (lambda: accept_request(request=asked, by=olivia, owner=amir), "already delivered"),
        (lambda: merge_request(request=asked, by=olivia, into=other), "already delivered"),
        (lambda: assign_request(request=asked, by=olivia, owner=olivia, target_on=None), "delivered"),
        (lambda: merge_request(request=other, by=olivia, into=asked), "merge into an open request"),
    ]:
        with pytest.raises(ValidationError, match=words):
            step()
    asked.refresh_from_db()
    other.refresh_from_db()
    assert (asked.status, asked.owner, other.status) == (Status.DELIVERED, amir, Status.NEW)


def test_merging_folds_a_request_into_an_open_one_and_the_asker_sees_where_it_went(client, olivia, eve, amir,
                                                                                  asked):
    main = make_request(by=amir, need="Call-back scripts for every team")
    with pytest.raises(ValidationError, match="itself"):
        merge_request(request=asked, by=olivia, into=asked)
    merge_request(request=asked, by=olivia, into=main)
    merge_request(request=asked, by=olivia, into=main)  # the same merge again changes nothing
    asked.refresh_from_db()
    assert (asked.status, asked.merged_into) == (Status.MERGED, main)
    assert keys(eve, asked) == ["merged"]
    assert len(audit_events(asked, "request.merged")) == 1
    client.force_login(eve)
    page = client.get(asked.get_absolute_url()).text
    assert "Merged into \u201cCall-back scripts for every team\u201d" in page
    assert client.get(main.get_absolute_url()).status_code == 404  # Amir's request stays his


def test_merging_into_a_request_that_was_merged_itself_is_refused(olivia, eve, amir, asked):
    main = make_request(by=amir, need="Call-back scripts")
    third = make_request(by=olivia, need="Scripts for everything")
    merge_request(request=main, by=olivia, into=third)
    with pytest.raises(ValidationError, match="merged: merge into an open request"):
        merge_request(request=asked, by=olivia, into=main)
    asked.refresh_from_db()
    assert asked.status == Status.NEW


def test_assigning_changes_the_owner_and_date_of_an_accepted_request(olivia, eve, amir, leo, asked):
    with pytest.raises(ValidationError, match="Accept this request first"):
        assign_request(request=asked, by=olivia, owner=amir, target_on=None)
    accept_request(request=asked, by=olivia, owner=amir)
    target = timezone.localdate() + timedelta(days=30)
    assign_request(request=asked, by=olivia, owner=leo, target_on=target)
    assign_request(request=asked, by=olivia, owner=leo, target_on=target)  # the same values: nothing new
    asked.refresh_from_db()
    assert (asked.owner, asked.target_on) == (leo, target)
    [event] = audit_events(asked, "request.assigned")
    assert event.details == {"owner": ["Amir Haddad", "Leo Marsh"], "target date": ["", date_format(target)]}
    assert keys(eve, asked) == ["accepted", "assigned"]
    assert keys(leo, asked) == ["owner"]


def test_delivering_needs_a_published_resource_and_tells_everyone_who_asked(olivia, eve, amir, leo, asked,
                                                                            published):
    main = make_request(by=amir, need="Call-back scripts for every team")
    merge_request(request=asked, by=olivia, into=main)
    accept_request(request=main, by=olivia, owner=leo)
    draft = make_resource(by=olivia, title="Not ready yet")
    with pytest.raises(ValidationError) as refused:
        deliver_request(request=main, by=leo, resource=draft)
    assert "resource" in refused.value.error_dict
    with pytest.raises(ValidationError, match="owner"):
        deliver_request(request=main, by=eve, resource=published)
    deliver_request(request=main, by=leo, resource=published)
    deliver_request(request=main, by=leo, resource=published)  # again: nothing new
    for item in (main, asked):
        item.refresh_from_db()
        assert (item.status, item.resource) == (Status.DELIVERED, published)
        assert len(audit_events(item, "request.delivered")) == 1
    assert asked.merged_into == main  # the record keeps where it went
    assert keys(eve, asked) == ["merged", "delivered"]
    assert keys(amir, main) == ["accepted", "delivered"]


def test_a_merge_of_a_merge_target_carries_its_merged_requests_along(olivia, eve, amir, asked, published):
    middle = make_request(by=amir, need="Call-back scripts")
    last = make_request(by=olivia, need="Scripts for every conversation")
    merge_request(request=asked, by=olivia, into=middle)
    merge_request(request=middle, by=olivia, into=last)
    deliver_request(request=last, by=olivia, resource=published)
    assert set(ContentRequest.objects.values_list("need", "status")) == {
        (asked.need, Status.DELIVERED), (middle.need, Status.DELIVERED), (last.need, Status.DELIVERED)}
    assert keys(eve, asked) == ["merged", "delivered"]


def test_the_asker_finds_each_step_in_her_inbox(olivia, eve, amir, asked, published, mail_dir):
    accept_request(request=asked, by=olivia, owner=amir)
    deliver_request(request=asked, by=amir, resource=published)
    reminders.send_reminders()
    titles = list(Notification.objects.filter(recipient=eve).order_by("pk").values_list("title", "url"))
    assert titles == [(f"Your content request is accepted: {asked.need}", asked.get_absolute_url()),
                      (f"Your content request is delivered: {asked.need}", asked.get_absolute_url())]


# The pages


def test_olivia_accepts_from_the_request_page(client, olivia, eve, amir, asked):
    client.force_login(olivia)
    page = client.get(asked.get_absolute_url())
    assert all(name in page.context for name in ("accept_form", "decline_form", "merge_form", "deliver_form"))
    target = timezone.localdate() + timedelta(days=10)
    response = client.post(reverse("library:request-accept", args=[asked.pk]),
                           {"accept-owner_email": "amir@acme.example", "accept-target_on": target.isoformat()})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.status, asked.owner, asked.target_on) == (Status.ACCEPTED, amir, target)
    page = client.get(asked.get_absolute_url()).text
    assert "Amir Haddad" in page
    assert date_format(target) in page  # "1 December 2026"
    assert "Content request accepted" in page  # the record


def test_a_refused_accept_keeps_what_was_typed_beside_its_error(client, olivia, asked):
    client.force_login(olivia)
    response = client.post(reverse("library:request-accept", args=[asked.pk]),
                           {"accept-owner_email": "nobody@acme.example", "accept-target_on": "yesterday-ish"})
    assert response.status_code == 200
    assert set(response.context["accept_form"].errors) == {"owner_email", "target_on"}
    assert "data-error-summary" in response.text
    asked.refresh_from_db()
    assert asked.status == Status.NEW


def test_declining_from_the_page_asks_for_the_reason_first(client, olivia, eve, asked):
    client.force_login(olivia)
    page = client.get(asked.get_absolute_url()).text
    assert "Eve Walker is told, with your reason" in page
    refused = client.post(reverse("library:request-decline", args=[asked.pk]), {"decline-reason": ""})
    assert "Say why, so the person who asked understands." in refused.text
    asked.refresh_from_db()
    assert asked.status == Status.NEW
    client.post(reverse("library:request-decline", args=[asked.pk]), {"decline-reason": "Already in the library."})
    asked.refresh_from_db()
    assert asked.status == Status.DECLINED
    client.force_login(eve)
    assert "Already in the library." in client.get(asked.get_absolute_url()).text


def test_a_step_the_request_can_no_longer_take_is_said_at_the_top(client, olivia, amir, asked):
    decline_request(request=asked, by=olivia, reason="Covered already.")
    client.force_login(olivia)
    response = client.post(reverse("library:request-accept", args=[asked.pk]),
                           {"accept-owner_email": "amir@acme.example"}, follow=True)
    assert "already declined: only a new request can be accepted" in response.text
    asked.refresh_from_db()
    assert asked.status == Status.DECLINED


def test_the_owner_delivers_and_the_asker_may_not(client, olivia, eve, leo, asked, published):
    accept_request(request=asked, by=olivia, owner=leo)
    client.force_login(eve)
    assert client.post(reverse("library:request-deliver", args=[asked.pk]),
                       {"deliver-resource": published.pk}).status_code == 403
    client.force_login(leo)
    page = client.get(asked.get_absolute_url())
    assert "deliver_form" in page.context
    assert "accept_form" not in page.context
    assert client.post(reverse("library:request-accept", args=[asked.pk])).status_code == 403
    client.post(reverse("library:request-deliver", args=[asked.pk]), {"deliver-resource": published.pk})
    asked.refresh_from_db()
    assert (asked.status, asked.resource) == (Status.DELIVERED, published)
    client.force_login(eve)
    assert "Call-back checklist" in client.get(asked.get_absolute_url()).text


def test_eve_cannot_open_someone_elses_request(client, eve, amir, leo):
    theirs = make_request(by=amir)
    for person in (eve, leo):
        client.force_login(person)
        assert client.get(theirs.get_absolute_url()).status_code == 404
        assert client.post(reverse("library:request-decline", args=[theirs.pk]),
                           {"decline-reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.NEW


# The lists


def test_eve_sees_her_own_requests_and_those_she_owns(client, olivia, eve, amir):
    mine = make_request(by=eve, need="Mine")
    owned = make_request(by=amir, need="Owned by Eve")
    accept_request(request=owned, by=olivia, owner=eve)
    make_request(by=amir, need="Not hers")
    client.force_login(eve)
    page = client.get(reverse("library:request-list"))
    assert {item.need for item in page.context["requests"]} == {mine.need, owned.need}
    assert "My requests" in page.text
    assert "team" not in page.context["filters"].fields  # the queue's filters are CoE staff's


def test_the_library_tab_for_requests_is_the_queue_for_coe_staff_and_their_own_for_others(client, olivia, eve):
    tab = re.compile(r'aria-label="Library sections">.*?aria-current="page" href="[^"]+">([^<]+)</a>', re.S)
    client.force_login(olivia)
    assert tab.search(client.get(reverse("library:request-list")).text).group(1) == "Requests"
    client.force_login(eve)
    assert tab.search(client.get(reverse("library:request-list")).text).group(1) == "My requests"


def test_an_empty_list_offers_to_request_content(client, eve):
    client.force_login(eve)
    page = client.get(reverse("library:request-list")).text
    assert "You have not requested any content yet." in page
    assert reverse("library:request-create") in page


def test_the_queue_filters_by_status_urgency_team_owner_and_words(client, olivia, eve, amir, leo, support, sales,
                                                                 enterprise_sales):
    calls = make_request(by=eve, need="Call-back checklist", team=support, urgency="high")
    deals = make_request(by=amir, need="Deal review template", team=enterprise_sales, urgency="low")
    closed = make_request(by=amir, need="Old playbook", team=sales)
    accept_request(request=deals, by=olivia, owner=leo)
    decline_request(request=closed, by=olivia, reason="Retired")
    client.force_login(olivia)

    def needs(**query):
        return [item.need for item in client.get(reverse("library:request-list"), query).context["requests"]]

    assert needs() == [calls.need, deals.need, closed.need]  # open first, the most urgent first
    assert needs(status="open") == [calls.need, deals.need]
    assert needs(status="declined") == [closed.need]
    assert needs(urgency="high") == [calls.need]
    assert needs(team=sales.pk) == [deals.need, closed.need]  # with the teams below it
    assert needs(owner=str(leo.pk)) == [deals.need]
    assert needs(owner="none") == [calls.need, closed.need]
    assert needs(q="template") == [deals.need]
    assert client.get(reverse("library:request-list"), {"status": "soon"}).status_code == 200


def test_the_csv_has_the_queue_as_filtered(client, olivia, eve, amir, support):
    item = make_request(by=eve, need="=HYPERLINK(\"x\")", team=support, urgency="high")
    accept_request(request=item, by=olivia, owner=amir, target_on=timezone.localdate() + timedelta(days=7))
    make_request(by=amir, need="Something else")
    client.force_login(olivia)
    rows = csv_rows(client.get(reverse("library:request-export"), {"urgency": "high"}))
    assert rows[0][:8] == ["id", "need", "urgency", "status", "team", "requested_by", "owner", "target_on"]
    assert rows[1][:8] == [str(item.pk), "'=HYPERLINK(\"x\")", "Within a week", "Accepted", "Customer Support",
                           "Eve Walker", "Amir Haddad", (timezone.localdate() + timedelta(days=7)).isoformat()]
    assert len(rows) == 2
    client.force_login(eve)
    assert [row[1] for row in csv_rows(client.get(reverse("library:request-export")))[1:]] == ["'=HYPERLINK(\"x\")"]


def _many(count, *, eve, amir, olivia, support):
    for number in range(count):
        item = make_request(by=eve if number % 2 else amir, need=f"Request {number}", team=support)
        if number % 3 == 0:
            accept_request(request=item, by=olivia, owner=amir)


def test_the_queue_query_count_does_not_grow(client, olivia, eve, amir, support, django_assert_num_queries):
    _many(3, eve=eve, amir=amir, olivia=olivia, support=support)
    client.force_login(olivia)
    client.get(reverse("library:request-list"))  # the session and the person, read once
    with django_assert_num_queries(8) as small:
        client.get(reverse("library:request-list"))
    _many(30, eve=eve, amir=amir, olivia=olivia, support=support)
    with django_assert_num_queries(len(small)):
        client.get(reverse("library:request-list"))


def test_my_requests_query_count_does_not_grow(client, olivia, eve, amir, support, django_assert_num_queries):
    _many(3, eve=eve, amir=amir, olivia=olivia, support=support)
    client.force_login(eve)
    client.get(reverse("library:request-list"))
    with django_assert_num_queries(8) as small:
        client.get(reverse("library:request-list"))
    _many(30, eve=eve, amir=amir, olivia=olivia, support=support)
    with django_assert_num_queries(len(small)):
        client.get(reverse("library:request-list"))


def test_declining_a_request_declines_those_merged_into_it_and_tells_their_askers(olivia, eve, amir, asked):
    main = make_request(by=amir, need="Call-back scripts for every team")
    merge_request(request=asked, by=olivia, into=main)
    decline_request(request=main, by=olivia, reason="The complaint playbook covers it")
    asked.refresh_from_db()
    assert (asked.status, asked.decline_reason) == (Status.DECLINED, "The complaint playbook covers it")
    assert keys(eve, asked) == ["merged", "declined"]
    assert len(audit_events(asked, "request.declined")) == 1
