"""Celery tasks of the core app: thin wrappers that pass ids and call one service each."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True)
def validate_import(job_id: int) -> str:
    return imports.validate_import(job_id=job_id).status


@shared_task(acks_late=True)
def apply_import(job_id: int) -> str:
    return imports.apply_import(job_id=job_id).status
