import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxcoe import audit, imports
from cxcoe.models import COE_STAFF_GROUP, AuditEvent, BusinessUnit, ImportJob, User
from tests.factories import UserFactory

DATA = Path(__file__).resolve().parent.parent / "data"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes() if content is None else content,
                              content_type="text/csv")


def preview_job(by, people: str = "email,display_name,bu_code\nnew@acme.example,New Person,SAL\n") -> ImportJob:
    job = imports.create_import(by=by, people_name="people.csv", people_text=people)
    return imports.validate_import(job_id=job.pk)


def test_the_whole_flow_upload_preview_apply(client, olivia, django_capture_on_commit_callbacks):
    client.force_login(olivia)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-list"), {"units_file": upload("business_units.csv"),
                                                         "people_file": upload("people.csv")})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("import-detail", args=[job.pk])
    assert (job.status, job.created_by, job.units_filename, job.people_filename) == (
        ImportJob.Status.PREVIEW, olivia, "business_units.csv", "people.csv")
    assert not job.units_csv.startswith("\ufeff")
    assert User.objects.count() == 1  # the preview wrote nothing

    page = client.get(job.get_absolute_url()).content.decode()
    assert "Applying will create 30 business units, update 1 business unit, create 60 people" in page
    assert reverse("import-apply", args=[job.pk]) in page
    assert "data-hx-trigger" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-apply", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.applied_by) == (ImportJob.Status.DONE, olivia)
    assert User.objects.count() == 61
    assert BusinessUnit.objects.get(code="DIG-03").path == "/ACME/DIG/DIG-03/"
    assert set(User.objects.filter(groups__name=COE_STAFF_GROUP).values_list("email", flat=True)) == {
        "olivia@acme.example", "yara.jensen@acme.example"}
    page = client.get(job.get_absolute_url()).content.decode()
    assert "What was done" in page
    assert reverse("import-apply", args=[job.pk]) not in page


def test_an_import_applied_from_a_request_is_audited_as_the_workers_not_the_requests(
        olivia, sales, django_capture_on_commit_callbacks):
    job = preview_job(olivia, people="email,display_name,bu_code,roles\nnew@acme.example,New,SAL,coe_staff\n")
    # The commit, and so the (eager) task, happens inside the request, as in production.
    with audit.origin(audit.Origin("203.0.113.10", "Firefox/128.0")), \
            django_capture_on_commit_callbacks(execute=True):
        imports.request_apply(job=job, by=olivia)
    applied = AuditEvent.objects.filter(verb__in=["import.applied", "role.granted"])
    assert sorted(applied.values_list("verb", "actor", "ip_address", "user_agent")) == [
        ("import.applied", olivia.pk, None, ""), ("role.granted", olivia.pk, None, "")]


def test_a_double_apply_applies_once(client, olivia, sales, django_capture_on_commit_callbacks):
    job = preview_job(olivia)
    client.force_login(olivia)

    with django_capture_on_commit_callbacks() as queued:
        client.post(reverse("import-apply", args=[job.pk]))
        client.post(reverse("import-apply", args=[job.pk]))
    assert len(queued) == 1
    for callback in queued:
        callback()
    with django_capture_on_commit_callbacks(execute=True) as queued_later:
        client.post(reverse("import-apply", args=[job.pk]))

    assert queued_later == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert AuditEvent.objects.filter(verb="import.applied").count() == 1
    assert User.objects.filter(email="new@acme.example").count() == 1


def test_an_invalid_file_shows_its_errors_and_cannot_be_applied(client, olivia, sales,
                                                                 django_capture_on_commit_callbacks):
    client.force_login(olivia)
    people = b"email,display_name,bu_code\nnew@acme.example,New,SAL\nbad@acme.example,Bad,NOPE\n"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-list"), {"people_file": upload("people.csv", people)})
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post(reverse("import-apply", args=[job.pk]))

    assert job.status == ImportJob.Status.INVALID
    assert "<td>people.csv</td><td class=\"text-end\">3</td><td>bu_code</td>" in page
    assert queued == []
    assert ImportJob.objects.get().status == ImportJob.Status.INVALID
    assert not User.objects.filter(email="new@acme.example").exists()


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ({}, None, "Choose a business units file, a people file, or both."),
        ({"people_file": upload("people.txt", b"email\n")}, "people_file", "Choose a .csv file."),
        ({"people_file": upload("people.csv", "email,café\n".encode("latin-1"))}, "people_file", "not UTF-8"),
        ({"units_file": upload("business_units.csv")}, "deactivate_missing", "needs a people file"),
    ],
    ids=["no file", "not .csv", "not UTF-8", "deactivate without people"],
)
def test_the_upload_form_shows_errors_beside_the_field_and_keeps_the_checkbox(client, olivia, files, field,
                                                                              message):
    client.force_login(olivia)

    response = client.post(reverse("import-list"), {**files, "deactivate_missing": "on"})

    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    errors = response.context["form"].errors
    assert message in str(errors[field] if field else errors["__all__"])
    checkbox = re.search(r'<input type="checkbox" name="deactivate_missing"[^>]*>', response.content.decode())
    assert checkbox
    assert checkbox.group().endswith(" checked>")


