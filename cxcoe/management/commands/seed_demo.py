"""Build the demo organization: 12 business units in three levels and 60 people. Safe to run again."""

import random
from datetime import timedelta

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from cxcoe.models import BusinessUnit, User
from cxcoe.notifications import reminders
from cxcoe.people import services

DEMO_PASSWORD = "cxcoe-demo"  # noqa: S105 - printed for the demo only

UNITS = [
    ("ACME", "Acme Communications", ""),
    ("SAL", "Sales", "ACME"),
    ("SAL-ENT", "Enterprise Sales", "SAL"),
    ("SAL-SMB", "Small Business Sales", "SAL"),
    ("SUP", "Customer Support", "ACME"),
    ("SUP-T1", "Tier 1 Support", "SUP"),
    ("SUP-FLD", "Field Service", "SUP"),
    ("DIG", "Digital", "ACME"),
    ("DIG-WEB", "Web & App", "DIG"),
    ("OPS", "Operations", "ACME"),
    ("OPS-BIL", "Billing", "OPS"),
    ("COR", "Corporate", "ACME"),
]

# (email, name, unit, title, role): the people a demo walks through.
NAMED = [
    ("olivia@acme.example", "Olivia Hart", "COR", "CX Program Lead", "coe_staff"),
    ("leo@acme.example", "Leo Marsh", "SAL", "VP Sales", "leads"),
    ("nadia@acme.example", "Nadia Brooks", "SUP", "Head of Customer Support", "leads"),
    ("amir@acme.example", "Amir Haddad", "SAL-ENT", "Account Executive", ""),
    ("bianca@acme.example", "Bianca Rossi", "SUP-T1", "Support Specialist", ""),
    ("kemi@acme.example", "Kemi Okafor", "DIG-WEB", "Product Designer", ""),
    ("tom@acme.example", "Tom Schmidt", "OPS-BIL", "Billing Specialist", ""),
    ("sara@acme.example", "Sara Lopez", "SUP-FLD", "Field Technician", ""),
    ("eve@acme.example", "Eve Walker", "SUP-T1", "Support Specialist", ""),
]
FIRST = [
    "Ada", "Ana", "Ben", "Carlos", "Chen", "Dana", "Farah", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade",
    "Jonas", "Kai", "Lina", "Luca", "Maya", "Mei", "Noah", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
    "Uma", "Vera", "Wei", "Yara", "Yusuf", "Zoe"
]
LAST = [
    "Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Ito", "Jensen", "Kaur", "Kim", "Larsen",
    "Moreau", "Nakamura", "Novak", "Patel", "Perez", "Santos", "Silva", "Singh", "Tanaka", "Weber", "Wilson",
    "Zhang"
]
TITLES = ["Account Executive", "Support Specialist", "Team Lead", "Operations Analyst", "Designer", "Engineer",
          "Billing Specialist", "Customer Success Manager", "Marketing Specialist", "Analyst"]
TOTAL_PEOPLE = 59  # plus the site admin: 60 accounts


class Command(BaseCommand):
    help = "Create or refresh the demo organization (idempotent)."

    def handle(self, *args, **options):
        self.seed()
        # The first reminders are delivered here rather than by the worker, so that `make run` prints its
        # sign-in banner after the mail they send, not under it; after the commit, so no mail goes out for
        # rows a failed seed would roll back.
        self.stdout.write(f"Demo reminders delivered: {reminders.send_reminders()}.")

    @transaction.atomic
    def seed(self) -> None:
        units = self.seed_units()
        password = make_password(DEMO_PASSWORD)
        people = self.seed_named(units, password)
        rng = random.Random(2026)  # noqa: S311 - deterministic demo names, not security
        leaf_codes = [code for code, _name, parent in UNITS if parent and parent != "ACME"]
        while len(people) < TOTAL_PEOPLE:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}@acme.example".lower()
            if email in people:
                continue
            people[email] = self.ensure_person(email, f"{first} {last}", units[rng.choice(leaf_codes)],
                                               rng.choice(TITLES), password)
        admin = self.ensure_person("admin@acme.example", "Site Admin", units["COR"], "IT Administrator", password)
        if not admin.is_superuser:
            User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
        self.schedule_reviews(units, people)
        self.stdout.write(f"Demo organization ready: {len(units)} units, {User.objects.count()} people.")
        # Each app seeds its own demo data through its AppConfig: the core never imports an app (DESIGN.md §3).
        for app_config in apps.get_app_configs():
            seed = getattr(app_config, "seed_demo", None)
            if callable(seed):
                seed(stdout=self.stdout)
        # The reminders exist from the start, once every app's data is in.
        reminders.run_all_sweeps(today=timezone.localdate())

    def schedule_reviews(self, units, people) -> None:
        """Give the demo real reviews: one coming up for Leo, one overdue (and escalated) for Nadia. The sweep
        at the end of `handle` turns them into reminders."""
        today = timezone.localdate()
        plan = {"SAL": ("leo@acme.example", 5), "SUP": ("nadia@acme.example", -16), "DIG": (None, 20)}
        for code, (owner_email, days) in plan.items():
            unit = units[code]
            if unit.next_review_on is None:
                BusinessUnit.objects.filter(pk=unit.pk).update(
                    owner=people.get(owner_email), next_review_on=today + timedelta(days=days)
                )

    def seed_units(self) -> dict[str, BusinessUnit]:
        units: dict[str, BusinessUnit] = {}
        for code, name, parent_code in UNITS:
            unit = BusinessUnit.objects.filter(code=code).first()
            if unit is None:
                unit = services.create_unit(by=None, code=code, name=name, parent=units.get(parent_code))
            units[code] = unit
        return units

    def seed_named(self, units, password) -> dict[str, User]:
        people = {}
        for email, name, unit_code, title, role in NAMED:
            person = self.ensure_person(email, name, units[unit_code], title, password)
            if role == "coe_staff":
                services.set_coe_staff(person=person, is_staff=True, by=None)
            elif role == "leads" and not units[unit_code].leaders.filter(pk=person.pk).exists():
                services.set_unit_leaders(unit=units[unit_code], leaders=[*units[unit_code].leaders.all(), person],
                                          by=None)
            people[email] = person
        return people

    def ensure_person(self, email, name, unit, title, password) -> User:
        person, _created = User.objects.get_or_create(
            email=email,
            defaults={"display_name": name, "business_unit": unit, "job_title": title, "password": password},
        )
        return person
