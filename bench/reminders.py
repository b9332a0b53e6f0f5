"""Time the reminder ledger at scale: the reviews sweep against a raw-SQL floor, then the sender.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxcoe DJANGO_SETTINGS_MODULE=cxcoe.settings \\
        .venv/bin/python bench/reminders.py

It needs PostgreSQL, and only uses the server of DATABASE_URL: it creates its own database,
cxcoe_bench_reminders, and drops it at the end. It seeds business units due for review (owned, in the
reminder window, a third of them escalated), at N=10,000 and then N=100,000, and at each size times:

1. the floor: one INSERT ... SELECT ... ON CONFLICT DO NOTHING making the same ledger rows in SQL;
2. `reviews.sweep_reviews()` into the empty ledger (it must make exactly the floor's rows), counting queries;
3. the same sweep again, which must insert nothing.

Then it times `reminders.send_reminders()` on 5,000 pending rows with the locmem email backend, against its
floor: the same messages rendered, inserted in one statement, emailed over one connection and marked sent in
one UPDATE (rolled back). Targets: sweep ≤ 10 x floor; sweep queries grow at most with N/1000; second run
≤ 0.5 x first; sender ≤ 3 x its floor (it also claims rows in batches under row locks, checks each is still
due, and reads preferences). Exits 1 when a target is missed.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from _helpers import counting_queries, create_database, drop_database

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "cxcoe_bench_reminders"
SIZES = [10_000, 100_000]
SENDER_ROWS = 5_000
OWNERS = 2_000
DEPARTMENTS = 100
STAFF = 5


def seed_people() -> dict:
    """CoE staff, department leaders (some departments have none) and the owners, in the departments."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from cxcoe.models import COE_STAFF_GROUP, BusinessUnit, User

    acme = BusinessUnit.objects.create(code="ACME", name="Acme", path="/ACME/", depth=0)
    departments = BusinessUnit.objects.bulk_create(
        BusinessUnit(code=f"D{number:03d}", name=f"Department {number}", parent=acme, path=f"/ACME/D{number:03d}/",
                     depth=1) for number in range(DEPARTMENTS))

    unusable = make_password(None)

    def person(email: str, unit, *, active: bool = True) -> User:
        return User(email=email, display_name=email.split("@")[0], business_unit=unit, password=unusable,
                    is_active=active)

    staff = User.objects.bulk_create(person(f"staff{number}@acme.example", acme) for number in range(STAFF))
    group = Group.objects.create(name=COE_STAFF_GROUP)
    group.user_set.add(*staff)
    # One department in ten has no leader, so its escalations go to CoE staff.
    leaders = User.objects.bulk_create(person(f"leader{number}@acme.example", department)
                                       for number, department in enumerate(departments) if number % 10)
    BusinessUnit.leaders.through.objects.bulk_create(
        BusinessUnit.leaders.through(businessunit_id=leader.business_unit_id, user_id=leader.pk) for leader in leaders)
    # One owner in a hundred has left: CoE staff get their reminders.
    owners = User.objects.bulk_create(
        person(f"owner{number}@acme.example", departments[number % DEPARTMENTS], active=bool(number % 100))
        for number in range(OWNERS))
    return {"acme": acme, "owners": owners + leaders[:50]}  # some leaders own units too


