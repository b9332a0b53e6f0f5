from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cxcoe"
    verbose_name = "cxcoe"

    def ready(self) -> None:
        from . import audit

        audit.connect_sign_in_events()
