"""Grow the demo into a large organization, for benchmarks and for trying pages at size.

    manage.py seed_scale --size small|large

At `large`: some 500 business units, 50,000 people, and (through each app's AppConfig.seed_scale) 200
standards, 500,000 acknowledgements, 500,000 reminder-ledger rows and the audit history that goes with them.
`small` (40 units, 1,000 people, 9 more standards) is for trying it out and for the tests. The demo is
loaded first when it is not there. Rows go in with bulk inserts, all in one transaction: an interrupted run
leaves the database as it was. Deterministic, and refuses to run twice (a second run would only duplicate
names): to change the size, start again from a fresh database.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cxcoe.lib.seeding import Progress, bulk
from cxcoe.models import AuditEvent, BusinessUnit, User

from .seed_demo import DEMO_PASSWORD, FIRST, LAST, TITLES

DIVISIONS = ["SAL", "SUP", "DIG", "OPS", "COR"]  # the demo's divisions, under which the new units go
DEPARTMENT_NAMES = ["North", "South", "East", "West", "Central", "Coastal", "Metro", "Regional", "Global"]
TEAM_NAMES = ["Alpha", "Bravo", "Delta", "Echo", "Harbor", "Summit", "Valley", "Ridge", "Lakes", "Plains"]
MARKER_CODE = "SAL-NOR"  # the first unit this command makes: its presence means it already ran


@dataclass(frozen=True)
class Size:
    departments: int  # per division
    teams: int  # per department
    people: int
    scale: float  # what each app multiplies its own large figures by


SIZES = {"large": Size(departments=9, teams=10, people=50_000, scale=1.0),
         "small": Size(departments=2, teams=3, people=1_000, scale=0.05)}


class Command(BaseCommand):
    help = "Grow the demo organization to a large one (500 units, 50,000 people and the apps' data)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="large")

    def handle(self, *args, size: str, **options):
        if not BusinessUnit.objects.filter(code="ACME").exists():
            call_command("seed_demo", stdout=self.stdout)
        if BusinessUnit.objects.filter(code=MARKER_CODE).exists():
            raise CommandError("seed_scale already ran on this database; to change its size, start from a new one "
                               "(delete var/ in the embedded mode, or drop the database) and run it once.")
        progress = Progress(self.stdout)
        self.stdout.write(f"Growing the demo to the {size} organization:")
        with transaction.atomic():
            rng = random.Random(2026)  # noqa: S311 - deterministic sample data, not security
            teams = self.seed_units(SIZES[size], rng, progress)
            self.seed_people(SIZES[size], teams, rng, progress)
            for app_config in apps.get_app_configs():
                seed = getattr(app_config, "seed_scale", None)
                if callable(seed):
                    seed(scale=SIZES[size].scale, rng=rng, progress=progress)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # the planner must know the tables are big now
            progress("ANALYZE", 1)
        self.stdout.write(f"Done in {progress.total():.0f} s: {BusinessUnit.objects.count():,} units, "
                          f"{User.objects.count():,} people.")

    def seed_units(self, size: Size, rng: random.Random, progress: Progress) -> list[BusinessUnit]:
        divisions = {unit.code: unit for unit in BusinessUnit.objects.filter(code__in=DIVISIONS)}
        departments = []
        for code in DIVISIONS:
            division = divisions[code]
            for name in DEPARTMENT_NAMES[:size.departments]:
                dept_code = f"{code}-{name[:3].upper()}"
                departments.append(BusinessUnit(code=dept_code, name=f"{division.name} {name}", parent=division,
                                                path=BusinessUnit.path_for(dept_code, division), depth=2))
        departments = bulk(BusinessUnit, departments)
        teams = []
        for department in departments:
            for name in TEAM_NAMES[:size.teams]:
                team_code = f"{department.code}-{name[:3].upper()}"
                teams.append(BusinessUnit(code=team_code, name=f"{department.name} {name}", parent=department,
                                          path=BusinessUnit.path_for(team_code, department), depth=3))
        teams = bulk(BusinessUnit, teams)
        unit_type = ContentType.objects.get_for_model(BusinessUnit)
        bulk(AuditEvent, (AuditEvent(verb="unit.created", target_type=unit_type, target_id=str(unit.pk),
                                     target_label=unit.name,
                                     details={"code": unit.code, "parent": unit.parent.code if unit.parent else ""})
                          for unit in departments + teams))
        progress("business units", len(departments) + len(teams))
        return teams

    def seed_people(self, size: Size, teams: list[BusinessUnit], rng: random.Random, progress: Progress) -> None:
        password = make_password(DEMO_PASSWORD)
        joined = timezone.now()
        people = bulk(User, (User(email=f"{rng.choice(FIRST)}.{rng.choice(LAST)}.{number}@acme.example".lower(),
                                  display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", password=password,
                                  business_unit=teams[number % len(teams)], job_title=rng.choice(TITLES),
                                  date_joined=joined)
                             for number in range(size.people)))
        # Directory addresses count as verified, as the import writes them.
        bulk(EmailAddress, (EmailAddress(user_id=person.pk, email=person.email, verified=True, primary=True)
                            for person in people))
        user_type = ContentType.objects.get_for_model(User)
        bulk(AuditEvent, (AuditEvent(verb="person.created", target_type=user_type, target_id=str(person.pk),
                                     target_label=person.display_name,
                                     details={"email": person.email, "unit": person.business_unit.code})
                          for person in people))
        progress("people", len(people))
        # The first person of each team leads it, and the first of each department's first team leads that too.
        by_unit: dict[int, User] = {}
        for person in people:
            by_unit.setdefault(person.business_unit_id, person)
        through = BusinessUnit.leaders.through
        links = [through(businessunit_id=team.pk, user_id=by_unit[team.pk].pk) for team in teams if team.pk in by_unit]
        departments = {team.parent_id: by_unit.get(team.pk) for team in reversed(teams) if team.parent_id}
        links += [through(businessunit_id=dept, user_id=leader.pk) for dept, leader in departments.items() if leader]
        bulk(through, links)
        # Each department's review: owned by its leader, one in four overdue.
        today = timezone.localdate()
        for number, (dept, leader) in enumerate(departments.items()):
            BusinessUnit.objects.filter(pk=dept).update(
                owner=leader, next_review_on=today + timedelta(days=(-10 if number % 4 == 0 else 40)))
        progress("unit leaders", len(links))
