"""A resource's file, current or as a revision kept it: sent as an attachment to the people who may read it."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from cxcoe.lib.types import AuthenticatedRequest

from ..models import Resource

# Even a browser that opened the file in place would run nothing of it: no scripts, no forms, a unique origin.
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def _attachment(file: FieldFile, *, name: str, content_type: str) -> FileResponse:
    """The stored file under its original name, as a download only: never displayed by the site's origin, never
    sniffed into another type, and kept by no shared cache. A reading, so nothing is counted or written."""
    if not file or not file.name:
        raise Http404
    try:
        opened = file.storage.open(file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(opened, as_attachment=True, filename=name or file.name.rsplit("/", 1)[-1],
                            content_type=content_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY  # django-csp leaves a header that is already set
    response["Cache-Control"] = "private"
    return response


@require_safe
def resource_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    resource = get_object_or_404(Resource.objects.visible_to(request.user), pk=pk)
    return _attachment(resource.file, name=resource.file_name, content_type=resource.file_type)


@require_safe
def revision_download(request: AuthenticatedRequest, pk: int, number: int) -> FileResponse:
    resource = get_object_or_404(Resource.objects.visible_to(request.user), pk=pk)
    revision = get_object_or_404(resource.revisions, number=number)
    return _attachment(revision.file, name=revision.file_name, content_type=revision.file_type)
