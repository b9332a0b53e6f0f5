"""Queued work survives a broker that can't be reached: the database row waits, beat nudges it again,
and the worker runs it once however many nudges arrive. The cache and sign-in keep working without Redis."""

import threading
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxcoe import health
from cxcoe.lib import queueing
from cxcoe.models import AuditEvent, BusinessUnit, QueuedTask, SweepRun, WorkerHeartbeat

from ..factories import PASSWORD
from ..workers import broker_pointed_at, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_down():
    with broker_pointed_at(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def test_queued_work_runs_once_its_transaction_commits(owned_sales):
    assert queueing.enqueue("cxcoe.tasks.run_sweep", "reviews", label="Sweep: Review cycles")
    row = QueuedTask.objects.get()
    assert (row.status, row.runs, row.nudges, row.nudge_error) == ("done", 1, 1, "")
    assert SweepRun.objects.get(name="reviews").status == SweepRun.Status.OK


def test_a_second_nudge_for_the_same_row_runs_nothing(owned_sales):
    queueing.enqueue("cxcoe.tasks.run_sweep", "reviews", label="Sweep: Review cycles")
    row = QueuedTask.objects.get()
    assert queueing.run_queued(queued_id=row.pk) == "skipped"
    assert SweepRun.objects.filter(name="reviews").count() == 1


def test_while_the_broker_is_down_the_sweep_waits_and_the_page_says_so(client, olivia, owned_sales, broker_down):
    client.force_login(olivia)
    response = client.post(reverse("operations-run-sweep", args=["reviews"]), follow=True)
    assert response.status_code == 200
    assert "Review cycles: queued." in response.text
    assert "The background worker can&#x27;t be reached right now." in response.text
    row = QueuedTask.objects.get()
    assert row.status == "pending"
    assert row.nudge_error.startswith("OperationalError")
    assert not SweepRun.objects.exists()
    assert AuditEvent.objects.filter(verb="sweep.requested").count() == 1
    # The operations page lists the waiting work and says the broker is out of reach.
    page = client.get(reverse("operations"))
    assert "The task broker can&#x27;t be reached." in page.text
    assert [str(waiting) for waiting in page.context["queue"]["rows"]] == ["Sweep: Review cycles"]
    assert page.context["queue"]["unsent"] == 1


def test_beat_nudges_waiting_work_again_once_the_broker_is_back(client, olivia, owned_sales, settings):
    with broker_pointed_at(f"redis://127.0.0.1:{free_port()}/0"):
        client.force_login(olivia)
        client.post(reverse("operations-run-sweep", args=["reviews"]))
        assert queueing.renudge_waiting() == 0  # too recent: its first nudge only just failed
    settings.CXCOE_RENUDGE_AFTER_SECONDS = 0
    assert queueing.renudge_waiting() == 1  # broker back (tasks run in-process here)
    row = QueuedTask.objects.get()
    assert (row.status, row.runs, row.nudges, row.nudge_error) == ("done", 1, 2, "")
    assert SweepRun.objects.filter(name="reviews", status=SweepRun.Status.OK).count() == 1
    assert queueing.renudge_waiting() == 0


def test_work_a_lost_worker_left_running_is_queued_again(owned_sales, settings):
    started = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 400)
    lost = QueuedTask.objects.create(task="cxcoe.tasks.run_sweep", args=["reviews"],
                                     key='cxcoe.tasks.run_sweep:["reviews"]', token=uuid.uuid4(),
                                     label="Sweep: Review cycles", status="running", runs=1, started_at=started)
    queueing.renudge_waiting()
    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("failed", "The worker stopped before finishing")
    again = QueuedTask.objects.exclude(pk=lost.pk).get()
    assert (again.task, again.args, again.status, again.label) == ("cxcoe.tasks.run_sweep", ["reviews"], "done",
                                                                   "Sweep: Review cycles")
    assert SweepRun.objects.filter(name="reviews").count() == 1


def test_a_failing_task_is_recorded_with_its_error(db):
    # Run in-process here, the task's error also reaches the code that queued it.
    with pytest.raises(KeyError):
        queueing.enqueue("cxcoe.tasks.run_sweep", "no-such-sweep", label="Sweep: gone")
    row = QueuedTask.objects.get()
    assert row.status == "failed"
    assert row.error == "KeyError: 'no-such-sweep'"


