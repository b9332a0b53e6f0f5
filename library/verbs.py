"""The library's audit verbs and their labels, registered with the core's audit log when the app is ready."""

from django.utils.translation import gettext_lazy as _

from cxcoe import audit
from cxcoe.audit import describe

from .models import ContentRequest, Resource

VERBS = {
    "resource.created": _("Resource created"),
    "resource.updated": _("Resource updated"),
    "resource.published": _("Resource published"),
    "resource.archived": _("Resource archived"),
    "resource.restored": _("Resource restored"),
    "resource.reassigned": _("Resource given a new owner"),
    "request.created": _("Content requested"),
    "request.accepted": _("Content request accepted"),
    "request.declined": _("Content request declined"),
    "request.merged": _("Content request merged"),
    "request.assigned": _("Content request assigned"),
    "request.delivered": _("Content request delivered"),
}
CHANGE_VERBS = {"resource.updated", "resource.reassigned", "request.assigned"}
DETAILS = {
    "resource.kind": describe.choice(Resource.Kind.choices),
    "request.urgency": describe.choice(ContentRequest.Urgency.choices),
}
NAMES = {
    Resource: describe.Namer(_("Resource")),
    ContentRequest: describe.Namer(_("Content request")),
}


def register_verbs() -> None:
    """Called by LibraryConfig.ready()."""
    audit.register_verbs(VERBS, changes=CHANGE_VERBS, details=DETAILS, names=NAMES)
