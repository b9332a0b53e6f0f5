"""The one way to hand work to the background worker (DESIGN.md §5).

`enqueue("cxcoe.tasks.apply_import", job.pk)` writes a QueuedTask row in the caller's transaction and,
once that commits, sends the worker a nudge naming the row. The row says that the work waits; the
message is only a nudge. When the broker can't be reached the failure is logged, the request still
succeeds, and every minute beat's `renudge_waiting` nudges again the rows that have waited too long.
The worker claims a row before it runs its task, so a second nudge for the same row does nothing, and
the same work asked for twice while it waits is one row.

`nudge("cxcoe.tasks.send_reminders")` is for a task whose waiting work already lives in rows of its
own and that beat runs every minute anyway (the reminder sender reads the ledger): a lost nudge only
delays it until the next tick.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .. import audit
from ..celery import app as celery_app
from ..models import QueuedTask, WorkerHeartbeat

log = logging.getLogger(__name__)

RUN_QUEUED = "cxcoe.tasks.run_queued"
# Publishing retries briefly, so a broker that is down costs a request well under a second.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}
KEEP_DONE = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)
WORKER_LOST = "The worker stopped before finishing"
MAX_LOST_RUNS = 3
# After a failed publish, the next ones skip the broker this long (the renudge sends them), so that a broker
# that doesn't answer at all costs one request its connect timeout, not every request.
BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0

# The names of the tasks whose nudge failed during the current request (see `collect_unsent`).
_unsent: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("cxcoe_unsent_nudges", default=None)


def enqueue(task: str, *args, label: str) -> bool:
    """Queue `task(*args)` for when the current transaction commits. False when the same work already waits.

    `label` says what the work is, in words, on the operations page ("Check the import of people.csv").
    """
    key = f"{task}:{json.dumps(list(args), separators=(',', ':'), sort_keys=True)}"[:500]
    for _attempt in range(2):
        token = uuid.uuid4()
        QueuedTask.objects.bulk_create([QueuedTask(task=task, args=list(args), key=key, token=token,
                                                   label=str(label)[:200])], ignore_conflicts=True)
        row = QueuedTask.objects.filter(token=token).only("pk").first()
        if row is not None:
            transaction.on_commit(functools.partial(_nudge_row, row.pk))
            return True
        # The same work already waits. Its run must see this transaction's changes: holding the waiting row
        # until the commit makes the worker's claim wait for it (SQLite's one writer at a time does the same).
        # A row claimed meanwhile is running with the data before ours, so the loop queues the work again.
        if not connection.in_atomic_block or connection.vendor == "sqlite":
            return False
        if list(QueuedTask.objects.select_for_update().filter(key=key, status=QueuedTask.Status.PENDING)
                .values_list("pk", flat=True)):
            return False
    return False


def nudge(task: str, *args) -> None:
    """Ask the worker to run a periodic task now rather than at beat's next tick, once this transaction commits."""
    transaction.on_commit(lambda: _publish(task, list(args)))


def run_queued(*, queued_id: int) -> str:
    """Run the work of one row in the worker: claim it, run its task's function, record the outcome."""
    claimed = QueuedTask.objects.filter(pk=queued_id, status=QueuedTask.Status.PENDING).update(
        status=QueuedTask.Status.RUNNING, started_at=timezone.now(), runs=F("runs") + 1)
    if not claimed:  # done already, running elsewhere, or gone: this nudge was a duplicate
        return "skipped"
    row = QueuedTask.objects.get(pk=queued_id)
    try:
        _task(row.task).run(*row.args)
    except Exception as exc:
        log.exception("Queued task %s failed", row)
        QueuedTask.objects.filter(pk=row.pk).update(status=QueuedTask.Status.FAILED, finished_at=timezone.now(),
                                                    error=f"{type(exc).__name__}: {exc}"[:2000])
        if celery_app.conf.task_always_eager and celery_app.conf.task_eager_propagates:
            raise  # tests run tasks in-process: a broken task fails the test that queued it
        return "failed"
    QueuedTask.objects.filter(pk=row.pk).update(status=QueuedTask.Status.DONE, finished_at=timezone.now())
    return "done"


