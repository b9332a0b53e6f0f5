"""Time every main page under gunicorn on PostgreSQL, at the demo size and at the large size, in one run.

    .venv/bin/python bench/pages.py [--rounds 25] [--reuse]

It builds two scratch databases on the PostgreSQL server of DATABASE_URL (default 127.0.0.1:5432):
`cxcoe_pages_demo` (`seed_demo`) and `cxcoe_pages_large` (`seed_demo`, then `seed_scale --size large`).
`--reuse` keeps them when an earlier run built them, which saves the minutes of seeding. Then it serves
each with its own gunicorn in production mode (2 processes of 1 thread, Redis for the cache) and asks
every page in turn, demo and large alternately, so that both sizes see the same noise.

Each page is asked as the role that sees the most of it: CoE staff, and a leader for the leader dashboard.
It prints, per page, the p50 at each size, the ratio large / demo, and the page's p50 over the p50 of a
bare authenticated view served by the same server (bench/_pages_urls.py: the whole middleware stack,
a session, no page). Targets: large / demo <= 3 and large / bare <= 10, for every page but the leader
dashboard (rebuilt by its own issue). The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SIZES = {"demo": [], "large": ["--size", "large"]}
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DBS = {"demo": 8, "large": 9}
TARGET_GROWTH, TARGET_OVER_BARE = 3.0, 10.0
EXEMPT = {"leader dashboard"}
MARKER = "cxcoe bench/pages.py: seeded"  # the database's comment, set once its seeding has finished


def django_env(database: str, var_dir: str, redis_db: int) -> dict[str, str]:
    """The environment of a production-mode process on `database`."""
    from _helpers import database_url

    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update({
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "_pages_settings",
        "PYTHONPATH": os.pathsep.join([str(BASE_DIR / "bench"), str(BASE_DIR)]),
        "SECRET_KEY": "bench-only-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url(SERVER_URL, database),
        "CACHE_URL": f"{REDIS}/{redis_db}",
        "CELERY_BROKER_URL": f"{REDIS}/{redis_db}",
        "CXCOE_VAR_DIR": var_dir,
        # The demo's reminders are delivered while seeding; no mail server is needed for that.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    })
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], env=env, check=True, cwd=BASE_DIR)  # noqa: S603


def build(size: str, env: dict[str, str], reuse: bool) -> None:
    from _helpers import create_database, database_comment, server_connection

    name = env["DATABASE_URL"].rsplit("/", 1)[1]
    if reuse and database_comment(SERVER_URL, name) == MARKER:
        manage(env, "migrate", "--noinput", "-v0")  # the code may have new migrations since
        print(f"{name}: kept from an earlier run")
        return
    create_database(SERVER_URL, name)
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")
    if SIZES[size]:
        manage(env, "seed_scale", *SIZES[size])
    with server_connection(SERVER_URL) as conn:
        conn.execute(f"COMMENT ON DATABASE {name} IS '{MARKER}'")
    print(f"{name}: built in {time.perf_counter() - started:.0f} s")


def pages(env: dict[str, str]) -> dict:
    """Ask the database for the pages to time and a signed-in session per role (run in a child process)."""
    out = subprocess.run([PYTHON, __file__, "--prepare"], env=env, check=True, capture_output=True, text=True,  # noqa: S603
                         cwd=BASE_DIR)
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare() -> None:
    """In a Django process: print the pages and sessions as JSON."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from cxcoe.models import BusinessUnit, User
    from standards.models import Communication, CommunicationPlan, Principle, Standard

    def session(email: str) -> str:
        user = User.objects.get(email=email)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    staff = User.objects.get(email="olivia@acme.example")
    top = BusinessUnit.objects.get(code="ACME")
    # The standard with the most acknowledgements: the heaviest standard page at either size.
    standard = Standard.objects.annotate(asked=Count("acknowledgements")).order_by("-asked", "pk").first()
    newest = standard.versions.order_by("-number").first()
    plan = CommunicationPlan.objects.order_by("pk").first()
    communication = Communication.objects.order_by("pk").first()
    principle = Principle.objects.order_by("pk").first()
    staff_pages = {
        "my work": "/",
        "profile": "/me/",
        "notifications": "/notifications/",
        "people list": "/manage/people/",
        "person page": f"/manage/people/{staff.pk}/",
        "units list": "/manage/units/",
        "unit page (top)": f"/manage/units/{top.pk}/",
        "imports": "/manage/imports/",
        "audit log": "/manage/audit/",
        "operations": "/manage/operations/",
        "standards list": "/standards/",
        "standard page": f"/standards/{standard.pk}/",
        "version page": f"/standards/{standard.pk}/versions/{newest.number}/",
        "pending in top unit": f"/standards/{standard.pk}/progress/{top.pk}/",
        "approvals": "/standards/approvals/",
        "principles": "/standards/principles/",
        "principle page": f"/standards/principles/{principle.pk}/",
        "plans": "/standards/plans/",
        "plan page": f"/standards/plans/{plan.pk}/",
        "communication page": f"/standards/communications/{communication.pk}/",
        "calendar": "/standards/calendar/",
        "acknowledgements": "/standards/acknowledgements/",
        "overdue acks": "/standards/acknowledgements/?status=overdue",
        "staff dashboard": "/dashboard/",
    }
    # A leader's own pages: their unit with its people's open items, and one of those people's CX record.
    sales = BusinessUnit.objects.get(code="SAL")
    amir = User.objects.get(email="amir@acme.example")
    leader_pages = {
        "leader: unit page": f"/manage/units/{sales.pk}/",
        "leader: person page": f"/manage/people/{amir.pk}/",
        "leader: overdue acks": f"/standards/acknowledgements/?unit={sales.pk}&status=overdue",
    }
    print(json.dumps({
        "sessions": {"staff": session(staff.email), "leader": session("leo@acme.example")},
        "pages": [("staff", name, url) for name, url in staff_pages.items()]
                 + [("leader", "leader dashboard", "/dashboard/")]
                 + [("leader", name, url) for name, url in leader_pages.items()],
    }))


