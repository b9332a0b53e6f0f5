"""The check of a file uploaded to the library: its name, size, extension and content, before anything is stored.

`ResourceFileField` is the resource form's file field. Its clean() answers each refusal as a form error beside the
field; on success the upload's `name` is its base name and its `content_type` the type its content was found to be
(library.services.resources reads both). The content is identified by puremagic, from the file's start and end;
Office files are opened as the ZIP containers they claim to be, and CSV files are read as text, chunk by chunk.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, cast

import puremagic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class FileType:
    label: str
    mime_type: str
    # What the content is, in a sentence: "It looks like a PNG image".
    described: Promise | str
    # An Office file's main part, which its ZIP container must hold beside [Content_Types].xml.
    main_part: str = ""

    def is_found_in(self, matches: list) -> bool:
        """Whether puremagic found this type's signature; for Office files, a ZIP's (it can't tell them apart)."""
        wanted = ZIP_MIME_TYPES if self.main_part else {self.mime_type}
        return any(match.mime_type in wanted for match in matches)


PDF = FileType("PDF", "application/pdf", gettext_lazy("a PDF document"))
DOCX = FileType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                gettext_lazy("a Word document"), main_part="word/document.xml")
PPTX = FileType("PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                gettext_lazy("a PowerPoint presentation"), main_part="ppt/presentation.xml")
XLSX = FileType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                gettext_lazy("an Excel workbook"), main_part="xl/workbook.xml")
PNG = FileType("PNG", "image/png", gettext_lazy("a PNG image"))
JPEG = FileType("JPEG", "image/jpeg", gettext_lazy("a JPEG image"))
CSV = FileType("CSV", "text/csv", gettext_lazy("CSV text"))
ZIP_MIME_TYPES = {"application/zip", DOCX.mime_type, PPTX.mime_type, XLSX.mime_type}

ALLOWED = {".pdf": PDF, ".docx": DOCX, ".pptx": PPTX, ".xlsx": XLSX, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG,
           ".csv": CSV}
# Refused whatever their content: pages and images that run scripts in a browser, and programs.
ACTIVE_EXTENSIONS = {".htm", ".html", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".js", ".mjs", ".exe", ".dll",
                     ".msi", ".com", ".scr", ".bat", ".cmd", ".ps1", ".vbs", ".sh", ".jar", ".apk", ".app", ".bin"}
EXECUTABLE_EXTENSIONS = {".exe", ".dll", ".msi", ".com", ".scr", ".sys", ".ocx", ".cpl", ".drv", ".appimage"}
OFFICE_CONTENT_TYPES = "[Content_Types].xml"
# A CSV's start may match a short magic number by chance ("MZ", "ID3", "BM" are plain words); a match of four
# bytes or more (confidence 0.4 and up: %PDF, {\rtf, <?xml) means the text is really another format.
TEXT_FORMAT_CONFIDENCE = 0.4
CHUNK = 64 * 1024
NAME_MAX = 200  # Resource.file_name


def max_upload_bytes() -> int:
    return int(settings.CXCOE_LIBRARY_MAX_UPLOAD_MB * 1024 * 1024)


def base_name(name: str) -> str:
    """The file's own name: no folders (either slash), no control characters, at most NAME_MAX characters with its
    extension kept."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    if name in {"", ".", ".."}:
        return ""
    if len(name) > NAME_MAX:
        path = PurePath(name)
        suffix = path.suffix[:16]
        name = path.name[: NAME_MAX - len(suffix)] + suffix
    return name


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _active_content(head: bytes, matches: list) -> str | None:
    """What makes this content dangerous to serve, in a reader's words: a web page, an SVG image or a program."""
    text = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if b"<svg" in text[:4096] or any(match.mime_type == "image/svg+xml" for match in matches):
        return _("an SVG image")
    if (text.startswith((b"<!doctype html", b"<html", b"<script", b"<head", b"<body", b"<iframe"))
            or any(match.mime_type in {"text/html", "application/xhtml+xml"} for match in matches)):
        return _("a web page (HTML)")
    if (head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"))
            or any("executable" in match.name.lower() or match.extension.lower() in EXECUTABLE_EXTENSIONS
                   for match in matches)):
        return _("a program")
    return None


def _identified(upload: UploadedFile) -> tuple[bytes, list]:
    """The file's start, and what puremagic finds in its start and end, surest first (none: it knows no such
    content). The filename is not passed, so an extension alone never counts as a match."""
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    try:
        matches = puremagic.magic_stream(upload.file)
    except (puremagic.PureError, ValueError):
        matches = []
    upload.seek(0)
    return head, matches


def _described(matches: list) -> str:
    """What the content seems to be, when it is a PDF, PNG or JPEG (a ZIP could be any Office file)."""
    for file_type in (PDF, PNG, JPEG):
        if file_type.is_found_in(matches):
            return str(file_type.described)
    return ""