def renudge_waiting() -> int:
    """Beat's minute tick: nudge again what waited too long, requeue what a lost worker left. Returns nudges sent."""
    now = timezone.now()
    # A row still running past the hard time limit lost its worker. The tasks are safe to run twice, so the
    # same work is queued again (unless it already waits) and the lost run is recorded as failed.
    lost = QueuedTask.objects.filter(status=QueuedTask.Status.RUNNING,
                                     started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300))
    for row in lost:
        with transaction.atomic():
            if not QueuedTask.objects.filter(pk=row.pk, status=QueuedTask.Status.RUNNING).update(
                    status=QueuedTask.Status.FAILED, finished_at=now, error=WORKER_LOST):
                continue
            # Work that keeps taking its worker down (a hard time limit, memory) stays failed after a few tries.
            if QueuedTask.objects.filter(key=row.key, error=WORKER_LOST, finished_at__gte=now - timedelta(days=1)) \
                    .count() < MAX_LOST_RUNS:
                enqueue(row.task, *row.args, label=row.label)
    stale = now - timedelta(seconds=settings.CXCOE_RENUDGE_AFTER_SECONDS)
    waiting = list(QueuedTask.objects.filter(status=QueuedTask.Status.PENDING, nudged_at__lt=stale)
                   .order_by("queued_at").values_list("pk", flat=True)[:1000])
    for pk in waiting:
        _nudge_row(pk)
    QueuedTask.objects.filter(status=QueuedTask.Status.DONE, finished_at__lt=now - KEEP_DONE).delete()
    QueuedTask.objects.filter(status=QueuedTask.Status.FAILED, finished_at__lt=now - KEEP_FAILED).delete()
    return len(waiting)


def summary() -> dict:
    """What the operations page shows of the queue: counts, the oldest waiting rows, recent failures."""
    waiting = QueuedTask.objects.waiting()
    return {
        "waiting": waiting.count(),
        "unsent": waiting.filter(status=QueuedTask.Status.PENDING).exclude(nudge_error="").count(),
        "rows": list(waiting.order_by("queued_at")[:20]),
        "failed": list(QueuedTask.objects.filter(status=QueuedTask.Status.FAILED).order_by("-finished_at")[:10]),
    }


def record_heartbeat(*, hostname: str) -> None:
    WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen_at": timezone.now()})
    WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=7)).delete()


def collect_unsent() -> list[str]:
    """Start collecting, for one request, the tasks whose nudge could not be sent; returns the list."""
    unsent: list[str] = []
    _unsent.set(unsent)
    return unsent


@functools.cache
def _task_modules_loaded() -> bool:
    # A worker imports every app's tasks module at start; a web process (or a test) never needs to otherwise.
    celery_app.loader.import_default_modules()
    return True


def _task(name: str):
    _task_modules_loaded()
    return celery_app.tasks[name]


def _nudge_row(pk: int) -> None:
    error = _publish(RUN_QUEUED, [pk])
    QueuedTask.objects.filter(pk=pk).update(nudged_at=timezone.now(), nudges=F("nudges") + 1, nudge_error=error)


def _publish(task: str, args: list) -> str:
    """Send one task message. Returns why it could not be sent, or "" once it was."""
    if celery_app.conf.task_always_eager:
        # Tests (and CELERY_TASK_ALWAYS_EAGER) run the task right here; its errors are theirs to see. As in a
        # worker, it runs outside the request that queued it: its audit events have no address.
        with audit.origin():
            _task(task).apply_async(args=args)
        return ""
    global _broker_down_until
    try:
        if time.monotonic() < _broker_down_until:
            raise ConnectionError("the broker was unreachable a moment ago")
        celery_app.send_task(task, args=args, retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # whatever the transport raises, the request that queued the work must succeed
        if time.monotonic() >= _broker_down_until:
            log.warning("Could not reach the broker to queue %s%r; it is sent again when the broker is back: %s",
                        task, tuple(args), exc)
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        unsent = _unsent.get()
        if unsent is not None:
            unsent.append(task)
        return f"{type(exc).__name__}: {exc}"[:500]
    _broker_down_until = 0.0
    return ""