class Server:
    """One gunicorn serving one database; `get` times a request over a kept-alive connection."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.port = port
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603
            [str(BASE_DIR / ".venv/bin/gunicorn"), "cxcoe.wsgi", "--config", "python:cxcoe.gunicorn_conf",
             "--workers", "2", "--threads", "1", "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"],
            env=env, cwd=BASE_DIR, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        for _ in range(150):
            try:
                self.request("/readyz", cookie="")
                return
            except OSError:
                if self.process.poll() is not None:
                    sys.exit(f"gunicorn on port {port} exited: see {log}")
                time.sleep(0.2)
        sys.exit(f"gunicorn on port {port} did not answer: see {log}")

    def request(self, url: str, *, cookie: str) -> tuple[int, float]:
        reused = self.connection is not None
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        try:
            self.connection.request("GET", url, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = self.connection.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = None
            if reused:  # gunicorn closed the kept-alive connection while it was idle: ask again on a new one
                return self.request(url, cookie=cookie)
            raise
        elapsed = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, elapsed

    def get(self, url: str, session: str) -> float:
        status, elapsed = self.request(url, cookie=f"sessionid={session}")
        if status != 200:
            sys.exit(f"GET {url} on port {self.port} answered {status}, not 200 (see {self.log.name})")
        return elapsed

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=25, help="timed requests per page and size (after 3 warm-ups)")
    parser.add_argument("--reuse", action="store_true", help="keep the databases an earlier run built")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare()
        return
    if not SERVER_URL.startswith("postgres"):
        print("Skipped: DATABASE_URL must point at a PostgreSQL server (the pages are timed on PostgreSQL).")
        return

    var = Path(tempfile.mkdtemp(prefix="cxcoe-pages-"))
    # One var/ for both servers: they share the collected static files and write nothing else there.
    envs = {size: django_env(f"cxcoe_pages_{size}", str(var), REDIS_DBS[size]) for size in SIZES}
    for size, env in envs.items():
        build(size, env, args.reuse)
    manage(envs["demo"], "collectstatic", "--noinput", "-v0")
    targets = {size: pages(env) for size, env in envs.items()}

    servers = {size: Server(env, free_port(), var / f"gunicorn-{size}.log") for size, env in envs.items()}
    names = [name for _role, name, _url in targets["demo"]["pages"]] + ["bare"]
    times: dict[str, dict[str, list[float]]] = {size: {name: [] for name in names} for size in SIZES}
    try:
        for round_number in range(3 + args.rounds):
            for index, name in enumerate(names):
                for size in SIZES:
                    target = targets[size]
                    if name == "bare":
                        role, url = "staff", "/bench/bare/"
                    else:
                        role, _name, url = target["pages"][index]
                    elapsed = servers[size].get(url, target["sessions"][role])
                    if round_number >= 3:
                        times[size][name].append(elapsed)
    finally:
        for server in servers.values():
            server.stop()

    report(times, names, args.rounds)


def report(times: dict[str, dict[str, list[float]]], names: list[str], rounds: int) -> None:
    p50 = {size: {name: statistics.median(values) * 1000 for name, values in pages.items()}
           for size, pages in times.items()}
    bare = {size: p50[size]["bare"] for size in SIZES}
    print()
    print(f"p50 of {rounds} requests per page, in ms; 'x bare' is the large p50 over the large bare view's "
          f"({bare['large']:.1f} ms; demo {bare['demo']:.1f} ms).")
    print(f"{'page':<22} {'demo ms':>8} {'large ms':>9} {'large/demo':>11} {'x bare':>7}  target")
    missed = []
    for name in names:
        if name == "bare":
            continue
        demo, large = p50["demo"][name], p50["large"][name]
        growth, over_bare = large / demo, large / bare["large"]
        if name in EXEMPT:
            verdict = "exempt"
        elif growth <= TARGET_GROWTH and over_bare <= TARGET_OVER_BARE:
            verdict = "met"
        else:
            verdict = "MISSED"
            missed.append(name)
        print(f"{name:<22} {demo:>8.1f} {large:>9.1f} {growth:>11.2f} {over_bare:>7.1f}  {verdict}")
    print(f"\nTargets: large/demo <= {TARGET_GROWTH:g} and x bare <= {TARGET_OVER_BARE:g}; "
          f"{len(names) - 1 - len(EXEMPT) - len(missed)} met, {len(missed)} missed.")
    if missed:
        sys.exit(f"Missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
