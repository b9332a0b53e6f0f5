from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cxcoe"
    verbose_name = "cxcoe"

    def ready(self) -> None:
        from . import audit, counts, reminders, reviews, rollups

        audit.connect_sign_in_events()
        reviews.register()
        rollups.register(reminders.LEDGER_TOTALS, reminders.ledger_totals)
        counts.register()
