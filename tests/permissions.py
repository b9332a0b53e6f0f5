"""The permission matrix's parts: each app's tests/<app>/test_permissions.py holds a table of its URLs, every role →
the status that role gets, and checks each row with `matrix_test`; tests/test_permission_matrix.py checks that the
tables together cover every URL of the project.

A row's arguments name the objects they need (`args=lambda o: [o["standard"].pk]`). The objects are made on first
use, so a case makes only what its own URL needs: the matrix has hundreds of cases, and making every app's objects
for each of them was most of its time.
"""

from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cxcoe.models import BusinessUnit, ImportJob, Notification, Reminder, WorkerHeartbeat
from cxcoe.notifications import mailbox
from library.services.requests import request_content
from standards.services.calendar import create_calendar_feed
from standards.services.versions import submit_version

from .library.factories import make_file_resource, make_resource
from .standards.factories import CommunicationFactory, PlanFactory, PrincipleFactory, StandardFactory, publish_standard
from .steps import read_to_the_end

ROLES = ["anonymous", "employee", "leader", "other_leader", "coe_staff"]
LOGIN = 302  # LoginRequiredMiddleware sends anonymous visitors to the sign-in page


def row(anonymous, employee, leader, other_leader, coe_staff, *, args=None, method="get", needs=()):
    """One URL's statuses by role. `needs` names objects the page reads without naming them in its address."""
    return {"statuses": dict(zip(ROLES, [anonymous, employee, leader, other_leader, coe_staff], strict=True)),
            "args": args or (lambda objects: []), "method": method, "needs": needs}


def _sent_mail(o):
    kept = mail.EmailMultiAlternatives("Your training is due", "Hello", to=[o["amir"].email])
    kept.attach_alternative("<p>Hello</p>", "text/html")
    mail.get_connection("cxcoe.notifications.mailbox.EmlFileBackend").send_messages([kept])
    return mailbox.sent_mail_names()[0]


def _submitted(o):
    submitted = StandardFactory(principle=o["principle"], approver=o["leo"])
    submit_version(version=submitted.versions.get(), by=o["olivia"])
    return submitted


# What the rows name, each made from the people and units of tests/conftest.py: "amir" is in Enterprise Sales,
# under Sales (led by "leo", the leader); the other leader leads Operations. "standard" is published for Sales and
# Support (the employee's unit); "submitted" waits for the leader's approval; the plan and its email communication
# belong to CoE staff; "token" is the leader's calendar address; "notification" is the leader's.
MAKERS: dict[str, Callable[["LazyObjects"], object]] = {
    "job": lambda o: ImportJob.objects.create(created_by=o["olivia"], status=ImportJob.Status.INVALID),
    "heartbeat": lambda o: WorkerHeartbeat.objects.create(hostname="worker@cxcoe", seen_at=timezone.now()),
    "notification": lambda o: Notification.objects.create(recipient=o["leo"], kind="message", title="Town hall",
                                                          url="/"),
    "failed_reminder": lambda o: Reminder.objects.create(
        recipient=o["amir"], kind="review.due", target_type=ContentType.objects.get_for_model(BusinessUnit),
        target_id=o["amir"].business_unit_id, period="2026-03-09/before-7", status=Reminder.Status.FAILED,
    ),
    "sent_mail": _sent_mail,
    "principle": lambda o: PrincipleFactory(),
    "standard": lambda o: publish_standard(
        StandardFactory(principle=o["principle"], owner=o["olivia"], requires_acknowledgement=True),
        audience_units=[o["sales"], o["support"]],
    ),
    "submitted": _submitted,
    "plan": lambda o: PlanFactory(owner=o["olivia"]),
    "communication": lambda o: CommunicationFactory(plan=o["plan"], owner=o["olivia"], channel="email",
                                                    status="ready"),
    "token": lambda o: create_calendar_feed(person=o["leo"]).token,
    # Published for Sales and Support (the other leader's Operations is outside), owned by CoE staff.
    "resource": lambda o: make_resource(by=o["olivia"], title="Calling back after a complaint", publish=True,
                                        audience_units=[o["sales"], o["support"]]),
    "draft_resource": lambda o: make_resource(by=o["olivia"], title="A draft nobody else sees"),
    # A PDF, published like "resource" (its revision 1 keeps the same file).
    "file_resource": lambda o: make_file_resource(by=o["olivia"], publish=True,
                                                  audience_units=[o["sales"], o["support"]]),
    # Asked for by the employee for Support, still new: nobody owns it yet.
    "content_request": lambda o: request_content(by=o["eve"], need="A checklist for calling back after a complaint",
                                                 why="Customers who complained wait for a call that never comes.",
                                                 team=o["support"], urgency="high"),
}


class LazyObjects:
    """The matrix's objects by name, each made by its maker the first time a row asks for it."""

    def __init__(self, **given):
        self._objects = dict(given)

    def __getitem__(self, name):
        if name not in self._objects:
            self._objects[name] = MAKERS[name](self)
        return self._objects[name]


def url_of(name: str, spec: dict, objects: LazyObjects) -> str:
    for needed in spec["needs"]:
        objects[needed]
    return reverse(name, args=spec["args"](objects))


def check_row(client, person, role: str, name: str, spec: dict, objects: LazyObjects) -> None:
    """`person` (None when anonymous) opens `name` as its row says and gets the status of `role`'s column."""
    if person is not None:
        client.force_login(person)
    url = url_of(name, spec, objects)
    response = getattr(client, spec["method"])(url)
    read_to_the_end(response)  # a download's file is open until its response is read
    assert response.status_code == spec["statuses"][role], f"{role} on {name}"
    if spec["method"] == "post":  # a POST-only view never acts on GET
        assert client.get(url).status_code in {LOGIN, 403, 404, 405}
    if response.status_code == LOGIN and role == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def matrix_test(matrix: dict[str, dict]):
    """The test of one app's table: each of its rows, for each role. Its module binds it as test_permission_matrix."""

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("name", sorted(matrix))
    def test_permission_matrix(client, people_by_role, matrix_objects, name, role):
        check_row(client, people_by_role[role], role, name, matrix[name], matrix_objects)

    return test_permission_matrix
