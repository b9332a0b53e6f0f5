from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Standards")

    def ready(self) -> None:
        from cxcoe import reviews, rollups
        from cxcoe.models import AUDIT_CHANGE_VERBS, AUDIT_VERBS

        from . import services, sweeps, tallies
        from .models import Standard

        sweeps.register_kinds()
        sweeps.register_sweeps()
        rollups.register(tallies.ROLLUP, tallies.count_all)
        reviews.register_retirer(Standard, services.retire_after_review)

        AUDIT_VERBS.update({
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
        })
        AUDIT_CHANGE_VERBS.update({"principle.updated", "standard.updated", "version.draft_saved", "plan.updated",
                                   "communication.updated", "communication.status_changed"})

    def seed_scale(self, *, scale: float, rng, progress) -> None:
        """Called by `manage.py seed_scale` once the large organization's units and people exist."""
        from . import scale as scale_data

        scale_data.seed(scale=scale, rng=rng, progress=progress)

    def seed_demo(self, *, stdout) -> None:
        """Called by `manage.py seed_demo` once the demo organization exists."""
        from . import demo

        demo.seed(stdout)
