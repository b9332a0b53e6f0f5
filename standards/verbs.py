"""The standards app's audit verbs and their labels, registered with the core's audit log when the app is ready."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxcoe import audit
from cxcoe.audit import describe

from .models import Acknowledgement, Communication, CommunicationPlan, Principle, Standard, StandardVersion

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
    "standard.reminded": _("Reminder to acknowledge sent by hand"),
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

# How the details read, by key ("noun.key" for one noun's verbs); what is left out reads as plain words.
VERSION_NUMBER = describe.Detail(words=lambda number: f"v{number}")
DETAILS = {
    "version.version": VERSION_NUMBER,
    "standard.version": VERSION_NUMBER,
    "standard.current_version": VERSION_NUMBER,
    "communication.plan": describe.row_of(CommunicationPlan),  # older events hold its id, newer ones its title
    "communication.status": describe.choice(Communication.Status.choices),
    "communication.channel": describe.choice(Communication.Channel.choices),
}
NAMES = {
    Principle: describe.Namer(_("Principle")),
    Standard: describe.Namer(_("Standard")),
    StandardVersion: describe.Namer(related=("standard",)),
    Acknowledgement: describe.Namer(
        name=lambda ack: gettext("%(person)s's acknowledgement of %(version)s") % {
            "person": ack.person, "version": ack.version},
        related=("person", "version__standard", "standard")),
    CommunicationPlan: describe.Namer(_("Plan")),
    Communication: describe.Namer(_("Communication")),
}


def register_verbs() -> None:
    """Called by StandardsConfig.ready()."""
    audit.register_verbs(VERBS, changes=CHANGE_VERBS, details=DETAILS, names=NAMES)
