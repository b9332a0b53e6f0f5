"""Time the CSV import at scale: 50,000 people in 500 business units.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxcoe_bench .venv/bin/python bench/import_people.py

Run it against an empty, migrated scratch database: it writes 50,000 people. The files come from the
generator beside it (bench/make_org.py). It times three
imports, each checked (the preview) and then applied (which checks again, then writes):

1. the whole organization into the empty database;
2. the same files again, which must change nothing;
3. a full export with 10% of job titles changed and 1% of the people gone (deactivate missing).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _helpers import counting_queries

BASE_DIR = Path(__file__).resolve().parent.parent
GENERATOR = Path(__file__).resolve().parent / "make_org.py"


def timed_import(*, units: str, people: str, deactivate_missing: bool = False) -> dict:
    from cxcoe import imports
    from cxcoe.models import ImportJob

    job = imports.create_import(by=None, units_name="business_units.csv", units_text=units,
                                people_name="people.csv", people_text=people, deactivate_missing=deactivate_missing)
    validate_queries, apply_queries = [0], [0]
    started = time.perf_counter()
    with counting_queries(validate_queries):
        job = imports.validate_import(job_id=job.pk)
    validated = time.perf_counter()
    if job.status != ImportJob.Status.PREVIEW:
        sys.exit(f"Import #{job.pk} is {job.status}: {job.errors[:5] or job.failure}")
    imports.claim_apply(job=job, by=None)
    with counting_queries(apply_queries):
        job = imports.apply_import(job_id=job.pk)
    applied = time.perf_counter()
    if job.status != ImportJob.Status.DONE:
        sys.exit(f"Import #{job.pk} is {job.status}: {job.errors[:5] or job.failure}")
    return {"summary": job.summary, "validate": validated - started, "apply": applied - validated,
            "queries": (validate_queries[0], apply_queries[0])}


def changed_export(people: str) -> str:
    """Every tenth person gets a new job title; every hundredth has left."""
    rows = list(csv.reader(people.splitlines()))
    header, body = rows[0], rows[1:]
    title = header.index("job_title")
    kept = []
    for number, row in enumerate(body):
        if number % 100 == 99:
            continue
        if number % 10 == 5:
            row[title] = f"{row[title]} II"
        kept.append(row)
    out = io.StringIO()
    csv.writer(out).writerows([header, *kept])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=500)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Skipped: set DATABASE_URL to an empty, migrated PostgreSQL database (this writes the people).")
        return

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxcoe.settings")
    import django

    django.setup()
    from cxcoe.models import User

    if User.objects.exists():
        print(f"Note: the database already holds {User.objects.count()} people; the first import is not a fresh one.")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, str(GENERATOR), folder, "--people", str(args.people), "--units",  # noqa: S603
                        str(args.units)], check=True, stdout=subprocess.DEVNULL)
        units = Path(folder, "business_units.csv").read_text(encoding="utf-8")
        people = Path(folder, "people.csv").read_text(encoding="utf-8")

    rows = len(units.splitlines()) - 1 + len(people.splitlines()) - 1
    runs = [("first import", rows, timed_import(units=units, people=people))]
    runs.append(("same again", rows, timed_import(units=units, people=people)))
    again = runs[-1][2]["summary"]
    changes = [again["units"]["created"], again["units"]["updated"], again["people"]["created"],
               again["people"]["updated"], *again["leaders"].values(), *again["roles"].values()]
    if any(changes):
        sys.exit(f"The same files again changed something: {again}")
    changed = changed_export(people)
    runs.append(("10% changed, 1% gone", len(units.splitlines()) - 1 + len(changed.splitlines()) - 1,
                 timed_import(units=units, people=changed, deactivate_missing=True)))

    print()
    print(f"{'import':<22} {'rows':>7} {'validate s':>11} {'apply s':>8} {'queries v/a':>12}  people")
    for name, count, result in runs:
        counts = result["summary"]["people"]
        people_counts = ", ".join(f"{key} {value}" for key, value in counts.items() if value)
        print(f"{name:<22} {count:>7,} {result['validate']:>11.1f} {result['apply']:>8.1f} "
              f"{'{}/{}'.format(*result['queries']):>12}  {people_counts}")
    print("\n'apply' checks the files again against the database before it writes.")


if __name__ == "__main__":
    main()
