"""Keeping the library fresh: reviews, the "linked standard changed" flag, My reviews, freshness and the sweeps."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cxcoe import reviews
from cxcoe.models import AuditEvent, Notification, Reminder, ReviewRecord
from cxcoe.notifications import reminders
from library import kinds, metrics
from library.models import Resource
from library.services.resources import review_resource
from library.sweeps import sweep_linked_changes
from library.views.reviews import review_queue
from standards.services.principles import set_principle_archived, update_principle

from ..factories import UserFactory
from ..standards.factories import PrincipleFactory, StandardFactory, publish_standard, revise_standard
from .factories import make_resource

TODAY = date(2026, 12, 4)


@pytest.fixture
def standard(olivia):
    return publish_standard(StandardFactory(owner=olivia, code="CX-STD-040"))


@pytest.fixture
def linked(amir, olivia, standard):
    """Amir's published guide, linked to CX-STD-040 and to its principle."""
    return make_resource(by=olivia, owner=amir, title="Answering within a day", publish=True,
                         standards=[standard], principles=[standard.principle])


def flagged(resource) -> bool:
    return Resource.objects.with_link_changes().get(pk=resource.pk).links_changed


def test_a_new_version_of_a_linked_standard_flags_the_resource_until_its_review(linked, standard, amir, olivia):
    assert not flagged(linked)
    revise_standard(standard, olivia, approver=UserFactory(coe_staff=True), statement="Within 4 h.")
    assert flagged(linked)
    assert list(review_queue(amir, timezone.localdate())) == [linked]
    with pytest.raises(ValidationError):  # the flag needs its own answer
        review_resource(resource=linked, by=amir, outcome=ReviewRecord.Outcome.CONFIRMED, impact_holds=True)
    review_resource(resource=linked, by=amir, outcome=ReviewRecord.Outcome.CONFIRMED, impact_holds=True,
                    links_hold=True, note="Still right at 4 hours")
    assert not flagged(linked)
    assert list(review_queue(amir, timezone.localdate())) == []


def test_editing_or_archiving_a_linked_principle_flags_the_resource(linked, standard, olivia):
    update_principle(principle=standard.principle, by=olivia, statement="Customers never wait without knowing.")
    assert flagged(linked)
    review_resource(resource=linked, by=olivia, outcome="confirmed", impact_holds=True, links_hold=True)
    assert not flagged(linked)
    set_principle_archived(principle=standard.principle, by=olivia, archived=True)
    assert flagged(linked)


def test_an_unlinked_change_flags_nothing(linked, olivia):
    update_principle(principle=PrincipleFactory(), by=olivia, statement="Another principle changed.")
    assert not flagged(linked)


def test_confirming_is_refused_when_the_impact_statement_no_longer_holds(linked, amir):
    next_review = linked.next_review_on
    with pytest.raises(ValidationError) as refused:
        review_resource(resource=linked, by=amir, outcome="confirmed", impact_holds=False)
    assert "Updated" in str(refused.value)
    linked.refresh_from_db()
    assert linked.next_review_on == next_review
    assert not ReviewRecord.objects.exists()


def test_a_confirmed_review_schedules_the_next_one_and_stops_reminders(linked, amir):
    review_resource(resource=linked, by=amir, outcome="confirmed", impact_holds=True, today=TODAY)
    linked.refresh_from_db()
    assert linked.next_review_on == TODAY + timedelta(days=90)
    record = reviews.reviews_of(linked).get()
    assert (record.outcome, record.reviewed_by) == ("confirmed", amir)
    assert AuditEvent.objects.filter(verb="review.recorded", target_id=str(linked.pk)).exists()


def test_retiring_through_the_review_archives_the_resource(linked, amir):
    review_resource(resource=linked, by=amir, outcome="retired", impact_holds=True, note="Superseded")
    linked.refresh_from_db()
    assert linked.status == Resource.Status.ARCHIVED
    assert linked.next_review_on is None
    assert AuditEvent.objects.filter(verb="resource.archived", target_id=str(linked.pk)).exists()