def seed_units(people: dict, start: int, stop: int, today: date) -> None:
    """Units `start`..`stop`-1, due from 35 days ago to 30 days ahead, plus a tenth as many not due yet."""
    from cxcoe.models import BusinessUnit

    acme, owners = people["acme"], people["owners"]

    def unit(number: int, due_on: date) -> BusinessUnit:
        return BusinessUnit(code=f"U{number:07d}", name=f"Unit {number}", parent=acme, path=f"/ACME/U{number:07d}/",
                            depth=1, owner=owners[number % len(owners)], next_review_on=due_on)

    due = (unit(number, today + timedelta(days=number % 66 - 35)) for number in range(start, stop))
    BusinessUnit.objects.bulk_create(due, batch_size=5000)
    later = (unit(number, today + timedelta(days=31 + number % 150))
             for number in range(10_000_000 + start // 10, 10_000_000 + stop // 10))
    BusinessUnit.objects.bulk_create(later, batch_size=5000)


def period_sql() -> str:
    """reminders.reminder_period() in SQL, over d = days left (negative when overdue)."""
    from django.conf import settings

    every = int(settings.CXCOE_REMINDER_OVERDUE_EVERY_DAYS)
    steps = [f"WHEN d < 0 AND (-d) / {every} > 0 THEN 'overdue-' || ((-d) / {every})", "WHEN d < 0 THEN 'before-0'"]
    steps += [f"WHEN d <= {offset} THEN 'before-{offset}'" for offset in sorted(settings.CXCOE_REMINDER_OFFSETS)]
    return f"to_char(due_on, 'YYYY-MM-DD') || '/' || CASE {' '.join(steps)} END"


def floor_sql() -> str:
    from cxcoe.models import BusinessUnit, Reminder, User

    unit, user = BusinessUnit._meta.db_table, User._meta.db_table
    groups, leaders = User.groups.through._meta.db_table, BusinessUnit.leaders.through._meta.db_table
    constants = "'', '', '', 'pending', 0, now(), '', now()"
    # Table names come from the models and the values are parameters.
    return f"""
        WITH staff AS (
            SELECT u.id FROM {user} u JOIN {groups} ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id
            WHERE g.name = %(staff_group)s AND u.is_active
        ), items AS (
            SELECT b.id, b.next_review_on AS due_on, b.owner_id, (b.owner_id IS NOT NULL AND o.is_active) AS owned,
                   o.business_unit_id AS owner_unit, b.next_review_on - %(today)s::date AS d
            FROM {unit} b LEFT JOIN {user} o ON o.id = b.owner_id
            WHERE b.is_active AND b.next_review_on <= %(horizon)s::date
        ), active_leaders AS (
            SELECT l.businessunit_id AS unit_id, l.user_id FROM {leaders} l JOIN {user} u ON u.id = l.user_id
            WHERE u.is_active
        ), due AS (
            SELECT i.owner_id AS recipient_id, i.* FROM items i WHERE i.owned
            UNION ALL
            SELECT s.id, i.* FROM items i CROSS JOIN staff s WHERE NOT i.owned
        ), escalated AS (
            SELECT * FROM items WHERE -d >= %(escalate_after)s
        ), above AS (
            SELECT l.user_id AS recipient_id, e.* FROM escalated e JOIN active_leaders l ON l.unit_id = e.owner_unit
            WHERE l.user_id IS DISTINCT FROM e.owner_id
            UNION ALL
            SELECT s.id, e.* FROM escalated e CROSS JOIN staff s
            WHERE NOT EXISTS (SELECT 1 FROM active_leaders l
                              WHERE l.unit_id = e.owner_unit AND l.user_id IS DISTINCT FROM e.owner_id)
        )
        INSERT INTO {Reminder._meta.db_table} (recipient_id, kind, target_type_id, target_id, period, due_on,
            is_escalation, title, body, url, status, attempts, next_attempt_at, last_error, created_at)
        SELECT recipient_id, %(due_kind)s, %(type_id)s, id, {period_sql()}, due_on, false, {constants} FROM due
        UNION ALL
        SELECT recipient_id, %(escalation_kind)s, %(type_id)s, id, to_char(due_on, 'YYYY-MM-DD') || '/escalation',
               due_on, true, {constants} FROM above
        ON CONFLICT DO NOTHING
    """  # noqa: S608


def ledger_keys() -> set[tuple]:
    from cxcoe.models import Reminder

    return set(Reminder.objects.order_by().values_list("recipient_id", "kind", "target_type_id", "target_id",
                                                       "period").iterator(chunk_size=20_000))


def empty_ledger() -> None:
    from django.db import connection

    from cxcoe.models import Reminder

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Reminder._meta.db_table}")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(size: int, today: date) -> dict:
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from cxcoe import reviews
    from cxcoe.models import COE_STAFF_GROUP, BusinessUnit

    params = {"staff_group": COE_STAFF_GROUP, "today": today,
              "horizon": today + timedelta(days=max(settings.CXCOE_REMINDER_OFFSETS)),
              "escalate_after": settings.CXCOE_ESCALATE_AFTER_DAYS, "due_kind": reviews.REVIEW_DUE,
              "escalation_kind": reviews.REVIEW_ESCALATION,
              "type_id": ContentType.objects.get_for_model(BusinessUnit).pk}
    empty_ledger()
    analyze()
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(floor_sql(), params)
        floor = time.perf_counter() - started
        floor_rows = cursor.rowcount
    floor_keys = ledger_keys()
    empty_ledger()

    first_queries, second_queries = [0], [0]
    with counting_queries(first_queries):
        started = time.perf_counter()
        declared = reviews.sweep_reviews(today=today)
        first = time.perf_counter() - started
    sweep_keys = ledger_keys()
    with counting_queries(second_queries):
        started = time.perf_counter()
        again = reviews.sweep_reviews(today=today)
        second = time.perf_counter() - started
    if sweep_keys != floor_keys or declared != floor_rows:
        sys.exit(f"N={size}: the sweep declared {declared} rows and the floor {floor_rows}; "
                 f"{len(sweep_keys - floor_keys)} keys only in the sweep, "
                 f"{len(floor_keys - sweep_keys)} only in the floor")
    if again or len(ledger_keys()) != declared:
        sys.exit(f"N={size}: the second sweep declared {again} rows")
    return {"size": size, "rows": declared, "floor": floor, "first": first, "queries": first_queries[0],
            "second": second, "second_queries": second_queries[0]}


def sender_floor() -> float:
    """The least work the sender's result needs, timed and rolled back: render the same messages, create their
    notifications in one INSERT, send the same emails over one connection, mark the rows sent in one UPDATE."""
    from django.core import mail
    from django.core.mail import get_connection
    from django.db import transaction
    from django.utils import timezone

    from cxcoe import notifications
    from cxcoe.models import BusinessUnit, Notification, Reminder

    with transaction.atomic():
        started = time.perf_counter()
        rows = list(Reminder.objects.filter(status=Reminder.Status.PENDING).select_related("recipient"))
        units = BusinessUnit.objects.in_bulk([row.target_id for row in rows])
        notes = []
        for row in rows:
            message = notifications.KINDS[row.kind].render(row, units[row.target_id])
            notes.append(Notification(recipient_id=row.recipient_id, kind=row.kind, title=message.title,
                                      body=message.body, url=message.url))
        Notification.objects.bulk_create(notes)
        with get_connection() as connection:
            connection.send_messages([notifications.email_for(note, row.recipient) for note, row in zip(notes, rows,
                                                                                                      strict=True)])
        Reminder.objects.filter(pk__in=[row.pk for row in rows]).update(status=Reminder.Status.SENT,
                                                                         sent_at=timezone.now())
        seconds = time.perf_counter() - started
        if len(rows) != SENDER_ROWS or len(mail.outbox) != SENDER_ROWS:
            sys.exit(f"The sender's floor made {len(rows)} rows and {len(mail.outbox)} emails, expected {SENDER_ROWS}")
        transaction.set_rollback(True)
    mail.outbox = []
    return seconds


def measure_sender() -> dict:
    from django.core import mail
    from django.db import connection

    from cxcoe.models import Notification, Reminder
    from cxcoe.notifications import reminders

    with connection.cursor() as cursor:  # keep the oldest SENDER_ROWS pending, as if the rest were sent
        table = Reminder._meta.db_table
        cursor.execute(f"UPDATE {table} SET status = 'cancelled' WHERE id NOT IN "  # noqa: S608 - our table name
                       f"(SELECT id FROM {table} ORDER BY id LIMIT %s)", [SENDER_ROWS])
    analyze()
    mail.outbox = []
    floor = sender_floor()
    queries = [0]
    with counting_queries(queries):
        started = time.perf_counter()
        delivered = reminders.send_reminders()
        seconds = time.perf_counter() - started
    if delivered != SENDER_ROWS or len(mail.outbox) != SENDER_ROWS or Notification.objects.count() != SENDER_ROWS:
        sys.exit(f"The sender delivered {delivered} rows and {len(mail.outbox)} emails, expected {SENDER_ROWS}")
    return {"messages": delivered, "seconds": seconds, "queries": queries[0], "floor": floor}


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Skipped: bench/reminders.py needs PostgreSQL. Set DATABASE_URL=postgres://user@host:5432/any to a "
              f"server where it may create and drop the database {BENCH_DB}.")
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

    settings.DEBUG = False  # no query log: it would cost time and memory the production sweep does not pay
    try:
        call_command("migrate", verbosity=0)
        today = timezone.localdate()
        people = seed_people()
        runs, seeded = [], 0
        for size in SIZES:
            seed_units(people, seeded, size, today)
            seeded = size
            runs.append(measure(size, today))
        sender = measure_sender()
    finally:
        drop_database(url, BENCH_DB)

    print()
    print(f"{'N due':>8} {'rows':>8} {'floor s':>8} {'sweep s':>8} {'sweep/floor':>11} {'queries':>8} "
          f"{'q/(N/1000)':>10} {'2nd run s':>9} {'2nd q':>6} {'2nd/1st':>8}")
    for run in runs:
        per_thousand = run["queries"] / (run["size"] / 1000)
        print(f"{run['size']:>8,} {run['rows']:>8,} {run['floor']:>8.2f} {run['first']:>8.2f} "
              f"{run['first'] / run['floor']:>11.1f} {run['queries']:>8,} {per_thousand:>10.2f} "
              f"{run['second']:>9.2f} {run['second_queries']:>6,} {run['second'] / run['first']:>8.2f}")
    rate = sender["messages"] / sender["seconds"]
    sender_ratio = sender["seconds"] / sender["floor"]
    print(f"\nsender: {sender['messages']:,} messages in {sender['seconds']:.2f} s = {rate:,.0f} messages/s, "
          f"{sender['queries']:,} queries ({sender['queries'] / sender['messages']:.2f} per message); "
          f"floor {sender['floor']:.2f} s, sender/floor {sender_ratio:.1f}")

    small, large = runs[0], runs[-1]
    checks = [(f"sweep ≤ 10 x floor at N={run['size']:,}", run["first"] / run["floor"] <= 10) for run in runs]
    checks.append(("sweep queries grow at most with N/1000",
                   large["queries"] / (large["size"] / 1000) <= small["queries"] / (small["size"] / 1000)))
    checks += [(f"second run ≤ 0.5 x first at N={run['size']:,}", run["second"] / run["first"] <= 0.5)
               for run in runs]
    checks.append(("sender ≤ 3 x its floor", sender_ratio <= 3))
    print()
    for name, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return 0 if all(passed for _name, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
