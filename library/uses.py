"""The library's answer to a standard's page (standards/uses.py): the resources linked to it that still carry the
"linked standard changed" flag, their owners not having reviewed them since its latest version."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cxcoe.models import User
from standards.models import Standard
from standards.uses import Use, Uses

from .models import Resource

SHOWN = 10


def flagged_for_standard(standard: Standard, user: User) -> Uses:
    label = _("Library resources still to check against this version")
    version = standard.current_version
    if version is None or version.decided_at is None:
        return Uses(label, [], 0)
    flagged = (Resource.objects.visible_to(user).published().filter(standards=standard)
               .filter(links_checked_at__lt=version.decided_at).select_related("owner").order_by("title", "pk"))
    items = [Use(_("Library resource"), resource.title, resource.get_absolute_url(),
                 str(resource.owner or _("CoE staff"))) for resource in flagged[:SHOWN]]
    every = f"{reverse('library:resource-list')}?changed_standard={standard.pk}"
    return Uses(label, items, len(items) if len(items) < SHOWN else flagged.count(), every)