def test_the_cache_falls_back_to_process_memory_while_redis_is_down(settings):
    settings.CACHES = {"default": {"BACKEND": "cxcoe.lib.cache.FallbackRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}
    cache = caches["default"]
    cache.set("import-progress:1", {"done": 3}, 60)
    assert cache.get("import-progress:1") == {"done": 3}
    assert cache.add("once", 1) is True
    assert cache.add("once", 1) is False
    assert cache.incr("once") == 2
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.ping()
    assert [result.label for result in health.run_checks() if not result.ok] == ["Cache", "Background worker"]


def test_sign_in_works_while_the_cache_server_is_down(client, eve, bianca, settings):
    settings.CACHES = {"default": {"BACKEND": "cxcoe.lib.cache.FallbackRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/1",
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}
    response = client.post(reverse("account_login"), {"login": "eve@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == eve.pk
    # The failed-sign-in limit still counts, in this process's memory.
    stranger = Client()
    for _attempt in range(5):
        stranger.post(reverse("account_login"), {"login": "bianca@acme.example", "password": "wrong-one"})
    limited = stranger.post(reverse("account_login"), {"login": "bianca@acme.example", "password": PASSWORD})
    assert "Too many failed login attempts" in limited.text
    assert "_auth_user_id" not in stranger.session


def test_readiness_reports_each_service(client):
    response = client.get(reverse("readyz"))
    # Pages still work without a worker: a load balancer keeps this process; monitoring asks strictly.
    assert response.status_code == 200
    assert response.text.splitlines() == ["Database: ok", "Cache: ok", "Task broker: ok",
                                          "Background worker: No background worker has reported in yet."]
    assert client.get(reverse("readyz"), {"strict": "1"}).status_code == 503
    WorkerHeartbeat.objects.create(hostname="celery@web-1", seen_at=timezone.now() - timedelta(minutes=6))
    assert client.get(reverse("readyz"), {"format": "json"}).json()["Background worker"] == \
        "No background worker has reported in for 6 minutes."
    queueing.record_heartbeat(hostname="celery@web-1")
    response = client.get(reverse("readyz"), {"format": "json", "strict": "1"})
    assert response.status_code == 200
    assert response.json() == {"Database": "ok", "Cache": "ok", "Task broker": "ok", "Background worker": "ok"}


def test_operations_page_warns_when_no_worker_was_seen_for_five_minutes(client, olivia):
    WorkerHeartbeat.objects.create(hostname="celery@web-1", seen_at=timezone.now() - timedelta(minutes=7))
    client.force_login(olivia)
    page = client.get(reverse("operations"))
    assert "Background work is held up" in page.text
    assert "No background worker has reported in for 7 minutes." in page.text
    queueing.record_heartbeat(hostname="celery@web-1")
    assert "Background work is held up" not in client.get(reverse("operations")).text


def test_readiness_fails_when_the_database_does(client, monkeypatch):
    def unreachable(self):
        raise health.ServiceUnavailable("connection refused by db.internal:5432")

    monkeypatch.setattr(health.Database, "run", unreachable)
    response = client.get(reverse("readyz"), {"format": "json"})
    assert response.status_code == 503
    assert response.json()["Database"] == "The database can't be reached."


def test_work_that_keeps_losing_its_worker_stays_failed(owned_sales, settings):
    key = 'cxcoe.tasks.run_sweep:["reviews"]'
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 400)
    for _lost in range(queueing.MAX_LOST_RUNS - 1):
        QueuedTask.objects.create(task="cxcoe.tasks.run_sweep", args=["reviews"], key=key, token=uuid.uuid4(),
                                  status="failed", error=queueing.WORKER_LOST, finished_at=long_ago)
    QueuedTask.objects.create(task="cxcoe.tasks.run_sweep", args=["reviews"], key=key, token=uuid.uuid4(),
                              status="running", started_at=long_ago, runs=1)
    queueing.renudge_waiting()
    assert sorted(QueuedTask.objects.values_list("status", flat=True)) == ["failed"] * queueing.MAX_LOST_RUNS
    assert not SweepRun.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once need PostgreSQL")
def test_work_asked_for_again_while_it_waits_runs_with_the_later_changes(owned_sales, leo):
    """Its run waits for the second transaction, so the sweep sees the review that came due in it."""
    waiting = QueuedTask.objects.create(task="cxcoe.tasks.run_sweep", args=["reviews"], token=uuid.uuid4(),
                                        key='cxcoe.tasks.run_sweep:["reviews"]', label="Sweep: Review cycles")
    owned_sales.next_review_on = None
    owned_sales.save()
    inside, done = threading.Event(), threading.Event()

    def second_request():
        try:
            with transaction.atomic():
                BusinessUnit.objects.filter(pk=owned_sales.pk).update(next_review_on=timezone.localdate())
                assert queueing.enqueue("cxcoe.tasks.run_sweep", "reviews", label="Sweep: Review cycles") is False
                inside.set()
                done.wait(timeout=1)  # the worker's claim starts meanwhile, and has to wait for this commit
        finally:
            connection.close()

    thread = threading.Thread(target=second_request)
    thread.start()
    assert inside.wait(timeout=10)
    assert queueing.run_queued(queued_id=waiting.pk) == "done"
    done.set()
    thread.join()
    assert SweepRun.objects.get(name="reviews").declared == 1
    assert QueuedTask.objects.count() == 1
