from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Standards")

    def ready(self) -> None:
        from cxcoe import reviews
        from cxcoe.lib import rollups

        from . import open_items, sweeps, tallies, verbs
        from .models import Standard
        from .services.catalogue import retire_after_review

        sweeps.register_kinds()
        sweeps.register_sweeps()
        verbs.register_verbs()
        rollups.register(tallies.ROLLUP, tallies.count_all)
        reviews.register_retirer(Standard, retire_after_review)
        open_items.register()

    def seed_scale(self, *, scale: float, rng, progress) -> None:
        """Called by `manage.py seed_scale` once the large organization's units and people exist."""
        from . import scale as scale_data

        scale_data.seed(scale=scale, rng=rng, progress=progress)

    def seed_demo(self, *, stdout) -> None:
        """Called by `manage.py seed_demo` once the demo organization exists."""
        from . import demo

        demo.seed(stdout)