def _check_office(upload: UploadedFile, file_type: FileType, extension: str) -> None:
    """An Office file is a ZIP container holding [Content_Types].xml and its kind's main part; only the central
    directory is read, nothing is unpacked."""
    wrong = _("This file ends in %(ext)s but is not %(what)s: save it as %(label)s from the program that made "
              "it, and upload it again.") % {"ext": extension, "what": file_type.described, "label": file_type.label}
    try:
        upload.seek(0)
        with zipfile.ZipFile(cast(IO[bytes], upload.file)) as container:
            names = set(container.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refused(wrong, "content_mismatch") from None
    finally:
        upload.seek(0)
    if OFFICE_CONTENT_TYPES not in names or file_type.main_part not in names:
        raise _refused(wrong, "content_mismatch")


def _check_csv(upload: UploadedFile, head: bytes, matches: list) -> None:
    """CSV has no magic number: it must be UTF-8 text (a byte-order mark is fine), without NUL bytes, that is not
    markup and that puremagic does not take for another format."""
    not_text = _("This file ends in .csv but is not CSV text: export it again as \u201cCSV UTF-8\u201d, and "
                 "upload that.")
    if head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<"):
        raise _refused(_("This file ends in .csv but holds markup (HTML, XML or SVG), not CSV text."), "active")
    if any(match.confidence >= TEXT_FORMAT_CONFIDENCE for match in matches):
        raise _refused(not_text, "content_mismatch")
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    try:
        for chunk in upload.chunks(CHUNK):
            if b"\x00" in chunk:
                raise _refused(not_text, "content_mismatch")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _refused(_("This CSV file is not in UTF-8: export it again as \u201cCSV UTF-8\u201d, and upload "
                         "that."), "encoding") from None
    finally:
        upload.seek(0)


def check_upload(upload: UploadedFile) -> UploadedFile:
    """Check a library upload, refusing it with a ValidationError that says what to do; return it with its base
    name and the content type found. Nothing is stored here."""
    name = base_name(upload.name or "")
    if not name:
        raise _refused(_("This file has no name: rename it, and upload it again."), "name")
    extension = PurePath(name).suffix.lower()
    if extension in ACTIVE_EXTENSIONS:
        raise _refused(_("Web pages, SVG images and programs can't be uploaded: they could run code on a "
                         "reader's computer. The library takes PDF, DOCX, PPTX, XLSX, PNG, JPEG and CSV files."),
                       "active")
    file_type = ALLOWED.get(extension)
    if file_type is None:
        shown = extension or _("(no extension)")
        raise _refused(_("Files ending in %(ext)s can't be uploaded. The library takes PDF, DOCX, PPTX, XLSX, "
                         "PNG, JPEG and CSV files.") % {"ext": shown}, "extension")
    if not upload.size:
        raise _refused(_("This file is empty: choose the file again, or another one."), "empty")
    if upload.size > max_upload_bytes():
        raise _refused(_("This file is %(size)s MB; the library takes files up to %(limit)s MB. Make it smaller "
                         "(compress its images, or split it), or link to it instead.")
                       % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": settings.CXCOE_LIBRARY_MAX_UPLOAD_MB},
                       "too_big")
    head, matches = _identified(upload)
    if file_type is CSV:
        _check_csv(upload, head, matches)
    elif not file_type.is_found_in(matches):
        if active := _active_content(head, matches):
            raise _refused(_("This file ends in %(ext)s but is %(what)s, which can't be uploaded whatever its "
                             "name.") % {"ext": extension, "what": active}, "active")
        message = _("This file ends in %(ext)s but its content is not %(what)s.") % {
            "ext": extension, "what": file_type.described}
        if seems := _described(matches):
            message += " " + _("It looks like %(what)s: give it the extension of what it is.") % {"what": seems}
        raise _refused(message, "content_mismatch")
    elif file_type.main_part:
        _check_office(upload, file_type, extension)
    upload.name = name
    upload.content_type = file_type.mime_type
    upload.seek(0)
    return upload


# Read when shown, not when a form class is defined: the limit is a setting.
_help_text = lazy(lambda: _("PDF, DOCX, PPTX, XLSX, PNG, JPEG or CSV, up to %(limit)s MB.")
                  % {"limit": settings.CXCOE_LIBRARY_MAX_UPLOAD_MB}, str)


class ResourceFileField(forms.FileField):
    """The resource form's file: checked by `check_upload`. A plain file input, since the current file is shown and
    downloaded through the library's own pages, never through the storage's address."""

    widget = forms.FileInput
    default_error_messages = {
        "empty": gettext_lazy("This file is empty: choose the file again, or another one."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _help_text())
        # The model field's max_length would refuse a long name; check_upload shortens it instead (to NAME_MAX,
        # keeping its extension), since the stored name is generated anyway.
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ",".join(ALLOWED))

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            check_upload(value)
        return value
