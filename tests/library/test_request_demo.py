"""The demo's content requests: one story at each stage, told once."""

import io

from django.core.management import call_command

from cxcoe.models import AuditEvent, Reminder
from library import kinds
from library.demo import seed_requests
from library.models import ContentRequest, Resource


def test_the_demo_has_a_request_at_each_stage_and_seeds_it_once(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)  # the library's seed_demo seeds the requests after the resources
    resources = list(Resource.objects.all())
    assert "Demo content requests ready: 2 new, 2 accepted, 1 declined, 1 merged, 1 delivered." in out.getvalue()
    handover = ContentRequest.objects.get(status="delivered")
    assert handover.requested_by.email == "leo@acme.example"
    assert handover.resource.title == "Handover between teams without repeating questions"
    merged = ContentRequest.objects.get(status="merged")
    assert merged.merged_into.need == "A script for calling back a customer who complained"
    assert ContentRequest.objects.filter(status="accepted", owner__isnull=False, target_on__isnull=False).count() == 2
    assert Reminder.objects.filter(kind=kinds.REQUEST_UPDATE).exists()
    counts = (ContentRequest.objects.count(), AuditEvent.objects.count())
    seed_requests(io.StringIO(), {resource.title: resource for resource in resources})
    assert (ContentRequest.objects.count(), AuditEvent.objects.count()) == counts
