from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cxcoe"
    verbose_name = "cxcoe"

    def ready(self) -> None:
        from . import audit, reviews
        from .audit import counts as audit_counts
        from .lib import rollups
        from .notifications import reminders
        from .people import counts as people_counts
        from .people import open_items

        audit.connect_sign_in_events()
        reminders.register_audit_details()
        reviews.register()
        rollups.register(reminders.LEDGER_TOTALS, reminders.ledger_totals)
        people_counts.register()
        audit_counts.register()
        open_items.register_reviews()
