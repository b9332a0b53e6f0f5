"""The standards app's audit verbs and their labels, registered with the core's audit log when the app is ready."""

from django.utils.translation import gettext_lazy as _

from cxcoe import audit

VERBS = {
    "principle.created": _("Principle created"),
    "principle.updated": _("Principle updated"),
    "principle.archived": _("Principle archived"),
    "principle.restored": _("Principle restored"),
    "principle.deleted": _("Principle deleted"),
    "principle.moved": _("Principle moved"),
    "standard.created": _("Standard created"),
    "standard.updated": _("Standard settings changed"),
    "standard.published": _("Standard published"),
    "standard.retired": _("Standard retired"),
    "standard.acknowledged": _("Standard acknowledged"),
    "version.drafted": _("New version drafted"),
    "version.draft_saved": _("Draft saved"),
    "version.submitted": _("Version submitted for approval"),
    "version.recalled": _("Version taken back to draft"),
    "version.approved": _("Version approved"),
    "version.sent_back": _("Version sent back"),
    "plan.created": _("Communication plan created"),
    "plan.updated": _("Communication plan updated"),
    "plan.archived": _("Communication plan archived"),
    "plan.restored": _("Communication plan restored"),
    "communication.created": _("Communication scheduled"),
    "communication.updated": _("Communication updated"),
    "communication.status_changed": _("Communication status changed"),
    "communication.sent": _("Communication sent"),
    "calendar.created": _("Calendar address created"),
    "calendar.reset": _("Calendar address reset"),
}
# Edits: their details are before → after pairs, which the audit page shows as such.
CHANGE_VERBS = {"principle.updated", "standard.updated", "version.draft_saved", "plan.updated",
                "communication.updated", "communication.status_changed"}


def register_verbs() -> None:
    """Called by StandardsConfig.ready()."""
    audit.register_verbs(VERBS, changes=CHANGE_VERBS)
