"""Time the library at scale: search, its pages' query counts, and the freshness score, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cxcoe .venv/bin/python bench/library.py [--rounds 15]

It needs PostgreSQL, and only uses the server of DATABASE_URL: it creates its own database, cxcoe_bench_library,
and drops it at the end. It seeds 1,000 resources (bodies of 250 to 600 words drawn from a CX vocabulary, tags,
principles, owners) and then grows the library to 100,000 resources with 1,000,000 view rows.

1. Query counts of the library list, the list searched, the site search page and My reviews, at 1,000 and at
   100,000 resources: they must be equal.
2. At 100,000: the library's search (`library.search.search_resources`, what the site search shows) p50 over the
   p50 of the same ranked full-text query written by hand in SQL (websearch_to_tsquery on the stored vector,
   ts_rank, ts_headline of the first rows), the two taking turns, for several queries: target ≤ 2.
3. At 100,000: the freshness score for the library, by owner and by principle (library/metrics.py) over a
   hand-written GROUP BY giving the same numbers: target ≤ 2 each.

It prints one table and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from _helpers import counting_queries, create_database, drop_database

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB = "cxcoe_bench_library"
SMALL, LARGE = 1_000, 100_000
VIEWS = 1_000_000
OWNERS, READERS, PRINCIPLES = 200, 2_000, 8
QUERIES = ["complaint call back", "journey map workshop", "plain language billing letter", "empathy",
           "first contact resolution checklist"]
TARGET_SEARCH, TARGET_FRESHNESS = 2.0, 2.0

VOCABULARY = """customer complaint call back promise billing letter plain language journey map workshop empathy listen
resolution first contact checklist escalation agent team leader ambassador survey score effort churn loyalty onboarding
handover support sales field service visit schedule apology recovery follow up script template playbook example
measure metric target feedback voice interview research moment truth channel chat email phone web app form sign
account renewal offer retention trust clear kind fast simple owner review standard principle training coach habit
huddle story change improve problem cause repeat wait time queue transfer callback keep explain why what next when
who how"""
WORDS = VOCABULARY.split()
# The rest of the words in a text: made-up words of two or three syllables, some 4,000 of them.
SYLLABLE_TEXT = "ba ce di fo gu ha je ki lo mu na pe ri so tu va we xi yo zu bra cle dri fro glu"
SYLLABLES = SYLLABLE_TEXT.split()
FILLER = sorted({a + b + c for a in SYLLABLES for b in SYLLABLES for c in ("", "n", "r", "s", "t", "l")})


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def text(rng: random.Random, low: int, high: int) -> str:
    """Prose of `low` to `high` words about a few topics: each text draws six words of the CX vocabulary as its
    topics and fills the rest from FILLER, so a search word is in some texts and not in most, as in a real
    library."""
    topics = rng.sample(WORDS, 6)
    count = rng.randint(low, high)
    words = [rng.choice(topics) if rng.random() < 0.08 else rng.choice(FILLER) for _ in range(count)]
    sentences = [" ".join(words[i:i + 14]).capitalize() + "." for i in range(0, len(words), 14)]
    return "\n\n".join(" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5))


class Library:
    def __init__(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group

        from cxcoe.models import COE_STAFF_GROUP, BusinessUnit, User
        from standards.models import Principle

        self.rng = random.Random(2026)  # noqa: S311 - benchmark data, not security
        root = BusinessUnit.objects.create(code="ACME", name="Acme", path="/ACME/", depth=0)
        password = make_password(None)
        people = User.objects.bulk_create(
            [User(email=f"person{n}@acme.example", display_name=f"Person {n}", business_unit=root, password=password)
             for n in range(READERS)])
        self.staff = people[0]
        self.staff.groups.add(Group.objects.get_or_create(name=COE_STAFF_GROUP)[0])
        self.owners = people[:OWNERS]
        self.readers = people
        self.principles = Principle.objects.bulk_create(
            [Principle(title=f"Principle {n}", statement="We make it easy.", position=n) for n in range(PRINCIPLES)])
        self.count = 0

    def grow(self, to: int, today) -> None:
        """Add resources up to `to`: 80% published (a fifth of those stale), 15% drafts, 5% archived."""
        from django.utils import timezone

        from library.models import Resource, Tag
        from library.search import index_for_search

        Tag.objects.bulk_create([Tag(name=word) for word in set(WORDS)], ignore_conflicts=True)
        tags = list(Tag.objects.all())
        now = timezone.now()
        rng = self.rng
        first = self.count
        while self.count < to:
            batch = []
            for _ in range(min(5_000, to - self.count)):
                n = self.count
                self.count += 1
                roll = rng.random()
                status = "published" if roll < 0.8 else "draft" if roll < 0.95 else "archived"
                published = now - timedelta(days=rng.randint(1, 400)) if status != "draft" else None
                review = (today + timedelta(days=rng.randint(-60, 89)) if status == "published" and rng.random() < 0.2
                          else today + timedelta(days=rng.randint(1, 89)) if status == "published" else None)
                batch.append(Resource(
                    kind=rng.choice(["article", "playbook", "template", "checklist", "case_study"]),
                    title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))).capitalize() + f" {n}",
                    summary=text(rng, 15, 30)[:300], body=text(rng, 250, 600), status=status,
                    importance="Why it matters.", impact_customers="Customers.", impact_employees="Employees.",
                    impact_business="Business.", owner=rng.choice(self.owners), created_by=self.staff,
                    published_at=published, links_checked_at=published, next_review_on=review,
                    view_count=rng.randint(0, 500), last_viewed_on=today - timedelta(days=rng.randint(0, 300)),
                ))
            Resource.objects.bulk_create(batch, batch_size=1_000)
        added = Resource.objects.filter(pk__gt=0).order_by("pk")[first:]
        ids = list(added.values_list("pk", flat=True))
        tag_rows = [Resource.tags.through(resource_id=pk, tag_id=tag.pk)
                    for pk in ids for tag in rng.sample(tags, 3)]
        Resource.tags.through.objects.bulk_create(tag_rows, batch_size=10_000, ignore_conflicts=True)
        principle_rows = [Resource.principles.through(resource_id=pk, principle_id=rng.choice(self.principles).pk)
                          for pk in ids]
        Resource.principles.through.objects.bulk_create(principle_rows, batch_size=10_000)
        index_for_search(ids)

    def add_views(self, count: int, today) -> None:
        from django.db import connection

        from library.models import Resource

        first_resource = Resource.objects.order_by("pk").values_list("pk", flat=True).first()
        first_reader = self.readers[0].pk
        # The resources and the readers were inserted in one go each, so their ids run on without gaps.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO library_resourceview (resource_id, person_id, day) "
                "SELECT %s + (s::bigint * 7919) %% %s, %s + (s::bigint * 104729) %% %s, %s::date - (s %% 365) "
                "FROM generate_series(1, %s) s ON CONFLICT DO NOTHING",
                [first_resource, self.count, first_reader, READERS, today, count])


def query_counts(client, staff, owner) -> dict[str, int]:
    from django.urls import reverse

    pages = {
        "library list": (reverse("library:resource-list"), {}),
        "library list searched": (reverse("library:resource-list"), {"q": "empathy"}),
        "site search": (reverse("search"), {"q": "empathy"}),
        "my reviews": (reverse("library:my-reviews"), {}),
    }
    counts = {}
    for name, (url, params) in pages.items():
        client.force_login(owner if name == "my reviews" else staff)
        client.get(url, params)  # warm the caches of the first request
        counter = [0]
        with counting_queries(counter):
            response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = counter[0]
    return counts


# The same answer as search_resources: the first rows by rank, their snippets, and how many match in all.
HAND_SEARCH = """
    SELECT id, title, kind, status, next_review_on, rank, total,
           ts_headline('english', summary || E'\n' || body, query,
                       'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2')
    FROM (SELECT id, title, kind, status, next_review_on, summary, body, query,
                 ts_rank(search_vector, query) AS rank, count(*) OVER () AS total
          FROM library_resource, websearch_to_tsquery('english', %s) query
          WHERE status <> 'archived' AND search_vector @@ query
          ORDER BY rank DESC, title LIMIT %s) ranked
    ORDER BY rank DESC, title
