"""Library resources for tests, made through the services as people make them, and tiny real files to upload."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from library.models import ContentRequest, Resource
from library.services.requests import request_content
from library.services.resources import create_resource, publish_resource
from library.uploads import check_upload

from ..factories import UserFactory

IMPACT = {
    "importance": "Agents call back customers who complained, and need a script that works.",
    "impact_customers": "Complaints are resolved on the first call back.",
    "impact_employees": "Agents know what to say and feel confident.",
    "impact_business": "Fewer repeat complaints, less churn.",
}


def make_resource(*, by=None, title="Calling back a customer who complained", publish=False, today=None,
                  **values) -> Resource:
    """A written resource (an article by default) with its impact statement, as a draft or published. Pass
    `importance=""` and the like to leave parts of the impact statement out."""
    by = by or UserFactory(coe_staff=True)
    fields = {"kind": Resource.Kind.ARTICLE, "summary": "A script for the first call back.",
              "body": "Call within a day. Listen first, then say what you will do.", **IMPACT, "owner": by,
              **values}
    resource = create_resource(by=by, title=title, **fields)
    if publish:
        resource = publish_resource(resource=resource, by=by, today=today)
    return resource


def pdf_bytes(text: str = "Call back within a day") -> bytes:
    """A one-page PDF, with its cross-reference table, that any reader opens."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bytes() -> bytes:
    """A grey PNG of one pixel."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80")  # one row: no filter, then the pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    """A mid-grey baseline JPEG of 8 by 8 pixels: one Huffman code each for "no change" and "end of block"."""
    def segment(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data
    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    quantization = segment(0xDB, b"\x00" + bytes([1] * 64))
    frame = segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00")
    dc = segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    ac = segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    scan = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return b"\xff\xd8" + jfif + quantization + frame + dc + ac + scan + b"\x3f" + b"\xff\xd9"


def office_bytes(main_part: str = "word/document.xml", *, content_types: bool = True) -> bytes:
    """An Office Open XML container (DOCX by default; "ppt/presentation.xml", "xl/workbook.xml"), or without
    `main_part` a plain ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as container:
        if content_types:
            container.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                                                      'openxmlformats.org/package/2006/content-types"/>')
            container.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        if main_part:
            container.writestr(main_part, '<?xml version="1.0"?><document/>')
        else:
            container.writestr("notes.txt", "Just a ZIP.")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """A file as the browser sends it: its name and type are the person's word."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def checked_upload(name: str = "Call-back script.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    """An upload the resource form's file field accepted."""
    return check_upload(upload(name, pdf_bytes() if content is None else content))


def make_file_resource(*, by, title="Call-back script (PDF)", publish=False, name="Call-back script.pdf",
                       content: bytes | None = None, **values) -> Resource:
    """A resource of the file kind, with a checked PDF as its file."""
    return make_resource(by=by, title=title, publish=publish, kind=Resource.Kind.FILE, body="",
                         file=checked_upload(name, content), **values)
def make_request(*, by, need="A checklist for calling back after a complaint", **values) -> ContentRequest:
    """A new content request, asked for through the service as the create page asks."""
    fields = {"why": "Customers who complained wait for a call that never comes.", "urgency": "normal", **values}
    return request_content(by=by, need=need, **fields)
