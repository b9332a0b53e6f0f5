"""Celery tasks of the standards app: thin wrappers that pass ids and call one function each."""

from celery import shared_task
from django.utils import timezone

from cxcoe.lib import queueing

from . import sweeps


@shared_task(acks_late=True)
def sweep_standard_acknowledgements(standard_id: int) -> int:
    """Right after publication: the first reminders of one standard, without waiting for the daily sweep."""
    declared = sweeps.sweep_acknowledgements(today=timezone.localdate(), standard_ids=[standard_id])
    queueing.nudge("cxcoe.tasks.send_reminders")
    return declared
