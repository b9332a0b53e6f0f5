import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxcoe.settings")

app = Celery("cxcoe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _report_in(sender, **kwargs) -> None:
    # The readiness check sees a worker from its start, not only after beat's first heartbeat a minute later.
    from .lib import queueing

    queueing.record_heartbeat(hostname=sender.hostname)
