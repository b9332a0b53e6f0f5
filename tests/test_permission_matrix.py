"""Every URL of the project, for every role → the status that role gets.

A new URL pattern fails `test_every_url_has_a_row` until its permissions are decided here.
allauth's pages and the site admin are left out: they carry their own access rules.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cxcoe.models import BusinessUnit, ImportJob, Notification, Reminder, WorkerHeartbeat
from cxcoe.notifications import mailbox
from standards.services.calendar import create_calendar_feed
from standards.services.versions import submit_version

from .standards.factories import CommunicationFactory, PlanFactory, PrincipleFactory, StandardFactory, publish_standard
from .tables import PROJECT_APPS

ROLES = ["anonymous", "employee", "leader", "other_leader", "coe_staff"]
EXCLUDED_PREFIXES = ("accounts/", "admin/")
LOGIN = 302  # LoginRequiredMiddleware sends anonymous visitors to the sign-in page


def row(anonymous, employee, leader, other_leader, coe_staff, *, args=None, method="get"):
    return {"statuses": dict(zip(ROLES, [anonymous, employee, leader, other_leader, coe_staff], strict=True)),
            "args": args or (lambda objects: []), "method": method}


# Objects: "amir" is in Enterprise Sales, under Sales (led by the leader); the other leader leads Operations.
MATRIX = {
    "home": row(LOGIN, 200, 200, 200, 200),
    "dashboard": row(LOGIN, 403, 200, 200, 200),
    "profile": row(LOGIN, 200, 200, 200, 200),
    "healthz": row(200, 200, 200, 200, 200),
    # Confirming it's you at the single sign-on provider exists only for people who signed in by it (none here:
    # tests/cxcoe/test_sso.py has the linked person's side).
    "sso-reauthenticate": row(LOGIN, 404, 404, 404, 404),
    # Load balancers probe readiness without signing in; the objects below include a worker that just reported in.
    "readyz": row(200, 200, 200, 200, 200),
    "person-list": row(LOGIN, 403, 403, 403, 200),
    "person-export": row(LOGIN, 403, 403, 403, 200),
    "person-detail": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["amir"].pk]),
    "person-edit": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["amir"].pk]),
    "person-deactivate": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["amir"].pk]),
    "person-reactivate": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["amir"].pk], method="post"),
    "unit-list": row(LOGIN, 403, 403, 403, 200),
    "unit-export": row(LOGIN, 403, 403, 403, 200),
    "unit-create": row(LOGIN, 403, 403, 403, 200),
    "unit-detail": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["amir"].business_unit_id]),
    "unit-edit": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["amir"].business_unit_id]),
    # Leaders see the units below them, but only the review owner (or CoE staff) records a review.
    "unit-review": row(LOGIN, 404, 403, 404, 200, args=lambda o: [o["amir"].business_unit_id], method="post"),
    "import-list": row(LOGIN, 403, 403, 403, 200),
    "import-detail": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["job"].pk]),
    "import-apply": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["job"].pk], method="post"),
    "import-cancel": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["job"].pk], method="post"),
    "audit-list": row(LOGIN, 403, 403, 403, 200),
    "audit-export": row(LOGIN, 403, 403, 403, 200),
    "operations": row(LOGIN, 403, 403, 403, 200),
    "operations-export": row(LOGIN, 403, 403, 403, 200),
    "operations-run-sweep": row(LOGIN, 403, 403, 403, 302, args=lambda o: ["reviews"], method="post"),
    "operations-retry": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["failed_reminder"].pk], method="post"),
    # The mail the embedded mode kept instead of sending (the tests run in that mode; elsewhere these are 404).
    "sent-mail-list": row(LOGIN, 403, 403, 403, 200),
    "sent-mail-detail": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["sent_mail"]]),
    "sent-mail-html": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["sent_mail"]]),
    # Everyone has an inbox; a notification is its recipient's alone (the leader's here), others get 404.
    "notification-list": row(LOGIN, 200, 200, 200, 200),
    "notification-preferences": row(LOGIN, 200, 200, 200, 200),
    "notification-read-all": row(LOGIN, 302, 302, 302, 302, method="post"),
    "notification-open": row(LOGIN, 404, 302, 404, 404, args=lambda o: [o["notification"].pk]),
    "notification-read": row(LOGIN, 404, 302, 404, 404, args=lambda o: [o["notification"].pk], method="post"),
    # Standards. "standard" is published for Sales (the leader's unit) and Support (the employee's);
    # "submitted" waits for the leader's approval; the plan and its email communication belong to CoE staff;
    # "token" is the leader's calendar.
    "standards:standard-list": row(LOGIN, 200, 200, 200, 200),
    "standards:standard-export": row(LOGIN, 200, 200, 200, 200),
    "standards:standard-create": row(LOGIN, 403, 403, 403, 200),
    "standards:approval-list": row(LOGIN, 200, 200, 200, 200),
    "standards:standard-detail": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:standard-edit": row(LOGIN, 403, 403, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:draft-edit": row(LOGIN, 404, 403, 404, 302, args=lambda o: [o["submitted"].pk]),
    "standards:standard-revise": row(LOGIN, 403, 403, 404, 302, args=lambda o: [o["standard"].pk], method="post"),
    "standards:draft-submit": row(LOGIN, 404, 403, 404, 302, args=lambda o: [o["submitted"].pk], method="post"),
    "standards:draft-recall": row(LOGIN, 404, 403, 404, 302, args=lambda o: [o["submitted"].pk], method="post"),
    # Only the named approver decides: CoE staff see the version but are not its approver.
    "standards:version-approve": row(LOGIN, 404, 302, 404, 403, args=lambda o: [o["submitted"].pk], method="post"),
    "standards:version-send-back": row(LOGIN, 404, 200, 404, 403, args=lambda o: [o["submitted"].pk],
                                       method="post"),
    "standards:standard-retire": row(LOGIN, 403, 403, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:standard-review": row(LOGIN, 403, 403, 404, 200, args=lambda o: [o["standard"].pk], method="post"),
    "standards:standard-acknowledge": row(LOGIN, 302, 302, 404, 302, args=lambda o: [o["standard"].pk],
                                          method="post"),
    "standards:version-detail": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["standard"].pk, 1]),
    "standards:version-compare": row(LOGIN, 200, 200, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:progress-pending": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["standard"].pk, o["sales"].pk]),
    # Evidence of who acknowledged what: CoE staff for everyone, leaders for their own units.
    "standards:acknowledgement-export": row(LOGIN, 404, 200, 404, 200, args=lambda o: [o["standard"].pk]),
    "standards:principle-list": row(LOGIN, 200, 200, 200, 200),
    "standards:principle-create": row(LOGIN, 403, 403, 403, 200),
    "standards:principle-detail": row(LOGIN, 200, 200, 200, 200, args=lambda o: [o["principle"].pk]),
    "standards:principle-edit": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["principle"].pk]),
    "standards:principle-archive": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["principle"].pk], method="post"),
    "standards:principle-delete": row(LOGIN, 403, 403, 403, 200, args=lambda o: [o["principle"].pk]),
    "standards:principle-move": row(LOGIN, 403, 403, 403, 302, args=lambda o: [o["principle"].pk], method="post"),
    "standards:plan-list": row(LOGIN, 200, 200, 200, 200),
    "standards:plan-create": row(LOGIN, 403, 403, 403, 200),
    "standards:plan-detail": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["plan"].pk]),
    "standards:plan-edit": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["plan"].pk]),
    "standards:plan-archive": row(LOGIN, 404, 404, 404, 302, args=lambda o: [o["plan"].pk], method="post"),
    "standards:communication-create": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["plan"].pk]),
    "standards:communication-detail": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["communication"].pk]),
    "standards:communication-edit": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["communication"].pk]),
    "standards:communication-status": row(LOGIN, 404, 404, 404, 302, args=lambda o: [o["communication"].pk],
                                          method="post"),
    "standards:communication-send": row(LOGIN, 404, 404, 404, 200, args=lambda o: [o["communication"].pk]),
    "standards:communication-recipients-export": row(LOGIN, 404, 404, 404, 200,
                                                     args=lambda o: [o["communication"].pk]),
    "standards:calendar": row(LOGIN, 200, 200, 200, 200),
    "standards:calendar-export": row(LOGIN, 200, 200, 200, 200),
    # Everyone may ask for their own private calendar address, and reset it. Issuing one is no "-create" page
    # (cxcoe/lib/submissions.py): there is one address a person at most, so sending twice gives the same one.
    "standards:calendar-feed-issue": row(LOGIN, 302, 302, 302, 302, method="post"),
    "standards:calendar-feed-reset": row(LOGIN, 302, 302, 302, 302, method="post"),
    # The private address is the key: calendar apps fetch it without signing in.
    "standards:calendar-feed": row(200, 200, 200, 200, 200, args=lambda o: [o["token"]]),
    "library:index": row(LOGIN, 200, 200, 200, 200),
    "training:index": row(LOGIN, 200, 200, 200, 200),
    "ambassadors:index": row(LOGIN, 200, 200, 200, 200),
}


def _is_ours(pattern) -> bool:
    return isinstance(pattern, URLPattern) and pattern.callback.__module__.split(".")[0] in PROJECT_APPS


def project_url_names(patterns=None, prefix="", namespace="") -> set[str]:
    names = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        # allauth's and the admin's own pages are theirs; a page of ours among them still needs a row.
        if route.startswith(EXCLUDED_PREFIXES) and not _is_ours(pattern):
            continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= project_url_names(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {route!r} needs a name to be in the permission matrix"
            names.add(namespace + pattern.name)
    return names


def test_every_url_has_a_row():
    names = project_url_names()
    assert names - MATRIX.keys() == set(), "URLs without a row in the permission matrix"
    assert MATRIX.keys() - names == set(), "rows for URLs that no longer exist"


def standards_objects(*, olivia, leo, units) -> dict:
    principle = PrincipleFactory()
    standard = publish_standard(StandardFactory(principle=principle, owner=olivia, requires_acknowledgement=True),
                                audience_units=units)
    submitted = StandardFactory(principle=principle, approver=leo)
    submit_version(version=submitted.versions.get(), by=olivia)
    plan = PlanFactory(owner=olivia)
    communication = CommunicationFactory(plan=plan, owner=olivia, channel="email", status="ready")
    return {"principle": principle, "standard": standard, "submitted": submitted, "plan": plan,
            "communication": communication, "token": create_calendar_feed(person=leo).token}


def matrix_objects(*, olivia, leo, amir, sales, support) -> dict:
    """The objects the rows' arguments name. With the `mail_dir` fixture: the sent-mail pages read one email
    kept there."""
    kept = mail.EmailMultiAlternatives("Your training is due", "Hello", to=[amir.email])
    kept.attach_alternative("<p>Hello</p>", "text/html")
    mail.get_connection("cxcoe.notifications.mailbox.EmlFileBackend").send_messages([kept])
    return {
        "amir": amir,
        "sales": sales,
        **standards_objects(olivia=olivia, leo=leo, units=[sales, support]),
        "job": ImportJob.objects.create(created_by=olivia, status=ImportJob.Status.INVALID),
        "heartbeat": WorkerHeartbeat.objects.create(hostname="worker@cxcoe", seen_at=timezone.now()),
        "notification": Notification.objects.create(recipient=leo, kind="message", title="Town hall", url="/"),
        "failed_reminder": Reminder.objects.create(
            recipient=amir, kind="review.due", target_type=ContentType.objects.get_for_model(BusinessUnit),
            target_id=amir.business_unit_id, period="2026-03-09/before-7", status=Reminder.Status.FAILED,
        ),
        "sent_mail": mailbox.sent_mail_names()[0],
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(client, mail_dir, people_by_role, amir, olivia, leo, sales, support, name, role):
    spec = MATRIX[name]
    objects = matrix_objects(olivia=olivia, leo=leo, amir=amir, sales=sales, support=support)
    if people_by_role[role] is not None:
        client.force_login(people_by_role[role])
    url = reverse(name, args=spec["args"](objects))
    response = getattr(client, spec["method"])(url)
    assert response.status_code == spec["statuses"][role], f"{role} on {name}"
    if spec["method"] == "post":  # a POST-only view never acts on GET
        assert client.get(url).status_code in {LOGIN, 403, 404, 405}
    if response.status_code == LOGIN and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))
