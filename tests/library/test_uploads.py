"""Files in the library: the upload's check (name, size, extension, content), storage under generated names with
the old file kept by its revision, the storage settings, and downloads behind the resource's permission."""

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse

from library.models import Resource, ResourceView
from library.services.resources import create_resource, update_resource
from library.uploads import ResourceFileField, base_name, check_upload

from ..steps import read_to_the_end
from .factories import (
    IMPACT,
    checked_upload,
    jpeg_bytes,
    make_file_resource,
    make_resource,
    office_bytes,
    pdf_bytes,
    png_bytes,
    upload,
)

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SVG_WITH_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>fetch("/accounts/email/").then(r => r.text()).then(alert)</script></svg>')
HTML_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"
# The start of a Windows program: the DOS header, its stub, and the PE signature at offset 64.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x40\x00\x00\x00PE\x00\x00"
CSV_TEXT = "Team,Call-backs,Resolved first time\nEnterprise Sales,41,37\nSupport,128,112\nCaf\u00e9,3,3\n".encode()


class ResourceFileForm(forms.Form):
    file = ResourceFileField()


def refusal(name: str, content: bytes) -> ValidationError:
    """The error the form shows beside its file field for this upload."""
    form = ResourceFileForm(files={"file": upload(name, content)})
    assert not form.is_valid()
    assert list(form.errors) == ["file"]
    [error] = form.errors.as_data()["file"]
    return error


def accepted(name: str, content: bytes):
    form = ResourceFileForm(files={"file": upload(name, content, content_type="text/html")})
    assert form.is_valid(), form.errors
    return form.cleaned_data["file"]


def stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


@pytest.fixture(autouse=True)
def _files_in_a_folder_of_the_tests_own(media_root):
    return media_root


@pytest.fixture
def olivia_publishes(olivia, sales, support):
    """Olivia's published file resource for Sales and Support: "Call-back script.pdf"."""
    return make_file_resource(by=olivia, publish=True, audience_units=[sales, support])


