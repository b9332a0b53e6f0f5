"""Celery tasks of the core app: thin wrappers that pass ids and call one service each."""

from celery import shared_task

from . import imports
from .lib import queueing, rollups
from .notifications import reminders


@shared_task(acks_late=True)
def validate_import(job_id: int) -> str:
    return imports.validate_import(job_id=job_id).status


@shared_task(acks_late=True)
def apply_import(job_id: int) -> str:
    return imports.apply_import(job_id=job_id).status


@shared_task(acks_late=True)
def run_sweep(name: str) -> int:
    return reminders.run_sweep(name=name).declared


@shared_task(acks_late=True)
def run_all_sweeps() -> int:
    return reminders.run_all_sweeps()


# Shorter than CXCOE_SENDING_TIMEOUT_SECONDS, so a row is only reclaimed once its sender is surely gone.
@shared_task(acks_late=True, time_limit=300, soft_time_limit=270)
def send_reminders() -> int:
    return reminders.send_reminders()


@shared_task(acks_late=True)
def send_digests(frequency: str) -> int:
    return reminders.send_digests(frequency=frequency)


@shared_task(acks_late=True)
def run_queued(queued_id: int) -> str:
    """The nudge that cxcoe.lib.queueing sends: run the work that one QueuedTask row describes."""
    return queueing.run_queued(queued_id=queued_id)


@shared_task(acks_late=True)
def renudge_waiting() -> int:
    return queueing.renudge_waiting()


@shared_task(bind=True, acks_late=True, expires=120)
def record_heartbeat(self) -> None:
    queueing.record_heartbeat(hostname=self.request.hostname or "worker")


@shared_task(acks_late=True, expires=300)
def recount_rollups() -> int:
    return rollups.recount_all()
