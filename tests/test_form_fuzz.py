"""Every form of the project, fed bad input through its real URL: no answer is a 500, and a refusal changes nothing.

A new form fails `test_every_form_has_a_fuzz_entry` until it has a scenario here (or a reason to be left out),
as a new URL fails the permission matrix. Each scenario posts (or gets) 200 generated inputs as a person allowed
to use the form: huge and negative numbers, impossible dates, 100,000-character text, NUL bytes, right-to-left
and emoji text, missing and repeated fields, and choices that were never offered, mixed into otherwise valid
values. Every input runs in a transaction rolled back afterwards, so each starts from the same rows.
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxcoe.audit import forms as audit_forms
from cxcoe.dashboard import forms as dashboard_forms
from cxcoe.imports.forms import ImportForm
from cxcoe.lib import forms as lib_forms
from cxcoe.models import BusinessUnit, ImportJob, Reminder, Rollup
from cxcoe.notifications import forms as notifications_forms
from cxcoe.people import forms as people_forms
from library import forms as library_forms
from library.models import Resource
from library.services.requests import accept_request, request_content
from library.views.reviews import review_queue
from standards import forms as standards_forms
from standards.services.versions import submit_version

from .library.factories import make_resource
from .standards.factories import CommunicationFactory, PlanFactory, PrincipleFactory, StandardFactory, publish_standard
from .tables import PROJECT_APPS, count_rows

EXAMPLES = 200  # per form
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.data_too_large])

# Forms left out, with the reason: the site admin's forms are Django admin's to guard (as in the permission matrix).
NOT_FUZZED = {
    "cxcoe.admin.BusinessUnitAdminForm": "the site admin's form, behind Django admin",
    "cxcoe.notifications.forms._PerKindDeliveryFields": "a base of NotificationPreferencesForm, fuzzed through it",
    "cxcoe.reviews.forms.ReviewForm": "the base of each app's review form (UnitReviewForm, StandardReviewForm)",
}


@dataclass
class Scenario:
    url: Callable[[dict], str]
    forms: Callable[[dict], list[forms.BaseForm]]
    person: str = "olivia"
    method: str = "post"
    target: Callable[[dict], object] | None = None  # an edit form's row, which a refusal must leave as it was
    extra: dict[str, list[str]] = field(default_factory=dict)  # more parameters of the page: name -> values


def _url(name, *keys):
    return lambda o: reverse(name, args=[o[key].pk for key in keys])


def _one(form_class, **kwargs):
    return lambda o: [form_class(**{name: value(o) if callable(value) else value for name, value in kwargs.items()})]


PAGE = {"page": ["1", "2", "0", "-1", "9" * 30, str(2**63), "1e400", "NaN", "\x00", "last", "\u0661"]}

FUZZ: dict[str, list[Scenario]] = {
    "cxcoe.people.forms.ProfileForm": [Scenario(_url("profile"), _one(people_forms.ProfileForm), person="eve",
                                         target=lambda o: o["eve"])],
    "cxcoe.people.forms.PersonForm": [Scenario(_url("person-edit", "amir"), _one(people_forms.PersonForm,
                                                                         instance=lambda o: o["amir"]),
                                        target=lambda o: o["amir"])],
    "cxcoe.people.forms.UnitForm": [
        Scenario(_url("unit-create"), _one(people_forms.UnitForm)),
        Scenario(_url("unit-edit", "sales"), _one(people_forms.UnitForm, instance=lambda o: o["sales"]),
                 target=lambda o: o["sales"]),
    ],
    "cxcoe.people.forms.DeactivateForm": [Scenario(_url("person-deactivate", "amir"), _one(people_forms.DeactivateForm),
                                            target=lambda o: o["amir"])],
    "cxcoe.people.forms.PeopleFilterForm": [Scenario(_url("person-list"), _one(people_forms.PeopleFilterForm),
                                              method="get", extra=PAGE)],
    "cxcoe.audit.forms.AuditFilterForm": [Scenario(_url("audit-list"), _one(audit_forms.AuditFilterForm), method="get",
                                             extra=PAGE)],
    "cxcoe.people.forms.UnitReviewForm": [Scenario(_url("unit-review", "sales"),
                                                   _one(people_forms.UnitReviewForm, item=lambda o: o["sales"],
                                                        by=lambda o: o["olivia"]),
                                                   target=lambda o: o["sales"])],
    "cxcoe.notifications.forms.NotificationFilterForm": [Scenario(_url("notification-list"),
                                                    _one(notifications_forms.NotificationFilterForm), person="eve",
                                                    method="get", extra=PAGE)],
    "cxcoe.notifications.forms.NotificationPreferencesForm": [
        Scenario(_url("notification-preferences"), _one(notifications_forms.NotificationPreferencesForm),
                 person="eve")],
    "cxcoe.notifications.forms.ReminderFilterForm": [
        Scenario(_url("operations"), _one(notifications_forms.ReminderFilterForm), method="get", extra=PAGE)],
    # The site search as Eve, who reads the published resource, and as CoE staff, who also read the draft.
    "cxcoe.dashboard.forms.SearchForm": [
        Scenario(_url("search"), _one(dashboard_forms.SearchForm), person="eve", method="get"),
        Scenario(_url("search"), _one(dashboard_forms.SearchForm), method="get")],
    "cxcoe.imports.forms.ImportForm": [Scenario(_url("import-list"), _one(ImportForm))],
    "standards.forms.StandardSettingsForm": [
        Scenario(_url("standards:standard-create"), lambda o: [
            standards_forms.StandardSettingsForm(prefix="standard"),
            standards_forms.VersionForm(prefix="version", first_version=True)]),
        Scenario(_url("standards:standard-edit", "standard"), _one(
            standards_forms.StandardSettingsForm, prefix="standard", instance=lambda o: o["standard"]),
            target=lambda o: o["standard"]),
    ],
    "standards.forms.VersionForm": [Scenario(_url("standards:draft-edit", "drafted"), _one(
        standards_forms.VersionForm, instance=lambda o: o["drafted"].open_version()),
        target=lambda o: o["drafted"].open_version())],
    "standards.forms.ApproveForm": [Scenario(_url("standards:version-approve", "submitted"),
                                             _one(standards_forms.ApproveForm), person="leo",
                                             target=lambda o: o["submitted"].open_version())],
    "standards.forms.SendBackForm": [Scenario(_url("standards:version-send-back", "submitted"),
                                              _one(standards_forms.SendBackForm), person="leo",
                                              target=lambda o: o["submitted"].open_version())],
    "standards.forms.RetireForm": [Scenario(_url("standards:standard-retire", "standard"),
                                            _one(standards_forms.RetireForm), target=lambda o: o["standard"])],
    "standards.forms.StandardReviewForm": [Scenario(_url("standards:standard-review", "standard"),
                                                    _one(standards_forms.StandardReviewForm,
                                                         item=lambda o: o["standard"], by=lambda o: o["olivia"]),
                                                    target=lambda o: o["standard"])],
    "standards.forms.StandardFilterForm": [Scenario(_url("standards:standard-list"),
                                                    _one(standards_forms.StandardFilterForm), method="get",
                                                    extra=PAGE)],
    "standards.forms.AcknowledgementFilterForm": [
        Scenario(_url("standards:acknowledgement-list"), _one(standards_forms.AcknowledgementFilterForm),
                 method="get", extra=PAGE),
        Scenario(_url("standards:acknowledgement-list"), _one(standards_forms.AcknowledgementFilterForm),
                 person="leo", method="get", extra=PAGE)],
    "standards.forms.CompareForm": [Scenario(_url("standards:version-compare", "standard"),
                                             _one(standards_forms.CompareForm), method="get")],
    "standards.forms.PrincipleForm": [
        Scenario(_url("standards:principle-create"), _one(standards_forms.PrincipleForm)),
        Scenario(_url("standards:principle-edit", "principle"), _one(
            standards_forms.PrincipleForm, instance=lambda o: o["principle"]), target=lambda o: o["principle"]),
    ],
    "standards.forms.ArchiveForm": [Scenario(_url("standards:principle-archive", "principle"),
                                             _one(standards_forms.ArchiveForm), target=lambda o: o["principle"])],
    "standards.forms.MoveForm": [Scenario(_url("standards:principle-move", "principle"),
                                          _one(standards_forms.MoveForm), target=lambda o: o["principle"])],
    "standards.forms.PlanForm": [
        Scenario(_url("standards:plan-create"), _one(standards_forms.PlanForm, user=lambda o: o["olivia"])),
        Scenario(_url("standards:plan-edit", "plan"), _one(standards_forms.PlanForm, user=lambda o: o["olivia"],
                                                           instance=lambda o: o["plan"]),
                 target=lambda o: o["plan"]),
    ],
    "standards.forms.CommunicationForm": [
        Scenario(_url("standards:communication-create", "plan"), _one(standards_forms.CommunicationForm,
                                                                      plan=lambda o: o["plan"],
                                                                      user=lambda o: o["olivia"])),
        Scenario(_url("standards:communication-edit", "communication"), _one(
            standards_forms.CommunicationForm, plan=lambda o: o["plan"], instance=lambda o: o["communication"],
            user=lambda o: o["olivia"]), target=lambda o: o["communication"]),
    ],
    "standards.forms.StatusForm": [Scenario(_url("standards:communication-status", "communication"),
                                            _one(standards_forms.StatusForm), target=lambda o: o["communication"])],
    "standards.forms.PlanFilterForm": [Scenario(_url("standards:plan-list"), _one(standards_forms.PlanFilterForm),
                                                method="get", extra=PAGE)],
    "library.forms.RequestForm": [Scenario(_url("library:request-create"),
                                           _one(library_forms.RequestForm, user=lambda o: o["eve"]), person="eve")],
    "library.forms.RequestFilterForm": [
        Scenario(_url("library:request-list"), _one(library_forms.RequestFilterForm, user=lambda o: o["olivia"]),
                 method="get", extra=PAGE),
        Scenario(_url("library:request-list"), _one(library_forms.RequestFilterForm, user=lambda o: o["eve"]),
                 person="eve", method="get", extra=PAGE),
        Scenario(_url("library:request-export"), _one(library_forms.RequestFilterForm, user=lambda o: o["olivia"]),
                 method="get"),
    ],
    "library.forms.AcceptForm": [Scenario(_url("library:request-accept", "asked"), _one(
        library_forms.AcceptForm, user=lambda o: o["olivia"], request=lambda o: o["asked"]),
        target=lambda o: o["asked"])],
    "library.forms.AssignForm": [Scenario(_url("library:request-assign", "accepted"), _one(
        library_forms.AssignForm, user=lambda o: o["olivia"], request=lambda o: o["accepted"]),
        target=lambda o: o["accepted"])],
    "library.forms.DeclineForm": [Scenario(_url("library:request-decline", "asked"), _one(library_forms.DeclineForm),
                                           target=lambda o: o["asked"])],
    "library.forms.MergeForm": [Scenario(_url("library:request-merge", "asked"), _one(
        library_forms.MergeForm, request=lambda o: o["asked"]), target=lambda o: o["asked"])],
    "library.forms.DeliverForm": [Scenario(_url("library:request-deliver", "accepted"), _one(
        library_forms.DeliverForm, user=lambda o: o["olivia"]), target=lambda o: o["accepted"])],
    "standards.forms.CalendarFilterForm": [
        Scenario(_url("standards:calendar"), _one(standards_forms.CalendarFilterForm), method="get"),
        Scenario(_url("standards:calendar-export"), _one(standards_forms.CalendarFilterForm), method="get"),
    ],
    "library.forms.ResourceForm": [
        Scenario(_url("library:resource-create"), _one(library_forms.ResourceForm, user=lambda o: o["olivia"])),
        Scenario(_url("library:resource-edit", "resource"), _one(library_forms.ResourceForm,
                                                                user=lambda o: o["olivia"],
                                                                instance=lambda o: o["resource"]),
                 target=lambda o: o["resource"]),
    ],
    "library.forms.ResourceReviewForm": [Scenario(_url("library:resource-review", "resource"),
                                                  _one(library_forms.ResourceReviewForm, item=lambda o: o["resource"],
                                                       by=lambda o: o["olivia"], links_changed=True),
                                                  target=lambda o: o["resource"])],
    "library.forms.ArchiveForm": [Scenario(_url("library:resource-archive", "resource"),
                                           _one(library_forms.ArchiveForm), target=lambda o: o["resource"])],
    "library.forms.ResourceFilterForm": [Scenario(_url("library:resource-list"),
                                                  _one(library_forms.ResourceFilterForm, user=lambda o: o["olivia"]),
                                                  method="get", extra=PAGE)],
    "library.forms.BulkReviewForm": [Scenario(lambda o: reverse("library:my-reviews-bulk"), lambda o: [
        library_forms.BulkReviewForm(queue=review_queue(o["olivia"], timezone.localdate()))],
        target=lambda o: o["resource"])],
}


def project_forms() -> set[str]:
    """Every Form and ModelForm class defined in the project's apps, as "module.Class"."""
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and not module.name.endswith((".wsgi", ".asgi")):
                importlib.import_module(module.name)
    found, pending = set(), [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS:
            found.add(f"{cls.__module__}.{cls.__qualname__}")
    return found


def test_every_form_has_a_fuzz_entry():
    names = project_forms()
    assert names - FUZZ.keys() - NOT_FUZZED.keys() == set(), "forms without a fuzz scenario"
    assert (FUZZ.keys() | NOT_FUZZED.keys()) - names == set(), "fuzz entries for forms that no longer exist"


def test_many_to_many_choices_refuse_ids_no_table_holds():
    """The fuzz test finds the rest; this one names the form field to use (see cxcoe.lib.forms.model_form_field)."""
    for name in project_forms() - NOT_FUZZED.keys():
        module, _, class_name = name.rpartition(".")
        form_class = getattr(importlib.import_module(module), class_name)
        for field_name, form_field in form_class.base_fields.items():
            if isinstance(form_field, forms.ModelMultipleChoiceField):
                assert isinstance(form_field, lib_forms.ModelMultipleChoiceField), f"{name}.{field_name}"


# Values for any field.
HUGE = ["9" * 30, str(2**63), str(2**64), str(-(2**63) - 1), "-" + "9" * 30, "1" + "0" * 5000, "1e400", "1E5"]
NUMBERS = ["0", "-1", "1", "7", "30", "365", "366", "1095", "3650", "3651", "32767", "32768", "2147483648", "1.5",
           "NaN", "inf", "-0", "\u0663", "0x10", " 12 "]
DATES = ["2026-02-30", "2026-13-01", "0000-00-00", "0001-01-01", "9999-12-31", "10000-01-01", "1900-01-01",
         "31/12/2026", "2026-1-1", "2026-W01", "0-0", "2026-06", "9999-12", "1899-12", "3000-01"]
TEXT = ["", " ", "x" * 100_000, "a\x00b", "\x00", "\u202eevil\u202c", "مرحبا بالعالم", "שלום עולם", "👩🏽‍💻🎉🇫🇷",
        "<script>alert(1)</script>", "'; DROP TABLE x; --", "%s %(x)s {0}", "\r\n\r\n", "\t", "CX-STD-001",
        "acme", "ACME", "nobody@example.com", "OLIVIA@ACME.EXAMPLE", "a@b", "@", "../../etc/passwd", "None",
        "null", "[]", "{}", "on", "true", "false", "email", "planned", "sent", "confirmed", "retired", "up", "down",
        "1", "0"]
ANY = st.one_of(st.sampled_from(HUGE + NUMBERS + DATES + TEXT),
                st.text(max_size=40).filter(lambda text: not any(0xD800 <= ord(c) <= 0xDFFF for c in text)),
                st.integers().map(str))
FILES = st.one_of(
    st.sampled_from([b"", b"\x00\x00\x00", b"\xff\xfe\xfa", b"code,name\n", "é,ü\n".encode("latin-1"),
                     b"code,name,parent_code,leader_emails\n" + b"X" * 100_000 + b",y,,\n",
                     b"email,display_name,bu_code,job_title,roles\n\x00,\x00,\x00,,\n",
                     b"code,name,parent_code,leader_emails\nMKT,Marketing,ACME,\nMKT,Marketing,ACME,\n"]),
    st.binary(max_size=200),
).map(lambda content: ("file", content))
FILE_NAMES = ["units.csv", "people.CSV", "x.txt", "a\u202ecsv.exe", "x" * 300 + ".csv"]


def _valid_values(form_field, objects) -> list:
    """Values a person could send for this field, so that most inputs are close to a real submission."""
    today = timezone.localdate()
    if isinstance(form_field, forms.FileField):
        return [("file", b"code,name,parent_code,leader_emails\nMKT,Marketing,ACME,\n")]
    if isinstance(form_field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
        return [str(pk) for pk in form_field.queryset.values_list("pk", flat=True)[:4]] or [""]
    if isinstance(form_field, forms.ChoiceField):
        choices = [str(value) for value, _label in form_field.choices if not isinstance(_label, list | tuple)]
        return choices[:20] or [""]
    if isinstance(form_field, forms.BooleanField):
        return ["on", ""]
    if isinstance(form_field, forms.DateField):
        return [(today + timedelta(days=days)).isoformat() for days in (0, 1, 10, 40)]
    if isinstance(form_field, forms.IntegerField):
        return ["1", "2", "30", "90", "365"]
    if isinstance(form_field, forms.EmailField):
        return ["olivia@acme.example", "leo@acme.example", "amir@acme.example", ""]
    return ["CX-STD-077", "Launch the principles", "MKT", str(uuid.uuid4()), "We keep promises"]


def _fields(scenario_forms) -> dict[str, tuple[forms.Field, list]]:
    fields = {}
    for form in scenario_forms:
        for bound in form:
            fields[bound.html_name] = bound.field
    return fields


OMIT = object()


def _shape(values):
    """A field sent once, left out, or repeated (a QueryDict with the key twice or more)."""
    return st.one_of(values, st.just(OMIT), st.lists(values, min_size=2, max_size=3))


def _payload(data, fields: dict, valid: dict, extra: dict) -> dict:
    payload = {name: data.draw(st.sampled_from(valid[name]), label=f"valid {name}") for name in fields}
    names = sorted(fields) + sorted(extra)
    for name in data.draw(st.sets(st.sampled_from(names), max_size=len(names)), label="changed fields"):
        if name in extra:
            payload[name] = data.draw(_shape(st.one_of(st.sampled_from(extra[name]), ANY)), label=name)
        else:
            wild = st.one_of(FILES, ANY) if isinstance(fields[name], forms.FileField) else ANY
            payload[name] = data.draw(_shape(wild), label=name)
    return {name: value for name, value in payload.items() if value is not OMIT}


def _materialize(value, data):
    if isinstance(value, list):
        return [_materialize(item, data) for item in value]
    if isinstance(value, tuple) and value[0] == "file":
        name = data.draw(st.sampled_from(FILE_NAMES), label="file name")
        return SimpleUploadedFile(name, value[1], content_type="text/csv")
    return value


def _counted_rows() -> tuple:
    # Rollups are left out: they are a cache of counts that any page showing one writes on its first view
    # (cxcoe/lib/rollups.py), not something a form saves.
    return count_rows(leave_out=[Rollup])


def _row(obj) -> dict | None:
    return type(obj)._default_manager.filter(pk=obj.pk).values().first() if obj is not None else None


def _refused(response, method: str) -> bool:
    if method == "get":
        return True  # a filter or a page number never writes, whatever it says
    if response.status_code == 200 or 400 <= response.status_code < 500:
        return True
    # Some buttons answer a refusal with a redirect and an error message (archive, move, status).
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return any(message.level == messages.ERROR for message in queued)


@pytest.fixture
def fuzz_objects(olivia, leo, amir, eve, sales, support):
    principle = PrincipleFactory()
    standard = publish_standard(StandardFactory(principle=principle, owner=olivia, requires_acknowledgement=True),
                                audience_units=[sales, support])
    submitted = StandardFactory(principle=principle, approver=leo)
    submit_version(version=submitted.open_version(), by=olivia)
    drafted = StandardFactory(principle=principle, owner=olivia)
    plan = PlanFactory(owner=olivia)
    plan.standards.set([standard])
    plan.principles.set([principle])
    plan.audience_units.set([sales])
    communication = CommunicationFactory(plan=plan, owner=olivia, channel="email")
    ImportJob.objects.create(created_by=olivia, status=ImportJob.Status.INVALID)
    Reminder.objects.create(recipient=amir, kind="review.due", target_type=ContentType.objects.get_for_model(
        BusinessUnit), target_id=sales.pk, period="2026-03-09/before-7", status=Reminder.Status.FAILED)
    resource = make_resource(by=olivia, publish=True, principles=[principle], standards=[standard],
                             audience_units=[sales, support], tags=["complaints"])
    make_resource(by=olivia, title="A draft for the review queue")
    # Due within a month, so that it is in olivia's review queue (My reviews).
    Resource.objects.filter(pk=resource.pk).update(next_review_on=timezone.localdate() + timedelta(days=5))
    resource.refresh_from_db()
    # A new content request to triage, and an accepted one to assign and deliver (the resource above).
    asked = request_content(by=eve, need="A call-back checklist", why="Nobody calls back.", team=support)
    accepted = request_content(by=amir, need="A deal review template", why="Deals stall.", team=sales)
    accept_request(request=accepted, by=olivia, owner=leo)
    # What the site search finds with the inputs' own words ("We keep promises", "Launch the principles").
    make_resource(by=olivia, title="We keep promises", publish=True, audience_units=[support],
                  body="Launch the principles <b>with</b> & \"quotes\".", tags=["promises"])
    make_resource(by=olivia, title="Launch the principles: a draft")
    return {"olivia": olivia, "leo": leo, "amir": amir, "eve": eve, "sales": sales, "principle": principle,
            "standard": standard, "submitted": submitted, "drafted": drafted, "plan": plan,
            "communication": communication, "resource": resource, "asked": asked, "accepted": accepted}


SCENARIOS = [(name, index) for name, scenarios in sorted(FUZZ.items()) for index in range(len(scenarios))]


@pytest.mark.parametrize(("name", "index"), SCENARIOS, ids=[f"{name.rpartition('.')[2]}-{index}"
                                                              for name, index in SCENARIOS])
def test_bad_input_never_gets_a_500_and_a_refusal_changes_nothing(client, fuzz_objects, name, index):
    scenario = FUZZ[name][index]
    client.raise_request_exception = False  # a crash is a 500 to assert on, with the input that caused it
    client.force_login(fuzz_objects[scenario.person])
    url = scenario.url(fuzz_objects)
    fields = _fields(scenario.forms(fuzz_objects))
    valid = {name: _valid_values(form_field, fuzz_objects) for name, form_field in fields.items()}
    target = scenario.target(fuzz_objects) if scenario.target else None

    # A form with two pages (new and edit) shares its inputs between them.
    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES // len(FUZZ[name]))
    @given(st.data())
    def send(data):
        payload = {name: _materialize(value, data) for name, value in
                   _payload(data, fields, valid, scenario.extra).items()}
        with transaction.atomic():
            rows_before, target_before = _counted_rows(), _row(target)
            response = getattr(client, scenario.method)(url, payload)
            assert response.status_code < 500, f"{response.status_code} for {payload!r:.2000}"
            if _refused(response, scenario.method):
                assert _counted_rows() == rows_before, f"a refused input changed rows: {payload!r:.2000}"
                assert _row(target) == target_before, f"a refused input changed the row: {payload!r:.2000}"
            transaction.set_rollback(True)

    send()