# The check


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("Call-back script.pdf", pdf_bytes(), PDF_TYPE),
    ("Journey map.png", png_bytes(), "image/png"),
    ("Team photo.jpg", jpeg_bytes(), "image/jpeg"),
    ("Team photo.JPEG", jpeg_bytes(), "image/jpeg"),
    ("Survey results.csv", CSV_TEXT, "text/csv"),
    ("Survey results (Excel).csv", codecs.BOM_UTF8 + CSV_TEXT, "text/csv"),
    ("Playbook.docx", office_bytes("word/document.xml"), DOCX_TYPE),
    ("Town hall.pptx", office_bytes("ppt/presentation.xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("Scorecard.xlsx", office_bytes("xl/workbook.xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_each_allowed_type_is_accepted_with_the_type_its_content_has(name, content, content_type):
    file = accepted(name, content)
    assert file.name == name
    assert file.content_type == content_type  # found in the content, not the browser's word ("text/html")
    assert file.read() == content  # left at its start, for the storage to read


def test_a_file_over_the_limit_is_refused_and_one_at_it_accepted(settings):
    settings.CXCOE_LIBRARY_MAX_UPLOAD_MB = 1
    at_limit = pdf_bytes() + b"%" * (1024 * 1024 - len(pdf_bytes()))
    assert accepted("Handbook.pdf", at_limit).size == 1024 * 1024
    error = refusal("Handbook.pdf", at_limit + b"%")
    assert error.code == "too_big"
    assert "up to 1 MB" in error.message


def test_the_limit_is_25_mb_unless_set(settings):
    assert settings.CXCOE_LIBRARY_MAX_UPLOAD_MB == 25
    assert "up to 25 MB" in str(ResourceFileForm()["file"].help_text)


def test_an_empty_file_is_refused():
    error = refusal("Call-back script.pdf", b"")
    assert error.code == "empty"
    assert str(error.message) == "This file is empty: choose the file again, or another one."


@pytest.mark.parametrize("name", ["notes.txt", "archive.zip", "macro.docm", "README"])
def test_other_extensions_are_refused_naming_what_the_library_takes(name):
    error = refusal(name, b"Call back within a day.")
    assert error.code == "extension"
    assert "The library takes PDF, DOCX, PPTX, XLSX, PNG, JPEG and CSV files." in error.message


def test_a_png_named_pdf_is_refused_for_what_it_is():
    error = refusal("Call-back script.pdf", png_bytes())
    assert error.code == "content_mismatch"
    assert error.message == ("This file ends in .pdf but its content is not a PDF document. It looks like a PNG "
                             "image: give it the extension of what it is.")


@pytest.mark.parametrize(("name", "content", "says"), [
    ("Playbook.docx", office_bytes(main_part=""), "ends in .docx but is not a Word document: save it as DOCX"),
    ("Playbook.docx", office_bytes("word/document.xml", content_types=False), "is not a Word document"),
    ("Scorecard.xlsx", office_bytes("word/document.xml"), "is not an Excel workbook"),  # a DOCX named .xlsx
    ("Town hall.pptx", pdf_bytes(), "is not a PowerPoint presentation. It looks like a PDF document"),
], ids=["plain-zip", "no-content-types", "docx-named-xlsx", "pdf-named-pptx"])
def test_an_office_file_must_be_the_container_its_extension_claims(name, content, says):
    error = refusal(name, content)
    assert error.code == "content_mismatch"
    assert says in error.message


def test_text_that_is_no_utf8_csv_is_refused():
    assert refusal("Survey results.csv", "Caf\u00e9,3\n".encode("latin-1")).code == "encoding"
    assert refusal("Survey results.csv", "Team,Count\n".encode("utf-16")).code == "content_mismatch"  # NUL bytes
    assert refusal("Survey results.csv", pdf_bytes()).code == "content_mismatch"  # a PDF is ASCII too


def test_a_csv_may_start_with_words_that_look_like_short_magic_numbers():
    assert accepted("ids.csv", b"ID3,MZ,BM\n1,2,3\n").content_type == "text/csv"


@pytest.mark.parametrize("name", ["../../../etc/Call-back script.pdf", "..\\..\\Windows\\Call-back script.pdf",
                                  "C:\\Users\\olivia\\Call-back script.pdf"])
def test_folders_in_a_name_are_dropped(name):
    assert accepted(name, pdf_bytes()).name == "Call-back script.pdf"


def test_a_name_reduces_to_its_base_and_a_long_one_keeps_its_extension():
    assert base_name("../..") == ""
    assert base_name("reports/\x00Q3\n.pdf") == "Q3.pdf"
    long = base_name("A" * 300 + ".pdf")
    assert len(long) == 200
    assert long.endswith("A.pdf")


def test_an_svg_with_a_script_is_refused_as_svg_and_as_png():
    as_svg = refusal("Journey map.svg", SVG_WITH_SCRIPT)
    assert as_svg.code == "active"
    assert as_svg.message.startswith("Web pages, SVG images and programs can't be uploaded")
    as_png = refusal("Journey map.png", SVG_WITH_SCRIPT)
    assert as_png.code == "active"
    assert as_png.message == "This file ends in .png but is an SVG image, which can't be uploaded whatever its name."


@pytest.mark.parametrize(("name", "content", "what"), [
    ("Call-back script.html", HTML_PAGE, None),
    ("Call-back script.pdf", HTML_PAGE, "a web page (HTML)"),
    ("Team photo.jpg", b"  \n" + HTML_PAGE, "a web page (HTML)"),
    ("setup.exe", EXE, None),
    ("Call-back script.pdf", EXE, "a program"),
    ("Scorecard.xlsx", EXE, "a program"),
])
def test_web_pages_and_programs_are_refused_whatever_their_name(name, content, what):
    error = refusal(name, content)
    assert error.code == "active"
    if what:
        assert f"but is {what}, which can't be uploaded" in error.message


def test_markup_named_csv_is_refused():
    for content in (HTML_PAGE, SVG_WITH_SCRIPT, codecs.BOM_UTF8 + b"<table><tr><td>1</td></tr></table>"):
        error = refusal("Survey results.csv", content)
        assert error.code == "active"
        assert "holds markup" in error.message


# Storage, through the services


def test_the_stored_name_is_generated_and_the_original_name_kept(olivia, media_root):
    resource = create_resource(by=olivia, kind=Resource.Kind.FILE, title="Call-back script",
                               summary="What to say when you call back.", owner=olivia,
                               file=check_upload(upload("../../Call-back script.pdf", pdf_bytes())), **IMPACT)
    resource.refresh_from_db()
    assert resource.file_name == "Call-back script.pdf"
    assert resource.file_type == PDF_TYPE
    assert resource.file_size == len(pdf_bytes())
    assert resource.file.name.startswith("library/")
    assert "Call-back" not in resource.file.name
    assert resource.file.name.endswith(".pdf")
    assert stored_files(media_root) == [media_root / resource.file.name]
    assert (media_root / resource.file.name).read_bytes() == pdf_bytes()


def test_replacing_a_published_file_keeps_the_old_one_with_its_revision(olivia_publishes, olivia, media_root):
    first = olivia_publishes.file.name
    update_resource(resource=olivia_publishes, by=olivia, change_note="The 2027 script",
                    file=checked_upload("Call-back script 2027.pdf", pdf_bytes("Call back within four hours")))
    resource = Resource.objects.get(pk=olivia_publishes.pk)
    revisions = list(resource.revisions.order_by("number").values_list("number", "file", "file_name"))
    assert revisions == [(1, first, "Call-back script.pdf"), (2, resource.file.name, "Call-back script 2027.pdf")]
    assert resource.file.name != first
    assert resource.file_name == "Call-back script 2027.pdf"
    assert stored_files(media_root) == sorted([media_root / first, media_root / resource.file.name])
    assert b"four hours" in (media_root / resource.file.name).read_bytes()
    assert b"four hours" not in (media_root / first).read_bytes()


def test_a_refused_upload_stores_nothing(olivia_publishes, media_root):
    before = stored_files(media_root)
    for name, content in [("Journey map.png", SVG_WITH_SCRIPT), ("Playbook.docx", office_bytes(main_part="")),
                          ("Call-back script.pdf", b"")]:
        form = ResourceFileForm(files={"file": upload(name, content)})
        assert not form.is_valid()
    assert stored_files(media_root) == before


def test_an_edit_the_service_refuses_stores_no_file(olivia_publishes, olivia, media_root):
    before = stored_files(media_root)
    with pytest.raises(ValidationError):
        update_resource(resource=olivia_publishes, by=olivia, importance="",
                        file=checked_upload("Call-back script 2027.pdf"))
    assert stored_files(media_root) == before
    assert Resource.objects.get(pk=olivia_publishes.pk).file.name == olivia_publishes.file.name
    assert olivia_publishes.revisions.count() == 1


# Storage settings


def _settings_in_a_new_process(**variables) -> dict:
    script = ("import django, json; django.setup(); from django.conf import settings; "
              "from django.core.files.storage import default_storage as s; "
              "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'], "
              "'bucket': getattr(s, 'bucket_name', None), 'endpoint': getattr(s, 'endpoint_url', None), "
              "'region': getattr(s, 'region_name', None), 'acl': getattr(s, 'default_acl', 'none'), "
              "'signed': getattr(s, 'querystring_auth', None), 'overwrite': getattr(s, 'file_overwrite', None), "
              "'domain': getattr(s, 'custom_domain', 'none'), 'key': getattr(s, 'access_key', None)}))")
    inherited = {name: value for name, value in os.environ.items()
                 if not name.startswith(("AWS_", "CXCOE_S3_"))}
    result = subprocess.run([sys.executable, "-c", script],  # noqa: S603 - our own interpreter and script
                            env={**inherited, "DJANGO_SETTINGS_MODULE": "cxcoe.settings", **variables},
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_files_go_to_s3_compatible_storage_when_a_bucket_is_named():
    chosen = _settings_in_a_new_process(CXCOE_S3_BUCKET="cxcoe-files", CXCOE_S3_ENDPOINT_URL="https://s3.acme.example",
                                        CXCOE_S3_REGION="eu-west-1", CXCOE_S3_ACCESS_KEY_ID="cxcoe",
                                        CXCOE_S3_SECRET_ACCESS_KEY="not-a-real-secret")
    assert chosen == {"backend": "storages.backends.s3.S3Storage", "bucket": "cxcoe-files",
                      "endpoint": "https://s3.acme.example", "region": "eu-west-1", "acl": None, "signed": True,
                      "overwrite": False, "domain": None, "key": "cxcoe"}


def test_django_storages_own_bucket_variable_works_too():
    chosen = _settings_in_a_new_process(AWS_STORAGE_BUCKET_NAME="cxcoe-files")
    assert (chosen["backend"], chosen["bucket"]) == ("storages.backends.s3.S3Storage", "cxcoe-files")


def test_files_stay_on_the_file_system_without_a_bucket():
    assert _settings_in_a_new_process()["backend"] == "django.core.files.storage.FileSystemStorage"


# Downloads


def test_a_download_is_an_attachment_under_its_original_name(client, eve, olivia_publishes):
    client.force_login(eve)
    response = client.get(reverse("library:resource-download", args=[olivia_publishes.pk]))
    assert response.status_code == 200
    assert read_to_the_end(response) == pdf_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="Call-back script.pdf"'
    assert response["Content-Type"] == PDF_TYPE
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "private" in response["Cache-Control"]


def test_a_name_beyond_ascii_is_kept(client, eve, olivia, support):
    resource = make_file_resource(by=olivia, publish=True, audience_units=[support], name="Caf\u00e9 \u2013 guide.pdf")
    client.force_login(eve)
    response = client.get(reverse("library:resource-download", args=[resource.pk]))
    read_to_the_end(response)
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Caf%C3%A9%20%E2%80%93%20guide.pdf"


def test_a_revision_downloads_the_file_it_kept(client, eve, olivia, olivia_publishes):
    update_resource(resource=olivia_publishes, by=olivia,
                    file=checked_upload("Call-back script 2027.pdf", pdf_bytes("Call back within four hours")))
    client.force_login(eve)
    old = client.get(reverse("library:revision-download", args=[olivia_publishes.pk, 1]))
    assert read_to_the_end(old) == pdf_bytes()
    assert old["Content-Disposition"] == 'attachment; filename="Call-back script.pdf"'
    current = client.get(reverse("library:resource-download", args=[olivia_publishes.pk]))
    assert b"four hours" in read_to_the_end(current)
    assert current["Content-Disposition"] == 'attachment; filename="Call-back script 2027.pdf"'
    assert client.get(reverse("library:revision-download", args=[olivia_publishes.pk, 3])).status_code == 404


def test_a_draft_file_is_only_its_owners_and_staffs(client, olivia, amir, eve, leo, media_root):
    draft = make_file_resource(by=olivia, owner=amir)
    url = reverse("library:resource-download", args=[draft.pk])
    for person, status in [(amir, 200), (olivia, 200), (eve, 404), (leo, 404)]:
        client.force_login(person)
        response = client.get(url)
        read_to_the_end(response)
        assert response.status_code == status, person


def test_a_file_outside_the_persons_audience_answers_404(client, olivia, eve, operations, media_root):
    resource = make_file_resource(by=olivia, publish=True, audience_units=[operations])
    client.force_login(eve)
    assert client.get(reverse("library:resource-download", args=[resource.pk])).status_code == 404
    assert client.get(reverse("library:revision-download", args=[resource.pk, 1])).status_code == 404


def test_a_resource_without_a_file_answers_404(client, olivia, eve, support):
    article = make_resource(by=olivia, publish=True, audience_units=[support])
    client.force_login(eve)
    assert client.get(reverse("library:resource-download", args=[article.pk])).status_code == 404
    assert client.get(reverse("library:revision-download", args=[article.pk, 1])).status_code == 404


def test_a_file_missing_from_storage_answers_404(client, eve, olivia_publishes):
    default_storage.delete(olivia_publishes.file.name)
    client.force_login(eve)
    assert client.get(reverse("library:resource-download", args=[olivia_publishes.pk])).status_code == 404


def test_downloading_counts_no_view(client, eve, olivia_publishes):
    client.force_login(eve)
    read_to_the_end(client.get(reverse("library:resource-download", args=[olivia_publishes.pk])))
    assert Resource.objects.get(pk=olivia_publishes.pk).view_count == 0
    assert not ResourceView.objects.exists()


def test_a_download_takes_no_post(client, eve, olivia_publishes):
    client.force_login(eve)
    assert client.post(reverse("library:resource-download", args=[olivia_publishes.pk])).status_code == 405


def test_a_file_streamed_to_disk_is_checked_from_disk(settings):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE arrive as temporary files: read in chunks, never whole."""
    settings.CXCOE_LIBRARY_MAX_UPLOAD_MB = 8
    for name, content, file_type in [("Survey results.csv", CSV_TEXT * 60_000, "text/csv"),
                                     ("Playbook.docx", office_bytes(), DOCX_TYPE)]:
        on_disk = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
        on_disk.write(content)
        on_disk.seek(0)
        with on_disk:
            assert check_upload(on_disk).content_type == file_type
            assert on_disk.read(20) == content[:20]
    late_binary = TemporaryUploadedFile("Survey results.csv", "text/csv", 0, None)
    late_binary.write(CSV_TEXT * 60_000 + b"\x00")
    late_binary.size = late_binary.tell()
    with late_binary, pytest.raises(ValidationError) as refused:
        check_upload(late_binary)
    assert refused.value.code == "content_mismatch"


# Through the resource form's page


def _edit_data(client, url: str) -> dict:
    form = client.get(url).context["form"]
    return {name: value for name, value in form.initial.items() if value is not None and name != "file"} | {
        "audience_units": [unit.pk for unit in form.initial["audience_units"]]}


def test_the_edit_page_shows_a_refused_file_beside_its_field_and_stores_nothing(client, olivia, olivia_publishes,
                                                                                 media_root):
    before = stored_files(media_root)
    client.force_login(olivia)
    url = reverse("library:resource-edit", args=[olivia_publishes.pk])
    data = _edit_data(client, url) | {"file": upload("Journey map.png", SVG_WITH_SCRIPT, "image/png")}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [
        "This file ends in .png but is an SVG image, which can't be uploaded whatever its name."]}
    assert "This file ends in .png but is an SVG image" in response.text
    assert stored_files(media_root) == before
    assert olivia_publishes.revisions.count() == 1


def test_the_edit_page_replaces_the_file_and_the_revision_keeps_the_old_one(client, olivia, olivia_publishes,
                                                                             media_root):
    client.force_login(olivia)
    url = reverse("library:resource-edit", args=[olivia_publishes.pk])
    data = _edit_data(client, url) | {"change_note": "The 2027 script",
                                      "file": upload("../Call-back script 2027.pdf", pdf_bytes("Four hours"))}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    resource = Resource.objects.get(pk=olivia_publishes.pk)
    assert (resource.file_name, resource.file_type) == ("Call-back script 2027.pdf", PDF_TYPE)
    assert list(resource.revisions.order_by("number").values_list("file", flat=True)) == [
        olivia_publishes.file.name, resource.file.name]
    assert len(stored_files(media_root)) == 2