def test_someone_else_cannot_review(linked, eve):
    with pytest.raises(ValidationError):
        review_resource(resource=linked, by=eve, outcome="confirmed", impact_holds=True)
    assert not ReviewRecord.objects.exists()


def test_the_review_sweep_reminds_the_owner_and_escalates(linked, amir, leo):
    Resource.objects.filter(pk=linked.pk).update(next_review_on=TODAY - timedelta(days=20))
    reviews.sweep_reviews(today=TODAY)
    due = Reminder.objects.filter(kind=reviews.REVIEW_DUE, target_id=linked.pk)
    assert list(due.values_list("recipient", flat=True)) == [amir.pk]
    escalated = Reminder.objects.filter(kind=reviews.REVIEW_ESCALATION, target_id=linked.pk)
    assert list(escalated.values_list("recipient", flat=True)) == [leo.pk]  # Amir's unit is under Leo's Sales
    assert reviews.sweep_reviews(today=TODAY) == 0  # run twice, nothing new


def test_the_linked_changes_sweep_tells_the_owner_once_per_change(linked, standard, amir, olivia):
    assert sweep_linked_changes(today=TODAY) == 0
    revise_standard(standard, olivia, approver=UserFactory(coe_staff=True), statement="Within 4 h.")
    assert sweep_linked_changes(today=TODAY) == 1
    assert sweep_linked_changes(today=TODAY) == 0
    reminders.send_reminders()
    note = Notification.objects.get(recipient=amir, kind=kinds.LINKED_CHANGED)
    assert "Answering within a day" in note.title
    review_resource(resource=linked, by=amir, outcome="confirmed", impact_holds=True, links_hold=True)
    assert sweep_linked_changes(today=TODAY) == 0


def test_freshness_counts_published_resources_not_past_their_review(olivia, amir):
    fresh = make_resource(by=olivia, owner=amir, publish=True, today=TODAY)
    stale = make_resource(by=olivia, owner=amir, title="Old", publish=True, today=TODAY - timedelta(days=200))
    make_resource(by=olivia, title="A draft")  # drafts don't count
    score = metrics.freshness(TODAY)
    assert (score.published, score.fresh, score.percent) == (2, 1, 50)
    by_owner = metrics.freshness_by_owner(TODAY)
    assert [(row["owner_id"], row["freshness"].stale) for row in by_owner] == [(amir.pk, 1)]
    assert Resource.objects.stale(TODAY).get() == stale
    assert fresh not in Resource.objects.stale(TODAY)


def test_freshness_by_principle_counts_each_linked_principle(olivia):
    kind, clear = PrincipleFactory(title="We are kind"), PrincipleFactory(title="We are clear")
    make_resource(by=olivia, publish=True, today=TODAY, principles=[kind, clear])
    make_resource(by=olivia, title="Old", publish=True, today=TODAY - timedelta(days=200), principles=[kind])
    rows = {row["title"]: row["freshness"] for row in metrics.freshness_by_principle(TODAY)}
    assert (rows["We are kind"].published, rows["We are kind"].fresh) == (2, 1)
    assert (rows["We are clear"].published, rows["We are clear"].fresh) == (1, 1)


def test_my_reviews_orders_flagged_then_due_soon_then_overdue_by_views(client, linked, standard, amir, olivia):
    today = timezone.localdate()
    soon_popular = make_resource(by=olivia, owner=amir, title="Soon, popular", publish=True)
    soon_quiet = make_resource(by=olivia, owner=amir, title="Soon, quiet", publish=True)
    overdue = make_resource(by=olivia, owner=amir, title="Overdue", publish=True)
    make_resource(by=olivia, owner=amir, title="Not due", publish=True)
    Resource.objects.filter(pk__in=[soon_popular.pk, soon_quiet.pk]).update(next_review_on=today + timedelta(days=3))
    Resource.objects.filter(pk=soon_popular.pk).update(view_count=40)
    Resource.objects.filter(pk=overdue.pk).update(next_review_on=today - timedelta(days=3), view_count=99)
    revise_standard(standard, olivia, approver=UserFactory(coe_staff=True), statement="Within 4 h.")
    client.force_login(amir)
    response = client.get(reverse("library:my-reviews"))
    assert [r.title for r in response.context["resources"]] == [
        "Answering within a day", "Soon, popular", "Soon, quiet", "Overdue"]
    assert "Linked standard changed" in response.content.decode()


