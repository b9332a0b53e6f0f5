"""A standard fetched for the person asking: one they may not see is a 404, one they may not change a 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from cxcoe.lib.types import AuthenticatedRequest

from .. import permissions
from ..models import Standard


def visible_standard(request: AuthenticatedRequest, pk: int) -> Standard:
    return get_object_or_404(Standard.objects.visible_to(request.user).select_related(
        "principle", "owner", "approver", "current_version", "ack_version"), pk=pk)


def editable_standard(request: AuthenticatedRequest, pk: int) -> Standard:
    standard = visible_standard(request, pk)
    if not permissions.can_edit_standard(request.user, standard):
        raise PermissionDenied
    return standard
