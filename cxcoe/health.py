"""Readiness: whether each service cxcoe depends on answers (`/readyz` and the operations page).

`/healthz` stays a cheap liveness check (the process and the database answer). The checks here are
django-health-check's (the database) and our own on its HealthCheck protocol where the question is
ours: the cache behind its fallback, the broker, and how long ago a worker last reported in.
"""

from __future__ import annotations

import dataclasses
import inspect
from datetime import timedelta
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.exceptions import HealthCheckException, ServiceUnavailable

from .celery import app as celery_app
from .models import WorkerHeartbeat

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WORKER_SILENT_AFTER = timedelta(minutes=5)


@dataclasses.dataclass
class CacheServer(HealthCheck):
    """The cache server itself: Redis behind its per-process fallback (which would always answer), else a write."""

    timeout = timedelta(seconds=3)

    def run(self) -> None:
        try:
            if hasattr(cache, "ping"):
                cache.ping()
            else:
                cache.set("cxcoe-readiness", "ok", 10)
                if cache.get("cxcoe-readiness") != "ok":
                    raise ServiceUnavailable(_("The cache does not keep what is written to it."))
        except HealthCheckException:
            raise
        except Exception as exc:
            raise ServiceUnavailable(_("The cache server can't be reached.")) from exc


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection."""

    timeout = timedelta(seconds=3)

    def run(self) -> None:
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=0, timeout=2)
        except Exception as exc:
            raise ServiceUnavailable(_("The task broker can't be reached.")) from exc


@dataclasses.dataclass
class Worker(HealthCheck):
    """A worker ran the heartbeat that beat sends every minute, within the last five minutes."""

    def run(self) -> None:
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        if last is None:
            raise ServiceUnavailable(_("No background worker has reported in yet."))
        if timezone.now() - last > WORKER_SILENT_AFTER:
            raise ServiceUnavailable(_("No background worker has reported in for %(minutes)d minutes.")
                                     % {"minutes": (timezone.now() - last).total_seconds() // 60})


@dataclasses.dataclass
class DatabaseServer(Database):
    """django-health-check's database check, saying what failed without the server's own message."""

    def run(self) -> None:
        try:
            super().run()
        except HealthCheckException as exc:
            raise ServiceUnavailable(_("The database can't be reached.")) from exc


# Each check, and whether a web process can serve pages without it: only the database is needed, since pages
# keep working while Redis or the worker is down (the cache falls back, queued work waits in the database).
CHECKS: list[tuple[StrOrPromise, type[HealthCheck], bool]] = [
    (_("Database"), DatabaseServer, True),
    (_("Cache"), CacheServer, False),
    (_("Task broker"), Broker, False),
    (_("Background worker"), Worker, False),
]


@dataclasses.dataclass(frozen=True)
class Result:
    label: str
    problem: str  # empty when the check passed
    needed_to_serve: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem


async def _wait_for(awaitable) -> None:
    await awaitable


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers and so does the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def worker_problem() -> str:
    """What is wrong with the background worker in words (it has not reported in lately), or "" when all is well:
    the one check that reads only the database, for My work."""
    try:
        Worker().run()
    except HealthCheckException as exc:
        return str(exc.message)
    return ""


def run_checks() -> list[Result]:
    """Every check, one after the other in this thread (for the operations page)."""
    results = []
    for label, check, needed_to_serve in CHECKS:
        try:
            outcome = check().run()
            if inspect.isawaitable(outcome):  # the protocol allows async checks
                async_to_sync(_wait_for)(outcome)
        except HealthCheckException as exc:
            problem = str(exc.message)
        except Exception as exc:
            problem = type(exc).__name__
        else:
            problem = ""
        results.append(Result(str(label), problem, needed_to_serve))
    return results


@login_not_required
@require_GET
@never_cache
def readiness(request: HttpRequest) -> HttpResponse:
    """Each check as plain text, or JSON with `?format=json`.

    The answer is 503 only when this web process can't serve pages (a check `needed_to_serve` fails), so that a
    load balancer does not take every web process out of rotation while Redis or the worker is down.
    `?strict=1` answers 503 when any check fails, for monitoring that should page someone.
    The checks run in this thread, one after the other: each is quick, and the database check then uses
    this request's own connection instead of opening one in a thread pool.
    """
    results = run_checks()
    strict = bool(request.GET.get("strict"))
    status = 503 if any(not result.ok and (strict or result.needed_to_serve) for result in results) else 200
    if request.GET.get("format") == "json":
        return JsonResponse({result.label: result.problem or "ok" for result in results}, status=status)
    lines = "".join(f"{result.label}: {result.problem or 'ok'}\n" for result in results)
    return HttpResponse(lines, content_type="text/plain; charset=utf-8", status=status)
