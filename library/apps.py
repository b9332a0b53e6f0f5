from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = _("Library")

    def ready(self) -> None:
        from cxcoe import reviews
        from standards import uses as standard_uses

        from . import sweeps, uses, verbs
        from .models import Resource
        from .services.resources import retire_after_review

        sweeps.register()
        verbs.register_verbs()
        reviews.register_retirer(Resource, retire_after_review)
        standard_uses.register(uses.flagged_for_standard)

    def seed_demo(self, *, stdout) -> None:
        """Called by `manage.py seed_demo` once the demo organization and its standards exist."""
        from . import demo

        demo.seed_requests(stdout, demo.seed(stdout))
