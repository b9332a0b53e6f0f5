"""Time standards acknowledgements at scale: publishing to everyone, the sweep, progress by unit, joiners.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxcoe DJANGO_SETTINGS_MODULE=cxcoe.settings \\
        .venv/bin/python bench/acknowledgements.py

It needs PostgreSQL, and only uses the server of DATABASE_URL: it creates its own database,
cxcoe_bench_acks, and drops it at the end. It seeds about 200 business units in a 3-level tree and
N people spread over them, at N=10,000 and then N=50,000, and at each size publishes a new standard
that the whole organization must acknowledge (the previous size's standard is retired first):

1. the floor: one INSERT ... SELECT ... FROM the people making the same pending rows for a throwaway version;
2. `approve_version`, which inserts the N pending rows, counting queries;
3. `sweeps.sweep_acknowledgements()` right after: the first run declares N reminders, the second none;
4. with 10% acknowledged, the standard page's progress by unit (`unit_progress`) and the dashboard's
   `metrics.acknowledgement_rates()`, against one hand-written GROUP BY unit giving the same numbers
   (asked, acknowledged and overdue, of the version's rows not withdrawn), best of 7 rounds in which the
   three take turns: they take milliseconds, where one run is mostly noise;
5. 1% new people join the organization: the sweep must ask exactly them.

Targets: publishing ≤ 5 x floor, and no more queries at the larger size; second sweep declares nothing in
≤ 0.5 x the first; progress and rates ≤ 2 x the GROUP BY, with no more queries at the larger size; the joiners
sweep asks exactly the joiners. Exits 1 when a target is missed.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from _helpers import counting_queries, create_database, drop_database

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "cxcoe_bench_acks"
SIZES = [10_000, 50_000]
DIVISIONS = 14  # 1 root + 14 divisions + 14 x 14 teams = 211 units
STAFF = 3
REPEAT = 7


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


class Organization:
    """The unit tree, CoE staff, and a counter for the people added to it."""

    def __init__(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group

        from cxcoe.models import COE_STAFF_GROUP, BusinessUnit, User

        self.password = make_password(None)
        self.added = 0
        root = BusinessUnit.objects.create(code="ACME", name="Acme", path="/ACME/", depth=0)
        divisions = BusinessUnit.objects.bulk_create(
            BusinessUnit(code=f"D{d:02d}", name=f"Division {d}", parent=root, path=f"/ACME/D{d:02d}/", depth=1)
            for d in range(DIVISIONS))
        teams = BusinessUnit.objects.bulk_create(
            BusinessUnit(code=f"D{d:02d}-T{t:02d}", name=f"Team {d}.{t}", parent=division,
                         path=f"{division.path}D{d:02d}-T{t:02d}/", depth=2)
            for d, division in enumerate(divisions) for t in range(DIVISIONS))
        self.units = [root, *divisions, *teams]
        # Most people sit in teams; one in twenty in a division's own office.
        self.homes = [*teams * 19, *divisions * DIVISIONS]
        self.staff = self.add_people(STAFF, prefix="staff")
        Group.objects.create(name=COE_STAFF_GROUP).user_set.add(*self.staff)
        leaders = self.add_people(len(divisions), prefix="leader")
        BusinessUnit.leaders.through.objects.bulk_create(
            BusinessUnit.leaders.through(businessunit_id=division.pk, user_id=leader.pk)
            for division, leader in zip(divisions, leaders, strict=True))
        self.user_model = User

    def add_people(self, count: int, *, prefix: str = "person") -> list:
        from cxcoe.models import User

        start, self.added = self.added, self.added + count
        people = (User(email=f"{prefix}{number}@acme.example", display_name=f"{prefix.title()} {number}",
                       business_unit=self.homes[number % len(self.homes)], password=self.password)
                  for number in range(start, self.added))
        return User.objects.bulk_create(people, batch_size=5000)

    def grow_to(self, size: int) -> None:
        self.add_people(size - self.user_model.objects.active().count())


def draft_standard(code: str, author):
    from standards.models import Principle
    from standards.services.catalogue import create_standard

    principle, _created = Principle.objects.get_or_create(title="We make it easy",
                                                          defaults={"statement": "No effort for customers."})
    return create_standard(by=author, code=code, principle=principle, owner=author, requires_acknowledgement=True,
                           version={"title": f"Answer within one working day ({code})",
                                    "statement": "Reply to every customer message within one working day."})


def floor_insert(version, due_on: date) -> tuple[float, int]:
    """The pending rows for everyone in one statement, for a version nobody is asked; then deleted."""
    from django.db import connection

    from cxcoe.models import User
    from standards.models import Acknowledgement

    table, people = Acknowledgement._meta.db_table, User._meta.db_table
    with connection.cursor() as cursor:
        started = time.perf_counter()
        # Table names come from the models and the values are parameters.
        cursor.execute(
            f"INSERT INTO {table} (standard_id, version_id, person_id, status, due_on, created_at) "  # noqa: S608
            f"SELECT %s, %s, u.id, 'pending', %s, now() FROM {people} u WHERE u.is_active ON CONFLICT DO NOTHING",
            [version.standard_id, version.pk, due_on])
        seconds = time.perf_counter() - started
        rows = cursor.rowcount
        cursor.execute(f"DELETE FROM {table} WHERE version_id = %s", [version.pk])  # noqa: S608
    return seconds, rows


def group_by_floor(version_id: int) -> list[tuple]:
    from django.db import connection
    from django.utils import timezone

    from cxcoe.models import User
    from standards.models import Acknowledgement

    # The numbers both pages show (asked, acknowledged, overdue per unit), written by hand: the least work there is.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.business_unit_id, count(*), count(*) FILTER (WHERE a.status = %s), "  # noqa: S608
            f"count(*) FILTER (WHERE a.status = %s AND a.due_on < %s) FROM {Acknowledgement._meta.db_table} a "
            f"JOIN {User._meta.db_table} u ON u.id = a.person_id WHERE a.version_id = %s AND a.status <> %s "
            f"GROUP BY u.business_unit_id",
            [Acknowledgement.Status.ACKNOWLEDGED.value, Acknowledgement.Status.PENDING.value, timezone.localdate(),
             version_id, Acknowledgement.Status.WITHDRAWN.value])
        return cursor.fetchall()


def best_of(**readers) -> dict[str, dict]:
    """Each reader's best time of REPEAT rounds, its queries in the first round and its first result.

    The readers take turns within a round, so a burst of load on a shared machine slows them alike. A reader is
    (function, make_arguments): the arguments are made outside the clock.
    """
    results = {name: {"times": [], "queries": 0, "result": None} for name in readers}
    for run in range(REPEAT):
        for name, (function, make_arguments) in readers.items():
            arguments, counter = make_arguments(), [0]
            with counting_queries(counter):
                started = time.perf_counter()
                value = function(*arguments)
                results[name]["times"].append(time.perf_counter() - started)
            if run == 0:
                results[name].update(queries=counter[0], result=value)
    for result in results.values():
        result["best"] = min(result.pop("times"))
    return results


def measure(org: Organization, size: int, today: date) -> dict:
    from django.db.models import Count, Max, Q

    from cxcoe.models import BusinessUnit, Reminder, User
    from standards import metrics, sweeps, tallies
    from standards.models import Acknowledgement, Standard
    from standards.services.catalogue import retire_standard
    from standards.services.versions import approve_version, submit_version
    from standards.views.acknowledgements import unit_progress

    author, approver = org.staff[0], org.staff[1]
    for old in Standard.objects.published():  # the previous size's standard: its sweep would blur this one's
        retire_standard(standard=old, by=approver)
    org.grow_to(size)
    analyze()
    audience = User.objects.active().count()

    throwaway = draft_standard(f"CX-FLOOR-{size}", author).open_version()
    floor, floor_rows = floor_insert(throwaway, today + timedelta(days=30))
    analyze()  # the floor's deleted rows are not left for publishing to step over

    standard = draft_standard(f"CX-ACK-{size}", author)
    version = submit_version(version=standard.open_version(), by=author)
    publish_queries = [0]
    with counting_queries(publish_queries):
        started = time.perf_counter()
        approve_version(version=version, by=approver, today=today)
        publish = time.perf_counter() - started
    standard.refresh_from_db()
    asked = Acknowledgement.objects.filter(version=version, status=Acknowledgement.Status.PENDING).count()
    if asked != audience or floor_rows != audience:
        sys.exit(f"N={size}: publishing asked {asked} people and the floor {floor_rows}, of {audience}")

    # Straight after publication, as the task queued on commit does (no ANALYZE in between).
    ledger = Reminder.objects.count()
    started = time.perf_counter()
    declared = sweeps.sweep_acknowledgements(today=today)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = sweeps.sweep_acknowledgements(today=today)
    second = time.perf_counter() - started
    if declared != audience or again or Reminder.objects.count() - ledger != audience:
        sys.exit(f"N={size}: the sweeps declared {declared} then {again} reminders for {audience} people")

    readers = list(User.objects.active().order_by("pk").values_list("pk", flat=True)[::10])
    done = Acknowledgement.objects.filter(version=version, person_id__in=readers).update(
        status=Acknowledgement.Status.ACKNOWLEDGED, acknowledged_at=standard.created_at, read_version=version)
    analyze()
    tallies.count_all()  # what beat's recount does after rows changed behind the services' back

    def fresh_staff():
        """A request's user, as the standard's page hands it over: fetching the standard (visible_to) has
        already asked whether they are CoE staff."""
        user = User.objects.get(pk=approver.pk)
        if not user.is_coe_staff:
            sys.exit(f"{user} should be CoE staff")
        return (user,)

    unit_ids = list(BusinessUnit.objects.values_list("pk", flat=True))
    reads = best_of(group_by=(lambda: group_by_floor(version.pk), tuple),
                    progress=(lambda user: unit_progress(standard, user), fresh_staff),
                    rates=(lambda: metrics.acknowledgement_rates(unit_ids), tuple))
    group_by, floor_groups = reads["group_by"]["best"], reads["group_by"]["result"]
    progress, progress_queries, shown = (reads["progress"][key] for key in ("best", "queries", "result"))
    rates, rates_queries, by_unit = (reads["rates"][key] for key in ("best", "queries", "result"))
    if (shown["total"], shown["done"], len(shown["units"])) != (audience, done, len(floor_groups)):
        sys.exit(f"N={size}: progress shows {shown['total']} asked, {shown['done']} done in {len(shown['units'])} "
                 f"units; expected {audience}, {done} in {len(floor_groups)}")
    rated = (sum(rate.asked for rate in by_unit.values()), sum(rate.done for rate in by_unit.values()))
    if rated != (audience, done):
        sys.exit(f"N={size}: the dashboard rates do not add up to {audience} asked and {done} done")

    joiners = {person.pk for person in org.add_people(size // 100)}
    sync_time = [0.0]
    real_sync = sweeps.sync_acknowledgements

    def timed_sync(**kwargs):
        started = time.perf_counter()
        try:
            return real_sync(**kwargs)
        finally:
            sync_time[0] += time.perf_counter() - started

    last = Acknowledgement.objects.aggregate(last=Max("pk"))["last"]
    with mock.patch.object(sweeps, "sync_acknowledgements", timed_sync):
        started = time.perf_counter()
        joined = sweeps.sweep_acknowledgements(today=today)
        joiners_sweep = time.perf_counter() - started
    new_rows = Acknowledgement.objects.filter(pk__gt=last).aggregate(
        people=Count("person", distinct=True), rows=Count("pk"),
        right=Count("pk", filter=Q(person__in=joiners, version=version, status=Acknowledgement.Status.PENDING,
                                   due_on=today + timedelta(days=standard.joiner_ack_days))))
    exact = new_rows["rows"] == new_rows["right"] == new_rows["people"] == len(joiners) == joined
    return {"size": size, "audience": audience, "floor": floor, "publish": publish,
            "publish_queries": publish_queries[0], "declared": declared, "first": first, "second": second,
            "done": done, "group_by": group_by, "progress": progress, "progress_queries": progress_queries,
            "rates": rates, "rates_queries": rates_queries, "units": len(floor_groups), "joiners": len(joiners),
            "joiner_rows": new_rows["rows"], "joined": joined, "sync": sync_time[0], "joiners_sweep": joiners_sweep,
            "exact": exact}


def no_task(*args, **kwargs) -> None:
    return None


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Skipped: bench/acknowledgements.py needs PostgreSQL. Set DATABASE_URL=postgres://user@host:5432/any "
              f"to a server where it may create and drop the database {BENCH_DB}.")
        return 0
    os.environ["DATABASE_URL"] = create_database(url, BENCH_DB)
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxcoe.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    settings.DEBUG = False  # no query log: it would cost time and memory production does not pay
    # Publishing queues the first sweep of the standard (and the sender) on commit. Nothing consumes the queue
    # here, and the bench runs that sweep itself, timed on its own: queueing would only add broker I/O to the
    # publishing time (and an eager task would run the sweep inside it, leaving the timed sweep nothing to do).
    no_queue = [mock.patch("standards.tasks.sweep_standard_acknowledgements.delay_on_commit", no_task),
                mock.patch("cxcoe.tasks.send_reminders.delay_on_commit", no_task)]
    try:
        call_command("migrate", verbosity=0)
        for patch in no_queue:
            patch.start()
        today = timezone.localdate()
        org = Organization()
        runs = [measure(org, size, today) for size in SIZES]
    finally:
        for patch in no_queue:
            patch.stop()
        drop_database(url, BENCH_DB)

    print()
    print(f"{'N':>7} {'floor s':>8} {'publish s':>9} {'pub/floor':>9} {'pub q':>6} {'reminders':>9} "
          f"{'sweep s':>8} {'2nd s':>6} {'2nd/1st':>7}")
    for run in runs:
        print(f"{run['audience']:>7,} {run['floor']:>8.2f} {run['publish']:>9.2f} "
              f"{run['publish'] / run['floor']:>9.1f} {run['publish_queries']:>6,} {run['declared']:>9,} "
              f"{run['first']:>8.2f} {run['second']:>6.2f} {run['second'] / run['first']:>7.2f}")
    print(f"\n{'N':>7} {'done':>6} {'units':>5} {'GROUP BY ms':>11} {'progress ms':>11} {'prog/floor':>10} "
          f"{'prog q':>6} {'rates ms':>8} {'rates/floor':>11} {'rates q':>7}")
    for run in runs:
        print(f"{run['audience']:>7,} {run['done']:>6,} {run['units']:>5} {run['group_by'] * 1000:>11.1f} "
              f"{run['progress'] * 1000:>11.1f} {run['progress'] / run['group_by']:>10.1f} "
              f"{run['progress_queries']:>6} {run['rates'] * 1000:>8.1f} {run['rates'] / run['group_by']:>11.1f} "
              f"{run['rates_queries']:>7}")
    small, large = runs[0], runs[-1]
    growth = large["group_by"] - small["group_by"]
    print(f"From N={small['audience']:,} to N={large['audience']:,}, time added as a multiple of the GROUP BY's: "
          f"progress {(large['progress'] - small['progress']) / growth:.1f}, "
          f"rates {(large['rates'] - small['rates']) / growth:.1f} (the cost per row, fixed costs left out).")
    print(f"\n{'N':>7} {'joiners':>7} {'rows':>6} {'reminders':>9} {'sync s':>7} {'sweep s':>8}")
    for run in runs:
        print(f"{run['audience']:>7,} {run['joiners']:>7,} {run['joiner_rows']:>6,} {run['joined']:>9,} "
              f"{run['sync']:>7.2f} {run['joiners_sweep']:>8.2f}")
    print(f"\nprogress, rates and GROUP BY: best of {REPEAT} rounds, taking turns; publishing and sweeps: one run "
          "each.")

    checks = [(f"publishing ≤ 5 x floor at N={run['size']:,}", run["publish"] / run["floor"] <= 5) for run in runs]
    checks.append(("publishing queries do not grow with N", large["publish_queries"] <= small["publish_queries"]))
    checks += [(f"second sweep declares 0 in ≤ 0.5 x first at N={run['size']:,}", run["second"] / run["first"] <= 0.5)
               for run in runs]
    checks += [(f"progress by unit ≤ 2 x GROUP BY at N={run['size']:,}", run["progress"] / run["group_by"] <= 2)
               for run in runs]
    checks += [(f"dashboard rates ≤ 2 x GROUP BY at N={run['size']:,}", run["rates"] / run["group_by"] <= 2)
               for run in runs]
    checks.append(("progress queries do not grow with N", large["progress_queries"] <= small["progress_queries"]))
    checks.append(("rates queries do not grow with N", large["rates_queries"] <= small["rates_queries"]))
    checks += [(f"joiners sweep asks exactly the {run['joiners']:,} joiners at N={run['size']:,}", run["exact"])
               for run in runs]
    print()
    for name, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(passed for _name, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
