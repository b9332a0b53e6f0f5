"""The audit trail of a working morning, replayed through the web: each person's requests come from their own
address and browser, and the log says who did what to which object, from where, and what changed."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxcoe.audit import describe
from cxcoe.models import AuditEvent, User
from standards.models import Standard

from .factories import PASSWORD
from .standards.factories import PrincipleFactory
from .steps import csv_lines

OLIVIA_AT = {"REMOTE_ADDR": "203.0.113.10", "HTTP_USER_AGENT": "Firefox/128.0 (Olivia's laptop)"}
LEO_AT = {"REMOTE_ADDR": "198.51.100.20", "HTTP_USER_AGENT": "Safari/17.4 (Leo's phone)"}
AMIR_AT = {"REMOTE_ADDR": "2001:db8::7", "HTTP_USER_AGENT": "Edge/124.0"}
STRANGER_AT = {"REMOTE_ADDR": "192.0.2.99", "HTTP_USER_AGENT": "curl/8.5.0"}


def _signed_in(person: User, where: dict) -> Client:
    client = Client(**where)
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


def _rows() -> list[tuple]:
    return [(event.actor.email if event.actor else None, event.verb, event.target_label, event.ip_address,
             event.user_agent, event.details) for event in AuditEvent.objects.order_by("pk")]


def test_a_morning_of_work_reads_back_from_the_audit_log(olivia, leo, amir, eve, sales, enterprise_sales):
    principle = PrincipleFactory(title="We keep our promises")
    today = timezone.localdate()
    olivia_web, leo_web, amir_web = _signed_in(olivia, OLIVIA_AT), _signed_in(leo, LEO_AT), _signed_in(amir, AMIR_AT)

    olivia_web.post(reverse("standards:standard-create"), {
        "standard-code": "CX-STD-200", "standard-principle": principle.pk, "standard-audience_units": [sales.pk],
        "standard-audience_role": "everyone", "standard-requires_acknowledgement": "on",
        "standard-ack_days": "30", "standard-joiner_ack_days": "14", "standard-review_interval_days": "365",
        "standard-owner_email": "olivia@acme.example", "standard-approver_email": "leo@acme.example",
        "version-title": "Call back when we promised", "version-statement": "Every promised call back happens.",
        "version-rationale_customers": "A missed call back breaks trust.",
    })
    standard = Standard.objects.get(code="CX-STD-200")
    olivia_web.post(reverse("standards:draft-edit", args=[standard.pk]), {
        "title": "Call back when we promised", "statement": "Every promised call back happens, on the day.",
        "rationale_customers": "A missed call back breaks trust.", "metric": "Call backs on time",
    })
    olivia_web.post(reverse("standards:draft-submit", args=[standard.pk]))
    leo_web.post(reverse("standards:version-approve", args=[standard.pk]), {"comment": "Clear."})
    amir_web.post(reverse("standards:standard-acknowledge", args=[standard.pk]))
    olivia_web.post(reverse("unit-edit", args=[enterprise_sales.pk]), {
        "name": "Enterprise and Public Sales", "parent": sales.pk, "is_active": "on", "review_interval_days": "180",
    })
    olivia_web.post(reverse("person-deactivate", args=[eve.pk]), {"reason": "Parental leave"})
    olivia_web.post(reverse("person-reactivate", args=[eve.pk]))
    olivia_web.post(reverse("standards:plan-create"), {
        "title": "Call backs campaign", "objective": "Everyone knows the call back standard.",
        "owner_email": "leo@acme.example", "audience_role": "everyone", "standards": [standard.pk],
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
    })
    refused = Client(**STRANGER_AT).post(reverse("account_login"), {"login": "leo@acme.example", "password": "guess"})
    assert refused.status_code == 200

    olivia_from, leo_from, amir_from = OLIVIA_AT.values(), LEO_AT.values(), AMIR_AT.values()
    assert _rows() == [
        ("olivia@acme.example", "auth.signed_in_password", "Olivia Hart", *olivia_from, {}),
        ("leo@acme.example", "auth.signed_in_password", "Leo Marsh", *leo_from, {}),
        ("amir@acme.example", "auth.signed_in_password", "Amir Haddad", *amir_from, {}),
        ("olivia@acme.example", "standard.created", "CX-STD-200 Call back when we promised", *olivia_from, {}),
        ("olivia@acme.example", "version.draft_saved", "CX-STD-200 Call back when we promised", *olivia_from,
         {"version": 1, "statement": "changed", "metric": ["", "Call backs on time"]}),
        ("olivia@acme.example", "version.submitted", "CX-STD-200 Call back when we promised", *olivia_from,
         {"version": 1}),
        ("leo@acme.example", "version.approved", "CX-STD-200 Call back when we promised", *leo_from,
         {"version": 1, "effective_on": today.isoformat(), "comment": "Clear."}),
        ("leo@acme.example", "standard.published", "CX-STD-200 Call back when we promised", *leo_from,
         {"version": 1, "asks_for_acknowledgement": True}),
        ("amir@acme.example", "standard.acknowledged", "CX-STD-200 Call back when we promised", *amir_from,
         {"version": 1, "current_version": 1}),
        ("olivia@acme.example", "unit.updated", "Enterprise and Public Sales", *olivia_from,
         {"name": ["Enterprise Sales", "Enterprise and Public Sales"]}),
        ("olivia@acme.example", "person.deactivated", "Eve Walker", *olivia_from, {"reason": "Parental leave"}),
        ("olivia@acme.example", "person.reactivated", "Eve Walker", *olivia_from, {}),
        ("olivia@acme.example", "plan.created", "Call backs campaign", *olivia_from, {}),
        (None, "auth.sign_in_failed", "", *STRANGER_AT.values(), {"email": "leo@acme.example"}),
    ]
    draft_saved = AuditEvent.objects.get(verb="version.draft_saved")
    assert draft_saved.verb_label == "Draft saved"
    assert sorted(describe.detail_lines(draft_saved)) == [
        ("metric", "— → Call backs on time"), ("statement", "changed"), ("version", "v1")]

    page = olivia_web.get(reverse("audit-list")).text
    assert "Enterprise Sales → Enterprise and Public Sales" in page
    assert "2001:db8::7 · Edge/124.0" in page
    export = csv_lines(olivia_web.get(reverse("audit-export")))
    assert export[0].endswith(",ip,user_agent")
    assert any(line.endswith(",2001:db8::7,Edge/124.0") for line in export)