def test_a_file_over_the_size_limit_is_refused(client, olivia, settings):
    settings.CXCOE_IMPORT_MAX_BYTES = 100
    client.force_login(olivia)

    response = client.post(reverse("import-list"), {"people_file": upload("people.csv")})

    assert "the limit is 100" in str(response.context["form"].errors["people_file"])
    assert not ImportJob.objects.exists()


def test_a_running_job_polls_and_shows_its_progress(client, olivia):
    job = imports.create_import(by=olivia, people_name="people.csv", people_text="email\n")
    cache.set(imports.progress_key(job.pk), {"phase": "checking", "done": 500, "total": 2000})
    client.force_login(olivia)

    page = client.get(job.get_absolute_url()).content.decode()
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

    assert f'data-hx-get="{reverse("import-detail", args=[job.pk])}" data-hx-trigger="every 1s"' in page
    assert 'role="progressbar" aria-label="Import progress"' in page
    assert 'aria-valuenow="25" aria-valuemin="0" aria-valuemax="100"' in page
    assert "Checking rows: 500 of 2,000" in page
    assert partial.startswith('<div id="import-status" data-hx-get=')
    assert "<html" not in partial


def test_a_finished_job_stops_polling(client, olivia, sales):
    job = preview_job(olivia)
    client.force_login(olivia)

    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

    assert partial.startswith('<div id="import-status">')
    assert "data-hx-trigger" not in partial
    assert "Applying will create 1 person." in partial


def test_cancel_drops_a_waiting_job_and_only_by_post(client, olivia, sales):
    job = preview_job(olivia)
    client.force_login(olivia)

    assert client.get(reverse("import-cancel", args=[job.pk])).status_code == 405
    response = client.post(reverse("import-cancel", args=[job.pk]))

    assert response.url == reverse("import-list")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert client.post(reverse("import-apply", args=[job.pk])).status_code == 302
    assert ImportJob.objects.get().status == ImportJob.Status.CANCELLED
    assert not User.objects.filter(email="new@acme.example").exists()


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "import-list"), ("post", "import-list"), ("get", "import-detail"), ("post", "import-apply"),
     ("post", "import-cancel")],
)
def test_only_coe_staff_may_use_imports(client, olivia, eve, leo, sales, method, name):
    job = preview_job(olivia)
    url = reverse(name, args=[job.pk]) if name != "import-list" else reverse(name)
    for person in (eve, leo):
        client.force_login(person)
        assert getattr(client, method)(url).status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW
    assert ImportJob.objects.count() == 1


def test_the_import_list_shows_an_empty_state(client, olivia):
    client.force_login(olivia)

    page = client.get(reverse("import-list")).content.decode()

    assert "No imports yet." in page
    assert '<label class="form-label" for="id_people_file">' in page


def test_the_import_list_query_count_does_not_grow(client, olivia, eve, django_assert_num_queries):
    people = [olivia] + [UserFactory(business_unit=eve.business_unit) for _ in range(3)]

    def add_jobs(count: int) -> None:
        ImportJob.objects.bulk_create(ImportJob(created_by=people[n % len(people)], status=ImportJob.Status.DONE,
                                                people_filename="people.csv", summary={"people": {"created": n}})
                                      for n in range(count))

    add_jobs(3)
    client.force_login(olivia)
    with django_assert_num_queries(6):
        page = client.get(reverse("import-list")).content.decode()
    assert page.count("badge text-bg-success") == 3
    add_jobs(30)
    with django_assert_num_queries(6):
        page = client.get(reverse("import-list")).content.decode()
    assert page.count("badge text-bg-success") == 20
    assert "1\N{EN DASH}20 of 33" in page


def test_the_import_detail_query_count_does_not_grow_with_errors(client, olivia, django_assert_num_queries):
    def job_with(errors: int) -> ImportJob:
        rows = [{"file": "people.csv", "line": n + 2, "column": "email", "message": "Enter a valid email address."}
                for n in range(errors)]
        return ImportJob.objects.create(created_by=olivia, status=ImportJob.Status.INVALID,
                                        people_filename="people.csv", errors=rows, error_count=errors)

    small, large = job_with(3), job_with(300)
    client.force_login(olivia)
    client.get(reverse("import-detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("import-detail", args=[small.pk])).content.decode()
    assert page.count("Enter a valid email address.") == 3
    with django_assert_num_queries(len(queries)):
        page = client.get(reverse("import-detail", args=[large.pk])).content.decode()
    assert page.count("Enter a valid email address.") == 300
