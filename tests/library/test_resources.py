"""Resources from draft to published to archived: the impact statement, revisions, and who may do what."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cxcoe.models import AuditEvent
from library.models import Resource
from library.services.resources import (
    archive_resource,
    create_resource,
    publish_resource,
    reassign_resources,
    restore_resource,
    update_resource,
)

from .factories import IMPACT, make_resource

TODAY = date(2026, 12, 4)


def test_a_draft_may_lack_its_impact_statement_but_publishing_names_what_is_missing(olivia):
    draft = make_resource(by=olivia, impact_employees="", impact_business="")
    with pytest.raises(ValidationError) as refused:
        publish_resource(resource=draft, by=olivia, today=TODAY)
    assert "expected impact on employees" in str(refused.value)
    assert "expected impact on the business" in str(refused.value)
    assert "why it matters" not in str(refused.value)
    draft.refresh_from_db()
    assert draft.status == Resource.Status.DRAFT
    assert not draft.revisions.exists()


def test_publishing_schedules_the_review_and_keeps_the_first_revision(olivia):
    draft = make_resource(by=olivia)
    published = publish_resource(resource=draft, by=olivia, today=TODAY)
    assert published.status == Resource.Status.PUBLISHED
    assert published.next_review_on == TODAY + timedelta(days=90)
    assert list(published.revisions.values_list("number", "title")) == [(1, draft.title)]
    assert AuditEvent.objects.filter(verb="resource.published", target_id=str(draft.pk)).exists()


def test_a_video_needs_its_address(olivia):
    with pytest.raises(ValidationError) as refused:
        create_resource(by=olivia, kind=Resource.Kind.VIDEO, title="Empathy in 5 minutes", summary="A short film.",
                        **IMPACT)
    assert "address" in str(refused.value)
    assert not Resource.objects.exists()


def test_each_published_edit_keeps_the_previous_text(olivia):
    resource = make_resource(by=olivia, publish=True, today=TODAY)
    update_resource(resource=resource, by=olivia, body="Call within four hours.", change_note="Faster")
    update_resource(resource=resource, by=olivia, body="Call within four hours.")  # no change: no revision
    revisions = list(resource.revisions.order_by("number").values_list("number", "body", "change_note"))
    assert revisions == [(1, "Call within a day. Listen first, then say what you will do.", "Published"),
                         (2, "Call within four hours.", "Faster")]


def test_a_published_edit_cannot_empty_the_impact_statement(olivia):
    resource = make_resource(by=olivia, publish=True, today=TODAY)
    with pytest.raises(ValidationError) as refused:
        update_resource(resource=resource, by=olivia, impact_customers="  ")
    assert "expected impact on customers" in str(refused.value)
    resource.refresh_from_db()
    assert resource.impact_customers == IMPACT["impact_customers"]
    assert resource.revisions.count() == 1


def test_only_the_owner_and_coe_staff_edit(olivia, eve, amir):
    resource = make_resource(by=olivia, owner=amir, publish=True, today=TODAY)
    with pytest.raises(ValidationError):
        update_resource(resource=resource, by=eve, title="Hijacked")
    update_resource(resource=resource, by=amir, title="Calling back, revised")
    resource.refresh_from_db()
    assert resource.title == "Calling back, revised"


def test_employees_cannot_create_resources(eve):
    with pytest.raises(ValidationError):
        create_resource(by=eve, title="Mine", summary="x", kind=Resource.Kind.ARTICLE, body="x")
    assert not Resource.objects.exists()


def test_archiving_stops_reviews_and_restoring_brings_it_back_due(olivia):
    resource = make_resource(by=olivia, publish=True, today=TODAY)
    archive_resource(resource=resource, by=olivia, note="Replaced by the new playbook")
    resource.refresh_from_db()
    assert resource.status == Resource.Status.ARCHIVED
    assert resource.next_review_on is None
    assert not Resource.objects.listed().filter(pk=resource.pk).exists()
    with pytest.raises(ValidationError):
        update_resource(resource=resource, by=olivia, title="Changed")
    restore_resource(resource=resource, by=olivia, today=TODAY)
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED
    assert resource.next_review_on == TODAY


def test_a_draft_cannot_be_archived(olivia):
    draft = make_resource(by=olivia)
    with pytest.raises(ValidationError):
        archive_resource(resource=draft, by=olivia)
    draft.refresh_from_db()
    assert draft.status == Resource.Status.DRAFT


def test_tags_are_shared_and_lowercased(olivia):
    first = make_resource(by=olivia, tags=["Complaints", "calls"])
    second = make_resource(by=olivia, title="Other", tags=["complaints"])
    assert sorted(first.tags.values_list("name", flat=True)) == ["calls", "complaints"]
    assert first.tags.get(name="complaints") == second.tags.get()


def test_publishing_twice_is_refused_and_keeps_one_revision(olivia):
    resource = make_resource(by=olivia, publish=True, today=TODAY)
    with pytest.raises(ValidationError):
        publish_resource(resource=resource, by=olivia, today=TODAY)
    assert resource.revisions.count() == 1


def test_only_coe_staff_restore(olivia, amir):
    resource = make_resource(by=olivia, owner=amir, publish=True, today=TODAY)
    archive_resource(resource=resource, by=amir, note="Done with")
    with pytest.raises(ValidationError):
        restore_resource(resource=resource, by=amir, today=TODAY)
    resource.refresh_from_db()
    assert resource.status == Resource.Status.ARCHIVED


def test_reassigning_to_someone_who_left_is_refused(olivia, amir, bianca):
    resource = make_resource(by=olivia, owner=amir, publish=True, today=TODAY)
    bianca.is_active = False
    bianca.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        reassign_resources(resources=[resource], by=olivia, owner=bianca)
    resource.refresh_from_db()
    assert resource.owner == amir


def test_the_create_form_sent_twice_saves_one_resource(client, olivia):
    client.force_login(olivia)
    form = client.get(reverse("library:resource-create")).context["form"]
    data = {"submission_token": form["submission_token"].value(), "kind": "article", "title": "Twice",
            "summary": "Sent twice", "body": "Body", "audience_role": "everyone", "review_interval_days": "90",
            "owner_email": olivia.email}
    first = client.post(reverse("library:resource-create"), data)
    second = client.post(reverse("library:resource-create"), data)
    assert first.status_code == second.status_code == 302
    assert Resource.objects.filter(title="Twice").count() == 1
    assert second["Location"] == first["Location"]


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client, olivia):
    client.force_login(olivia)
    response = client.post(reverse("library:resource-create"), {
        "kind": "video", "title": "A film", "summary": "Watch it", "audience_role": "everyone",
        "review_interval_days": "90", "tags": "x" * 41})
    assert response.status_code == 200
    form = response.context["form"]
    assert "url" in form.errors
    assert "tags" in form.errors
    assert 'value="A film"' in response.content.decode()
    assert not Resource.objects.exists()