def test_confirm_selected_records_a_review_for_each(client, amir, olivia):
    today = timezone.localdate()
    chosen = [make_resource(by=olivia, owner=amir, title=f"Guide {n}", publish=True) for n in range(3)]
    Resource.objects.filter(pk__in=[r.pk for r in chosen]).update(next_review_on=today + timedelta(days=2))
    client.force_login(amir)
    response = client.post(reverse("library:my-reviews-bulk"), {
        "action": "confirm", "still_holds": "on", "selected": [chosen[0].pk, chosen[1].pk]})
    assert response.status_code == 302
    reviewed = set(ReviewRecord.objects.values_list("object_id", flat=True))
    assert reviewed == {chosen[0].pk, chosen[1].pk}
    assert Resource.objects.get(pk=chosen[2].pk).next_review_on == today + timedelta(days=2)


def test_confirm_selected_without_saying_they_hold_confirms_nothing(client, amir, olivia):
    resource = make_resource(by=olivia, owner=amir, publish=True)
    Resource.objects.filter(pk=resource.pk).update(next_review_on=timezone.localdate())
    client.force_login(amir)
    response = client.post(reverse("library:my-reviews-bulk"), {"action": "confirm", "selected": [resource.pk]})
    assert response.status_code == 200
    assert "Confirm that they all still hold" in response.content.decode()
    assert not ReviewRecord.objects.exists()


def test_reassign_selected_hands_them_over_and_tells_the_new_owner(client, amir, bianca, olivia):
    resource = make_resource(by=olivia, owner=amir, publish=True)
    Resource.objects.filter(pk=resource.pk).update(next_review_on=timezone.localdate())
    client.force_login(amir)
    client.post(reverse("library:my-reviews-bulk"), {"action": "reassign", "owner_email": bianca.email,
                                                     "selected": [resource.pk]})
    resource.refresh_from_db()
    assert resource.owner == bianca
    assert AuditEvent.objects.filter(verb="resource.reassigned", target_id=str(resource.pk)).exists()
    assert Reminder.objects.filter(recipient=bianca, kind=kinds.OWNER_ASSIGNED).exists()


def test_one_cannot_select_a_resource_outside_ones_queue(client, amir, eve, olivia):
    resource = make_resource(by=olivia, owner=amir, publish=True)
    Resource.objects.filter(pk=resource.pk).update(next_review_on=timezone.localdate())
    client.force_login(eve)
    response = client.post(reverse("library:my-reviews-bulk"), {"action": "confirm", "still_holds": "on",
                                                                "selected": [resource.pk]})
    assert response.status_code == 200
    assert not ReviewRecord.objects.exists()


def test_updated_outcome_leads_to_the_edit_and_saving_records_the_review(client, linked, amir):
    client.force_login(amir)
    response = client.post(reverse("library:resource-review", args=[linked.pk]),
                           {"outcome": "updated", "impact_holds": "no"})
    assert response.status_code == 302
    assert response["Location"].endswith("/edit/?review=updated&impact=no")
    assert not ReviewRecord.objects.exists()
    form = client.get(response["Location"]).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "file"}
    data.update({"impact_customers": "Customers hear back within four hours.", "change_note": "Faster",
                 "principles": [p.pk for p in linked.principles.all()],
                 "standards": [s.pk for s in linked.standards.all()], "audience_units": []})
    response = client.post(response["Location"], data)
    assert response.status_code == 302, response.context["form"].errors
    linked.refresh_from_db()
    assert linked.impact_customers == "Customers hear back within four hours."
    assert reviews.reviews_of(linked).get().outcome == "updated"
    assert linked.revisions.count() == 2


