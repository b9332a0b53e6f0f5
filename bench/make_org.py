#!/usr/bin/env python3
"""Write a believable organization as the two CSV files that cxcoe imports.

    python3 bench/make_org.py OUTDIR [--people N] [--units M] [--seed S]

Deterministic for a given seed. Standard library only. The columns are the import's (README: Importing
people and units). bench/import_people.py uses it for its 50,000 people.
"""
import argparse
import csv
import random
from pathlib import Path

DIVISIONS = {
    "SAL": ("Sales", ["Enterprise Sales", "Small Business Sales", "Partner Channel", "Renewals"]),
    "SUP": ("Customer Support", ["Tier 1 Support", "Tier 2 Support", "Field Service", "Support Operations"]),
    "DIG": ("Digital", ["Web & App", "Self-Service", "Digital Marketing"]),
    "OPS": ("Operations", ["Billing", "Logistics", "Onboarding", "Quality Assurance"]),
    "PRD": ("Product", ["Product Management", "Design Research", "Engineering"]),
    "COR": ("Corporate", ["People & Culture", "Finance", "Legal"]),
}
FIRST = (  # noqa: SIM905 - a line of names reads better than a list of quoted ones
    "Ada Amir Ana Ben Bianca Carlos Chen Dana Eve Farah Femi Grace Hana Hugo Ines Ivan Jade "
    "Jonas Kai Kemi Leo Lina Luca Maya Mei Nadia Noah Olivia Omar Priya Quinn Rosa Sami Sara "
    "Tariq Tom Uma Vera Wei Yara Yusuf Zoe").split()
LAST = (  # noqa: SIM905
    "Adams Ahmed Alvarez Baker Bauer Chen Costa Dubois Evans Fischer Garcia Haddad Ito Jensen "
    "Kaur Kim Kowalski Larsen Lopez Moreau Mueller Nakamura Nguyen Novak Okafor Olsen Patel "
    "Perez Rossi Santos Schmidt Silva Singh Suzuki Tanaka Walker Weber Wilson Yilmaz Zhang").split()
TITLES = ["Account Executive", "Support Specialist", "Team Lead", "Operations Analyst",
          "Product Manager", "Designer", "Engineer", "Billing Specialist", "Field Technician",
          "Customer Success Manager", "Marketing Specialist", "HR Partner", "Analyst"]


def build_units(n_units, rng):
    """A three-level tree: company, divisions, departments, then teams until n_units."""
    units = [("ACME", "Acme Communications", "")]
    for code, (name, depts) in DIVISIONS.items():
        units.append((code, name, "ACME"))
        for i, dept in enumerate(depts, 1):
            units.append((f"{code}-{i:02d}", dept, code))
    depts = [u for u in units if u[2] not in ("", "ACME")]
    t = 0
    while len(units) < n_units:
        parent = depts[t % len(depts)]
        t += 1
        units.append((f"{parent[0]}-T{t:03d}", f"{parent[1]} Team {t}", parent[0]))
    return units[:max(n_units, 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--people", type=int, default=60)
    ap.add_argument("--units", type=int, default=31)
    ap.add_argument("--seed", type=int, default=53)
    a = ap.parse_args()
    rng = random.Random(a.seed)  # noqa: S311 - a reproducible organization, not security
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)

    units = build_units(a.units, rng)
    seen, people = set(), []
    while len(people) < a.people:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}".lower() + ("" if f"{first}.{last}" not in seen else f"{len(people)}")
        seen.add(f"{first}.{last}")
        email += "@acme.example"
        unit = units[rng.randrange(1, len(units))] if len(units) > 1 else units[0]
        people.append([email, f"{first} {last}", unit[0], rng.choice(TITLES), ""])
    people[0][4] = "coe_staff"
    people[0][2] = "COR-01"
    # One leader per division and per department, taken from the people in that unit (or anyone).
    by_unit = {}
    for p in people:
        by_unit.setdefault(p[2], []).append(p[0])
    leaders = {}
    for code, _name, parent in units:
        if parent in ("", "ACME") or "-T" not in code:
            pool = by_unit.get(code) or [p[0] for p in people[1:]]
            leaders[code] = rng.choice(pool)

    with open(out / "business_units.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "parent_code", "leader_emails"])
        for code, name, parent in units:
            w.writerow([code, name, parent, leaders.get(code, "")])
    with open(out / "people.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "display_name", "bu_code", "job_title", "roles"])
        w.writerows(people)
    print(f"{len(units)} units, {len(people)} people -> {out}")


if __name__ == "__main__":
    main()