"""

HAND_FRESHNESS = {
    "library": "SELECT count(*), count(*) FILTER (WHERE NOT coalesce(next_review_on < %s, false)) "
               "FROM library_resource WHERE status = 'published'",
    "by owner": "SELECT r.owner_id, u.display_name, u.email, count(*), count(*) FILTER (WHERE NOT "
                "coalesce(r.next_review_on < %s, false)) FROM library_resource r LEFT JOIN cxcoe_user u ON "
                "u.id = r.owner_id WHERE r.status = 'published' GROUP BY r.owner_id, u.display_name, u.email",
    "by principle": "SELECT p.id, p.title, count(*), count(*) FILTER (WHERE NOT coalesce(r.next_review_on < %s, "
                    "false)) FROM standards_principle p JOIN library_resource_principles rp ON rp.principle_id = "
                    "p.id JOIN library_resource r ON r.id = rp.resource_id AND r.status = 'published' "
                    "GROUP BY p.id, p.title",
}


def p50_pair(ours, hand, rounds: int) -> tuple[float, float]:
    """The p50 of each, the two taking turns so that both see the same noise."""
    ours_times, hand_times = [], []
    for _ in range(rounds):
        for fn, times in ((ours, ours_times), (hand, hand_times)):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
    return statistics.median(ours_times), statistics.median(hand_times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Skipped: bench/library.py needs PostgreSQL. Set DATABASE_URL=postgres://user@host:5432/any "
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
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from cxcoe.models import User
    from library import metrics
    from library.models import Resource
    from library.search import search_resources

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    failures = []
    try:
        call_command("migrate", verbosity=0)
        today = timezone.localdate()
        library = Library()
        client = Client()
        started = time.perf_counter()
        library.grow(SMALL, today)
        analyze()
        # An owner with something to review already at the small size, so both sizes show a queue.
        owner = User.objects.get(pk=Resource.objects.published().filter(
            next_review_on__lte=today + timedelta(days=30)).values_list("owner_id", flat=True).first())
        small = query_counts(client, library.staff, owner)
        library.grow(LARGE, today)
        library.add_views(VIEWS, today)
        analyze()
        print(f"Seeded {LARGE:,} resources and {VIEWS:,} view rows in {time.perf_counter() - started:.0f} s")
        large = query_counts(client, library.staff, owner)

        print(f"\n{'page':<24} {'queries at 1k':>13} {'at 100k':>8}")
        for name in small:
            print(f"{name:<24} {small[name]:>13} {large[name]:>8}")
            if small[name] != large[name]:
                failures.append(f"{name}: {small[name]} queries at 1,000, {large[name]} at 100,000")

        print(f"\n{'search':<36} {'matches':>7} {'ours ms':>8} {'SQL ms':>7} {'ratio':>6}")
        for query in QUERIES:
            hits = search_resources(library.staff, query, limit=20)[1]

            def ours(query=query):
                list(search_resources(library.staff, query, limit=20))

            def hand(query=query):
                with connection.cursor() as cursor:
                    cursor.execute(HAND_SEARCH, [query, 20])
                    cursor.fetchall()

            mine, theirs = p50_pair(ours, hand, args.rounds)
            ratio = mine / theirs
            print(f"{query:<36} {hits:>7,} {mine * 1000:>8.1f} {theirs * 1000:>7.1f} {ratio:>6.2f}")
            if ratio > TARGET_SEARCH:
                failures.append(f"search {query!r}: {ratio:.2f} x the hand-written SQL")

        print(f"\n{'freshness':<14} {'ours ms':>8} {'SQL ms':>7} {'ratio':>6}")
        ours_by = {"library": lambda: metrics.freshness(today), "by owner": lambda: metrics.freshness_by_owner(today),
                   "by principle": lambda: metrics.freshness_by_principle(today)}
        for name, fn in ours_by.items():
            def hand(name=name):
                with connection.cursor() as cursor:
                    cursor.execute(HAND_FRESHNESS[name], [today])
                    cursor.fetchall()

            mine, theirs = p50_pair(fn, hand, args.rounds)
            ratio = mine / theirs
            print(f"{name:<14} {mine * 1000:>8.1f} {theirs * 1000:>7.1f} {ratio:>6.2f}")
            if ratio > TARGET_FRESHNESS:
                failures.append(f"freshness {name}: {ratio:.2f} x the hand-written GROUP BY")
    finally:
        drop_database(url, BENCH_DB)

    print()
    for failure in failures:
        print(f"MISSED: {failure}")
    print("All targets met." if not failures else f"{len(failures)} target(s) missed.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