def test_the_standards_page_lists_the_resources_still_to_check(client, linked, standard, amir, olivia):
    client.force_login(olivia)
    page = client.get(reverse("standards:standard-detail", args=[standard.pk])).content.decode()
    assert "Answering within a day" not in page
    revise_standard(standard, olivia, approver=UserFactory(coe_staff=True), statement="Within 4 h.")
    page = client.get(reverse("standards:standard-detail", args=[standard.pk])).content.decode()
    assert "Library resources still to check against this version" in page
    assert linked.get_absolute_url() in page
    review_resource(resource=linked, by=amir, outcome="confirmed", impact_holds=True, links_hold=True)
    page = client.get(reverse("standards:standard-detail", args=[standard.pk])).content.decode()
    assert "Library resources still to check" not in page


def test_an_updated_review_needs_a_change_and_the_impact_statement_changed_when_it_no_longer_held(client, linked,
                                                                                                  amir):
    client.force_login(amir)
    url = reverse("library:resource-edit", args=[linked.pk]) + "?review=updated&impact=no"
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "file"}
    data.update({"principles": [p.pk for p in linked.principles.all()], "audience_units": [],
                 "standards": [s.pk for s in linked.standards.all()]})
    unchanged = client.post(url, data)
    assert "Nothing was changed" in unchanged.content.decode()
    data["body"] = "Call within four hours."
    impact_kept = client.post(url, data)
    assert "update it before saving" in impact_kept.content.decode()
    linked.refresh_from_db()
    assert linked.body != "Call within four hours."  # the edit and the review go together, or neither
    assert not ReviewRecord.objects.exists()
    data["impact_customers"] = "Customers hear back within four hours."
    assert client.post(url, data).status_code == 302
    assert reviews.reviews_of(linked).get().outcome == "updated"


def test_a_review_sent_twice_is_recorded_once(client, linked, amir):
    client.force_login(amir)
    token = client.get(linked.get_absolute_url()).context["review_form"]["submission_token"].value()
    data = {"outcome": "confirmed", "impact_holds": "yes", "submission_token": token}
    client.post(reverse("library:resource-review", args=[linked.pk]), data)
    client.post(reverse("library:resource-review", args=[linked.pk]), data)
    assert reviews.reviews_of(linked).count() == 1


def test_a_review_opened_from_my_reviews_goes_back_there(client, linked, amir):
    Resource.objects.filter(pk=linked.pk).update(next_review_on=timezone.localdate() + timedelta(days=2))
    client.force_login(amir)
    page = client.get(linked.get_absolute_url(), {"from": "mine"})
    token = page.context["review_form"]["submission_token"].value()
    assert 'name="next" value="mine"' in page.content.decode()
    response = client.post(reverse("library:resource-review", args=[linked.pk]), {
        "outcome": "confirmed", "impact_holds": "yes", "next": "mine", "submission_token": token})
    assert response["Location"] == reverse("library:my-reviews")


def test_a_resource_never_names_a_standard_its_reader_cannot_open(client, olivia, eve):
    hidden = StandardFactory(owner=olivia, code="CX-STD-077", title="A draft nobody else reads")
    resource = make_resource(by=olivia, title="Linked to a draft", publish=True, standards=[hidden])
    client.force_login(eve)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "A draft nobody else reads" not in page
    assert "CX-STD-077" not in page


def test_my_reviews_links_to_what_changed_and_the_standard_lists_the_same_resources(client, linked, standard,
                                                                                   amir, olivia):
    other = make_resource(by=olivia, title="Linked elsewhere", publish=True, principles=[standard.principle])
    revise_standard(standard, olivia, approver=UserFactory(coe_staff=True), statement="Within 4 h.")
    update_principle(principle=standard.principle, by=olivia, statement="Changed too.")
    client.force_login(amir)
    page = client.get(reverse("library:my-reviews")).content.decode()
    assert f"{reverse('standards:version-compare', args=[standard.pk])}?a=1&amp;b=2" in page
    client.force_login(olivia)
    listed = client.get(reverse("library:resource-list"), {"changed_standard": standard.pk}).context["resources"]
    assert [r.title for r in listed] == ["Answering within a day"]
    assert other not in listed  # flagged by its principle, not by this standard
