"""Import business units and people from CSV: validate into a preview, then apply all or nothing.

The two formats are described in the shared data README (`business_units.csv`: code, name,
parent_code, leader_emails; `people.csv`: email, display_name, bu_code, job_title, roles). A job runs
in two steps, each a Celery task in the UI and a plain call in `manage.py import_org`:

1. `validate_import` reads the files, checks every row against the files and the database, and stores
   the per-row errors or the counts of what applying would change. It writes nothing but the job.
2. `apply_import` checks again against the database as it is now, then writes everything in one
   transaction with bulk queries, or, if there are errors now, nothing.

Rules worth knowing:

- Upserts are keyed on the unit code (upper-cased) and on the email (lower-cased).
- An optional column that is absent from a file is left alone in the database: without a `job_title`
  column job titles stay as they are, without `leader_emails` leaders stay, without `parent_code`
  existing units keep their parent. An empty cell in a present column does set the empty value.
- Units missing from the units file are left alone; units are archived by hand.
- The CoE staff role: the `roles` column grants it. It revokes it only on a full import, that is with
  `deactivate_missing` set and a `roles` column in the people file: then people in the file without
  `coe_staff` lose the role. A partial file (one team, say) must not strip the CoE of its staff.
- `deactivate_missing` deactivates active people who are not in the people file, never the people who
  started or applied the job, nor site admins (superusers), who are often not in an HR export. It
  needs a people file. A leader named in the units file must then be in the people file too, or the
  import would leave a unit led by a deactivated person.
- People in the file who were deactivated are reactivated. Their password stays unusable: they sign in
  again through "Forgot password" or single sign-on.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, NamedTuple

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..audit import record_event, record_events
from ..lib import queueing
from ..lib.csvexport import FORMULA_PREFIXES
from ..models import COE_STAFF_GROUP, AuditEvent, BusinessUnit, ImportJob, User, unit_code_validator
from ..people import services

logger = logging.getLogger(__name__)

UNIT_COLUMNS = {"code": True, "name": True, "parent_code": False, "leader_emails": False}
PEOPLE_COLUMNS = {"email": True, "display_name": True, "bu_code": True, "job_title": False, "roles": False}
ROLE_COE_STAFF = "coe_staff"
LIST_SEPARATOR = ";"
MAX_STORED_ERRORS = 500
PROGRESS_EVERY = 1000
BATCH_SIZE = 1000
# SQLite refuses statements with more than a few thousand parameters; keep `pk__in` lists short.
ID_CHUNK = 500
SAMPLE_SIZE = 20
PROGRESS_TIMEOUT = 24 * 3600



def _max_length(model, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


UNIT_NAME_MAX = _max_length(BusinessUnit, "name")
UNIT_PATH_MAX = _max_length(BusinessUnit, "path")
EMAIL_MAX = _max_length(User, "email")
DISPLAY_NAME_MAX = _max_length(User, "display_name")
JOB_TITLE_MAX = _max_length(User, "job_title")

PHASES = {
    "checking": gettext_lazy("Checking rows"),
    "units": gettext_lazy("Writing business units"),
    "people": gettext_lazy("Writing people"),
    "leaders": gettext_lazy("Writing unit leaders"),
    "roles": gettext_lazy("Writing roles"),
    "deactivating": gettext_lazy("Deactivating missing people"),
}

UNITS_FILE = "business_units.csv"
PEOPLE_FILE = "people.csv"


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def read_progress(job: ImportJob) -> dict[str, Any] | None:
    """The running job's progress as the worker last wrote it: phase, done, total and percent."""
    progress = cache.get(progress_key(job.pk))
    if not progress:
        return None
    total = max(progress.get("total") or 0, 1)
    return {**progress, "percent": min(100, int(100 * progress.get("done", 0) / total)),
            "label": PHASES.get(progress.get("phase"), progress.get("phase"))}


class _Progress:
    """Writes (phase, done, total) to the cache every PROGRESS_EVERY rows, so the web can show a bar."""

    def __init__(self, job_id: int, total: int):
        self.job_id = job_id
        self.total = max(total, 1)
        self.done = 0
        self.phase = ""
        self._written = 0

    def start(self, phase: str, total: int | None = None) -> None:
        self.phase = phase
        if total is not None:
            self.total, self.done, self._written = max(total, 1), 0, 0
        self._write()

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.done - self._written >= PROGRESS_EVERY:
            self._write()

    def _write(self) -> None:
        self._written = self.done
        cache.set(progress_key(self.job_id), {"phase": self.phase, "done": min(self.done, self.total),
                                              "total": self.total}, PROGRESS_TIMEOUT)


class _Error(NamedTuple):
    rank: int  # errors about the job as a whole sort first (-1), then the units file (0), then the people file (1)
    line: int
    stored: dict[str, Any]


class _Errors:
    def __init__(self) -> None:
        self.items: list[_Error] = []

    def add(self, source: _Source | None, line: int | None, column: str, message: str) -> None:
        rank = source.rank if source else -1
        self.items.append(_Error(rank, line or 0, {"file": source.name if source else "", "line": line,
                                                   "column": column, "message": str(message)}))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[dict[str, Any]]:
        return [error.stored for error in sorted(self.items, key=lambda error: (error.rank, error.line))]


@dataclass
class _Source:
    name: str
    rank: int
    columns: set[str] = field(default_factory=set)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


@dataclass
class _UnitRow:
    line: int
    code: str
    name: str
    parent_code: str | None  # None: the file has no parent_code column
    leader_emails: list[str] | None  # None: the file has no leader_emails column


@dataclass
class _PersonRow:
    line: int
    email: str
    display_name: str
    bu_code: str
    job_title: str | None  # None: the file has no job_title column
    is_coe_staff: bool | None  # None: the file has no roles column


@dataclass
class _Checked:
    """The files after each row's own checks, and the job's options: what the later checks and the diff read."""

    units_source: _Source | None
    people_source: _Source | None
    units: dict[str, _UnitRow]  # by code: the first row of each valid code
    unit_rows: list[_UnitRow]  # every row, for the checks that report on each line
    people: dict[str, _PersonRow]  # by email: the first row of each valid address
    people_rows: list[_PersonRow]
    deactivate_missing: bool
    protected: set[int]  # user pks never deactivated nor stripped of the staff role: the job's people, superusers

    @property
    def will_deactivate_missing(self) -> bool:
        """The option does nothing without a people file (the plan reports that as an error)."""
        return self.deactivate_missing and self.people_source is not None

    @property
    def may_revoke_staff(self) -> bool:
        """Only a full import revokes the role: a partial file must not strip the CoE of its staff."""
        return self.deactivate_missing and self.people_source is not None and "roles" in self.people_source.columns

    @property
    def needs_people(self) -> bool:
        return self.people_source is not None or any(row.leader_emails for row in self.unit_rows)

    @property
    def row_counts(self) -> dict[str, int]:
        return {"units": len(self.units_source.rows) if self.units_source else 0,
                "people": len(self.people_source.rows) if self.people_source else 0}


class _DbUnit(NamedTuple):
    pk: int
    name: str
    parent_pk: int | None
    path: str


class _DbPerson(NamedTuple):
    pk: int
    display_name: str
    unit_pk: int | None
    job_title: str
    is_active: bool


@dataclass
class _Snapshot:
    """What the database holds now, loaded once with a few flat queries."""

    units: dict[str, _DbUnit]  # by code
    unit_codes: dict[int, str]
    people: dict[str, _DbPerson]  # by lower-cased email
    emails: dict[int, str]
    staff_ids: set[int]
    leaders: dict[int, dict[int, int]]  # unit pk -> {user pk: through-row pk}


class _NewUnit(NamedTuple):
    code: str
    name: str
    parent_code: str | None
    path: str


class _UnitChange(NamedTuple):
    pk: int
    name: str
    parent_code: str | None
    path: str


class _PersonChange(NamedTuple):
    pk: int
    display_name: str
    unit_code: str
    job_title: str
    was_inactive: bool


class _NewLeader(NamedTuple):
    unit_code: str
    email: str


@dataclass
class _Plan:
    errors: list[dict[str, Any]]
    error_count: int
    summary: dict[str, Any]
    snapshot: _Snapshot
    new_units: list[_NewUnit] = field(default_factory=list)
    changed_units: list[_UnitChange] = field(default_factory=list)
    new_people: list[_PersonRow] = field(default_factory=list)
    changed_people: list[_PersonChange] = field(default_factory=list)
    leaders_added: list[_NewLeader] = field(default_factory=list)
    leaders_removed: list[int] = field(default_factory=list)  # through-row pks
    granted: list[str] = field(default_factory=list)  # emails
    revoked: list[int] = field(default_factory=list)  # user pks
    deactivated: list[int] = field(default_factory=list)  # user pks

    @property
    def write_count(self) -> int:
        """How many rows applying writes, for the progress bar."""
        return (len(self.new_units) + len(self.changed_units) + len(self.new_people) + len(self.changed_people)
                + len(self.leaders_added) + len(self.leaders_removed) + len(self.granted) + len(self.revoked)
                + len(self.deactivated))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def _names(items: Iterable[str]) -> str:
    return ", ".join(items)


def _email_problem(email: str) -> str | None:
    if len(email) > EMAIL_MAX:
        return _("%(email)s is longer than %(max)d characters.") % {"email": email[:40] + "…", "max": EMAIL_MAX}
    try:
        validate_email(email)
    except ValidationError:
        return _("%(email)s is not a valid email address.") % {"email": email}
    return None


def _too_long(max_length: int) -> str:
    return _("Use at most %(max)d characters.") % {"max": max_length}


def _cell(value: str) -> str:
    """A cell's text. Our own exports put an apostrophe before formula-like text; take it off again."""
    value = value.strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _read_table(text: str, *, source: _Source, spec: dict[str, bool], errors: _Errors, progress: _Progress) -> None:
    """Fill `source` with the rows of one CSV file, keyed by column name, with the line each starts on."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            errors.add(source, 1, "", _("The file is empty. Its first line must name the columns."))
            return
        names = [cell.strip().lower() for cell in header]
        missing = [name for name, required in spec.items() if required and name not in names]
        unknown = [cell.strip() or _("(no name)") for cell, name in zip(header, names, strict=True) if name not in spec]
        repeated = sorted({name for name in names if name in spec and names.count(name) > 1})
        if missing:
            errors.add(source, 1, _names(missing), ngettext(
                "The required column %(names)s is missing.", "The required columns %(names)s are missing.",
                len(missing)) % {"names": _names(missing)})
        if unknown:
            errors.add(source, 1, _names(unknown), ngettext(
                "Unknown column %(names)s. The columns are: %(expected)s.",
                "Unknown columns %(names)s. The columns are: %(expected)s.",
                len(unknown)) % {"names": _names(unknown), "expected": _names(spec)})
        if repeated:
            errors.add(source, 1, _names(repeated), _("These columns appear twice: %(names)s.")
                       % {"names": _names(repeated)})
        if missing or unknown or repeated:
            return
        source.columns = set(names)
        width = len(names)
        next_line = reader.line_num + 1
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            progress.step()
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                errors.add(source, line, "", _("This line has %(count)d values but the header has %(width)d.")
                           % {"count": len(cells), "width": width})
                continue
            cells = cells + [""] * (width - len(cells))
            source.rows.append((line, {name: _cell(cell) for name, cell in zip(names, cells, strict=False)}))
    except csv.Error as exc:
        errors.add(source, reader.line_num, "", _("This line cannot be read as CSV: %(error)s") % {"error": exc})


def _check_unit_rows(source: _Source, errors: _Errors) -> tuple[dict[str, _UnitRow], list[_UnitRow]]:
    """Check each row on its own; cross-row and database checks come later, on every row (the list)."""
    units: dict[str, _UnitRow] = {}
    rows: list[_UnitRow] = []
    has_parent, has_leaders = "parent_code" in source.columns, "leader_emails" in source.columns
    for line, row in source.rows:
        code = row["code"].upper()
        code_ok = False
        if not code:
            errors.add(source, line, "code", _("A code is required."))
        elif code in units:
            errors.add(source, line, "code", _("The code %(code)s is already on line %(line)d.")
                       % {"code": code, "line": units[code].line})
        else:
            try:
                unit_code_validator(code)
                code_ok = True
            except ValidationError as exc:
                errors.add(source, line, "code", f"{code}: {exc.messages[0]}")
        name = row["name"]
        if not name:
            errors.add(source, line, "name", _("A name is required."))
        elif len(name) > UNIT_NAME_MAX:
            errors.add(source, line, "name", _too_long(UNIT_NAME_MAX))
        parent = row["parent_code"].upper() if has_parent else None
        if parent and parent == code:
            errors.add(source, line, "parent_code", _("A unit cannot be its own parent."))
        leaders = None
        if has_leaders:
            leaders = []
            for email in dict.fromkeys(email.lower() for email in _split_list(row["leader_emails"])):
                if problem := _email_problem(email):
                    errors.add(source, line, "leader_emails", problem)
                else:
                    leaders.append(email)
        rows.append(_UnitRow(line, code, name, parent, leaders))
        if code_ok:
            units[code] = rows[-1]
    return units, rows


def _check_people_rows(source: _Source, errors: _Errors) -> tuple[dict[str, _PersonRow], list[_PersonRow]]:
    people: dict[str, _PersonRow] = {}
    rows: list[_PersonRow] = []
    has_title, has_roles = "job_title" in source.columns, "roles" in source.columns
    for line, row in source.rows:
        email = row["email"].lower()
        email_ok = False
        if not email:
            errors.add(source, line, "email", _("An email address is required."))
        elif problem := _email_problem(email):
            errors.add(source, line, "email", problem)
        elif email in people:
            errors.add(source, line, "email", _("%(email)s is already on line %(line)d.")
                       % {"email": email, "line": people[email].line})
        else:
            email_ok = True
        display_name = row["display_name"]
        if not display_name:
            errors.add(source, line, "display_name", _("A name is required."))
        elif len(display_name) > DISPLAY_NAME_MAX:
            errors.add(source, line, "display_name", _too_long(DISPLAY_NAME_MAX))
        bu_code = row["bu_code"].upper()
        if not bu_code:
            errors.add(source, line, "bu_code", _("A business unit code is required."))
        job_title = row["job_title"] if has_title else None
        if job_title and len(job_title) > JOB_TITLE_MAX:
            errors.add(source, line, "job_title", _too_long(JOB_TITLE_MAX))
        is_coe_staff = None
        if has_roles:
            roles = {role.lower() for role in _split_list(row["roles"])}
            if unknown := sorted(roles - {ROLE_COE_STAFF}):
                errors.add(source, line, "roles", _("Unknown role %(names)s. The only role is %(role)s; leaders come "
                                                    "from the units file.") % {"names": _names(unknown),
                                                                                "role": ROLE_COE_STAFF})
            is_coe_staff = ROLE_COE_STAFF in roles
        rows.append(_PersonRow(line, email, display_name, bu_code, job_title, is_coe_staff))
        if email_ok:
            people[email] = rows[-1]
    return people, rows


def _load_snapshot(*, with_people: bool) -> _Snapshot:
    units: dict[str, _DbUnit] = {}
    unit_codes: dict[int, str] = {}
    for pk, code, name, parent_id, path in BusinessUnit.objects.values_list("pk", "code", "name", "parent", "path"):
        units[code] = _DbUnit(pk, name, parent_id, path)
        unit_codes[pk] = code
    people: dict[str, _DbPerson] = {}
    emails: dict[int, str] = {}
    staff_ids: set[int] = set()
    leaders: dict[int, dict[int, int]] = defaultdict(dict)
    if with_people:
        rows = User.objects.order_by().values_list("pk", "email", "display_name", "business_unit", "job_title",
                                                   "is_active")
        for pk, email, display_name, unit_id, job_title, is_active in rows.iterator(chunk_size=5000):
            people[email.lower()] = _DbPerson(pk, display_name, unit_id, job_title, is_active)
            emails[pk] = email.lower()
        staff_ids = set(User.groups.through.objects.filter(group__name=COE_STAFF_GROUP)
                        .values_list("user_id", flat=True))
        for pk, unit_id, user_id in BusinessUnit.leaders.through.objects.values_list("pk", "businessunit_id",
                                                                                      "user_id"):
            leaders[unit_id][user_id] = pk
    return _Snapshot(units, unit_codes, people, emails, staff_ids, leaders)


def _final_tree(units: dict[str, _UnitRow], db: _Snapshot) -> dict[str, str | None]:
    """Every unit's parent code once the file is applied: the file's word for its rows, the database's for the rest."""
    parents = {code: db.unit_codes.get(unit.parent_pk) if unit.parent_pk else None
               for code, unit in db.units.items()}
    for code, row in units.items():
        if row.parent_code is not None:
            parents[code] = row.parent_code or None
        else:
            parents.setdefault(code, None)
    return parents


def _find_cycles(parents: dict[str, str | None], starts: Iterable[str]) -> list[list[str]]:
    cycles, done = [], set()
    for start in starts:
        trail: list[str] = []
        on_trail: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in on_trail:
                cycles.append(trail[trail.index(node):])
                break
            on_trail.add(node)
            trail.append(node)
            node = parents.get(node)
        done.update(trail)
    return cycles


def _paths(parents: dict[str, str | None]) -> dict[str, str]:
    """Materialized paths for a forest (no cycles): "/ROOT/CHILD/"."""
    paths: dict[str, str] = {}
    for start in parents:
        trail = []
        node: str | None = start
        while node is not None and node not in paths:
            trail.append(node)
            node = parents.get(node)
        prefix = paths[node] if node is not None else "/"
        for code in reversed(trail):
            prefix = paths[code] = f"{prefix}{code}/"
    return paths


def _check_references(checked: _Checked, *, db: _Snapshot, errors: _Errors) -> dict[str, str | None]:
    """The checks that need both files and the database. Returns the final tree of unit codes."""
    _check_parents_exist(checked, db=db, errors=errors)
    parents = _final_tree(checked.units, db)
    for code, parent in parents.items():
        if parent is not None and (parent not in parents or parent == code):
            parents[code] = None  # already reported; treat as a root so the other checks can go on
    _check_loops(checked, parents=parents, errors=errors)
    _check_people_units_exist(checked, db=db, errors=errors)
    _check_leaders_active(checked, db=db, errors=errors)
    if not errors:  # only a sound tree has paths: _paths would never end on a loop
        _check_depth(checked, parents=parents, errors=errors)
    return parents


def _check_parents_exist(checked: _Checked, *, db: _Snapshot, errors: _Errors) -> None:
    for row in checked.unit_rows:
        if row.parent_code and row.parent_code != row.code and row.parent_code not in checked.units \
                and row.parent_code not in db.units:
            errors.add(checked.units_source, row.line, "parent_code",
                       _("No business unit with the code %(code)s in this file or in cxcoe.")
                       % {"code": row.parent_code})


def _check_loops(checked: _Checked, *, parents: dict[str, str | None], errors: _Errors) -> None:
    for cycle in _find_cycles(parents, checked.units):
        loop = " → ".join([*cycle, cycle[0]])
        for code in cycle:
            if code in checked.units:
                errors.add(checked.units_source, checked.units[code].line, "parent_code",
                           _("These parents make a loop: %(loop)s.") % {"loop": loop})


def _check_people_units_exist(checked: _Checked, *, db: _Snapshot, errors: _Errors) -> None:
    for person in checked.people_rows:
        if person.bu_code and person.bu_code not in checked.units and person.bu_code not in db.units:
            errors.add(checked.people_source, person.line, "bu_code",
                       _("No business unit with the code %(code)s in the units file or in cxcoe.")
                       % {"code": person.bu_code})


def _check_leaders_active(checked: _Checked, *, db: _Snapshot, errors: _Errors) -> None:
    """Every leader must be active after the import: in the people file, or active and not about to leave."""
    for row in checked.unit_rows:
        unknown, inactive = [], []
        for email in row.leader_emails or ():
            if email in checked.people:
                continue
            current = db.people.get(email)
            if current is None:
                unknown.append(email)
            elif not current.is_active or (checked.will_deactivate_missing and current.pk not in checked.protected):
                inactive.append(email)
        if unknown:
            errors.add(checked.units_source, row.line, "leader_emails",
                       _("No person with the email %(emails)s in the people file or in cxcoe.")
                       % {"emails": _names(unknown)})
        if inactive:
            errors.add(checked.units_source, row.line, "leader_emails",
                       _("%(emails)s would not be active after this import, so cannot lead a unit. Add them to the "
                         "people file.") % {"emails": _names(inactive)})


def _check_depth(checked: _Checked, *, parents: dict[str, str | None], errors: _Errors) -> None:
    """A path that is too long is reported on the nearest unit at or above it that the file names, once per unit."""
    too_deep: set[str] = set()
    for code, path in _paths(parents).items():
        if len(path) > UNIT_PATH_MAX:
            node: str | None = code
            while node is not None and node not in checked.units:
                node = parents.get(node)
            if node is not None and node not in too_deep:
                too_deep.add(node)
                errors.add(checked.units_source, checked.units[node].line, "parent_code",
                           _("This puts units too many levels deep (the path is longer than %(max)d characters).")
                           % {"max": UNIT_PATH_MAX})


def _diff_units(plan: _Plan, *, units: dict[str, _UnitRow], parents: dict[str, str | None],
                db: _Snapshot) -> dict[str, int]:
    unit_counts = {"created": 0, "updated": 0, "unchanged": 0}
    # Every unit whose path changes is written, including the descendants of a moved unit that the file never names.
    for code, path in sorted(_paths(parents).items(), key=lambda item: item[1].count("/")):
        row = units.get(code)
        if code not in db.units:
            plan.new_units.append(_NewUnit(code, units[code].name, parents[code], path))
            unit_counts["created"] += 1
            continue
        current = db.units[code]
        new_name = row.name if row else current.name
        old_parent = db.unit_codes.get(current.parent_pk) if current.parent_pk else None
        if new_name != current.name or parents[code] != old_parent or path != current.path:
            plan.changed_units.append(_UnitChange(current.pk, new_name, parents[code], path))
        if row:
            unit_counts["updated" if new_name != current.name or parents[code] != old_parent else "unchanged"] += 1
    return unit_counts


def _diff_people(plan: _Plan, checked: _Checked, *, db: _Snapshot) -> tuple[dict[str, int], dict[str, int]]:
    people_counts = {"created": 0, "updated": 0, "unchanged": 0, "reactivated": 0, "deactivated": 0}
    for email, person in checked.people.items():
        current = db.people.get(email)
        if current is None:
            plan.new_people.append(person)
            people_counts["created"] += 1
            if person.is_coe_staff:
                plan.granted.append(email)
            continue
        new_title = current.job_title if person.job_title is None else person.job_title
        unit_code = db.unit_codes.get(current.unit_pk) if current.unit_pk else None
        if (person.display_name, person.bu_code, new_title, True) != (current.display_name, unit_code,
                                                                      current.job_title, current.is_active):
            plan.changed_people.append(_PersonChange(current.pk, person.display_name, person.bu_code, new_title,
                                                     not current.is_active))
            people_counts["updated"] += 1
            people_counts["reactivated"] += 0 if current.is_active else 1
        else:
            people_counts["unchanged"] += 1
        if person.is_coe_staff and current.pk not in db.staff_ids:
            plan.granted.append(email)
        elif checked.may_revoke_staff and person.is_coe_staff is False and current.pk in db.staff_ids \
                and current.pk not in checked.protected:
            plan.revoked.append(current.pk)

    if checked.will_deactivate_missing:
        leaving = sorted((email, current.pk) for email, current in db.people.items()
                         if current.is_active and email not in checked.people and current.pk not in checked.protected)
        plan.deactivated = [pk for _email, pk in leaving]
        people_counts["deactivated"] = len(leaving)
        plan.summary["deactivated_sample"] = [email for email, _pk in leaving[:SAMPLE_SIZE]]
    return people_counts, {"granted": len(plan.granted), "revoked": len(plan.revoked)}


def _diff_leaders(plan: _Plan, *, units: dict[str, _UnitRow], db: _Snapshot) -> dict[str, int]:
    """The leaders named for a unit in the file replace its leaders; units without the column keep theirs."""
    for code, row in units.items():
        if row.leader_emails is None:
            continue
        current: dict[str, int] = {}
        if code in db.units:
            current = {db.emails[user_id]: through_pk
                       for user_id, through_pk in db.leaders.get(db.units[code].pk, {}).items()}
        wanted = set(row.leader_emails)
        plan.leaders_added.extend(_NewLeader(code, email) for email in row.leader_emails if email not in current)
        plan.leaders_removed.extend(through_pk for email, through_pk in current.items() if email not in wanted)
    return {"added": len(plan.leaders_added), "removed": len(plan.leaders_removed)}


def _diff(plan: _Plan, checked: _Checked, *, parents: dict[str, str | None], db: _Snapshot) -> None:
    """Fill the plan with what applying would write, and its summary with the counts."""
    unit_counts = _diff_units(plan, units=checked.units, parents=parents, db=db)
    people_counts, role_counts = _diff_people(plan, checked, db=db)
    leader_counts = _diff_leaders(plan, units=checked.units, db=db)
    plan.summary.update(units=unit_counts, people=people_counts, leaders=leader_counts, roles=role_counts)


def _check_files(job: ImportJob, *, errors: _Errors, progress: _Progress) -> _Checked:
    """Read the job's files and check each row on its own."""
    units_source = _Source(job.units_filename or UNITS_FILE, 0) if job.units_csv else None
    people_source = _Source(job.people_filename or PEOPLE_FILE, 1) if job.people_csv else None
    if units_source is None and people_source is None:
        errors.add(None, None, "", _("Upload a business units file, a people file, or both."))
    if job.deactivate_missing and people_source is None:
        errors.add(None, None, "", _("Deactivating missing people needs a people file: without one, everyone "
                                     "would be missing."))
    progress.start("checking", total=job.units_csv.count("\n") + job.people_csv.count("\n"))
    units: dict[str, _UnitRow] = {}
    people: dict[str, _PersonRow] = {}
    unit_rows: list[_UnitRow] = []
    people_rows: list[_PersonRow] = []
    if units_source:
        _read_table(job.units_csv, source=units_source, spec=UNIT_COLUMNS, errors=errors, progress=progress)
        units, unit_rows = _check_unit_rows(units_source, errors)
    if people_source:
        _read_table(job.people_csv, source=people_source, spec=PEOPLE_COLUMNS, errors=errors, progress=progress)
        people, people_rows = _check_people_rows(people_source, errors)
    protected = {pk for pk in (job.created_by_id, job.applied_by_id) if pk}
    protected |= set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
    return _Checked(units_source=units_source, people_source=people_source, units=units, unit_rows=unit_rows,
                    people=people, people_rows=people_rows, deactivate_missing=job.deactivate_missing,
                    protected=protected)


def _plan(job: ImportJob, *, progress: _Progress) -> _Plan:
    """Check the job's files against the database as it is now; nothing is written."""
    errors = _Errors()
    checked = _check_files(job, errors=errors, progress=progress)
    db = _load_snapshot(with_people=checked.needs_people)
    parents = _check_references(checked, db=db, errors=errors)
    summary: dict[str, Any] = {"rows": checked.row_counts}
    if errors:
        return _Plan(errors=errors.sorted()[:MAX_STORED_ERRORS], error_count=len(errors), summary=summary,
                     snapshot=db)
    plan = _Plan(errors=[], error_count=0, summary=summary, snapshot=db)
    _diff(plan, checked, parents=parents, db=db)
    return plan


def _fill_pks(objects: list, model, key: str) -> None:
    """bulk_create sets pks where the database returns them (PostgreSQL, SQLite 3.35+); look up any it did not."""
    missing = {getattr(obj, key): obj for obj in objects if obj.pk is None}
    for chunk in _chunks(missing, ID_CHUNK):
        for value, pk in model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"):
            missing[value].pk = pk


def _write(plan: _Plan, *, job: ImportJob, actor: User | None, progress: _Progress) -> None:
    """Apply a checked plan with bulk queries. Runs inside the caller's transaction."""
    progress.start("units", total=plan.write_count)
    unit_ids = _create_units(plan.new_units, db=plan.snapshot, progress=progress)
    _update_units(plan.changed_units, unit_ids=unit_ids, progress=progress)
    progress.start("people")
    user_ids = {email: person.pk for email, person in plan.snapshot.people.items()}
    user_ids.update(_create_people(plan.new_people, unit_ids=unit_ids, progress=progress))
    _update_people(plan.changed_people, unit_ids=unit_ids, progress=progress)
    progress.start("leaders")
    leader_changes = _replace_leaders(plan, unit_ids=unit_ids, user_ids=user_ids, progress=progress)
    progress.start("roles")
    _grant_and_revoke_staff(plan, user_ids=user_ids, progress=progress)
    _record_audit(plan, user_ids=user_ids, leader_changes=leader_changes, job=job, actor=actor)
    progress.start("deactivating")
    _deactivate_missing(plan.deactivated, job=job, actor=actor, progress=progress)


def _create_units(new_units: list[_NewUnit], *, db: _Snapshot, progress: _Progress) -> dict[str, int]:
    """Write the new units; return the pk of every unit, old and new, by code."""
    unit_ids = {code: unit.pk for code, unit in db.units.items()}
    by_depth: dict[int, list[_NewUnit]] = defaultdict(list)
    for new_unit in new_units:
        by_depth[new_unit.path.count("/")].append(new_unit)
    for depth in sorted(by_depth):
        # One level at a time, so every parent has its pk before its children are written.
        created = [BusinessUnit(code=unit.code, name=unit.name,
                                parent_id=unit_ids[unit.parent_code] if unit.parent_code else None,
                                path=unit.path, depth=unit.path.count("/") - 2) for unit in by_depth[depth]]
        BusinessUnit.objects.bulk_create(created, batch_size=BATCH_SIZE)
        _fill_pks(created, BusinessUnit, "code")
        unit_ids.update((unit.code, unit.pk) for unit in created)
        progress.step(len(created))
    return unit_ids


def _update_units(changes: list[_UnitChange], *, unit_ids: dict[str, int], progress: _Progress) -> None:
    # A moved unit's descendants are in the changes too, each with its full new path.
    changed = [BusinessUnit(pk=unit.pk, name=unit.name,
                            parent_id=unit_ids[unit.parent_code] if unit.parent_code else None,
                            path=unit.path, depth=unit.path.count("/") - 2) for unit in changes]
    BusinessUnit.objects.bulk_update(changed, ["name", "parent", "path", "depth"], batch_size=BATCH_SIZE)
    progress.step(len(changed))


def _create_people(rows: list[_PersonRow], *, unit_ids: dict[str, int], progress: _Progress) -> dict[str, int]:
    """Write the new people and their email addresses; return their pks by email."""
    created: dict[str, int] = {}
    for chunk in _chunks(rows, BATCH_SIZE):
        # An unusable password: new people sign in through "Forgot password" or single sign-on.
        unusable = make_password(None)
        new_people = [User(email=row.email, display_name=row.display_name, business_unit_id=unit_ids[row.bu_code],
                           job_title=row.job_title or "", password=unusable, is_active=True) for row in chunk]
        User.objects.bulk_create(new_people)
        _fill_pks(new_people, User, "email")
        # The directory vouches for these addresses (services.verify_directory_address says why).
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=person.pk, email=person.email, verified=True, primary=True) for person in new_people],
            ignore_conflicts=True,
        )
        created.update((person.email, person.pk) for person in new_people)
        progress.step(len(new_people))
    return created


def _update_people(changes: list[_PersonChange], *, unit_ids: dict[str, int], progress: _Progress) -> None:
    for chunk in _chunks(changes, BATCH_SIZE):
        updated = [User(pk=change.pk, display_name=change.display_name, business_unit_id=unit_ids[change.unit_code],
                        job_title=change.job_title, is_active=True, deactivated_at=None) for change in chunk]
        fields = ["display_name", "business_unit", "job_title"]
        if any(change.was_inactive for change in chunk):
            fields += ["is_active", "deactivated_at"]
        User.objects.bulk_update(updated, fields)
        progress.step(len(chunk))


@dataclass
class _LeaderChange:
    added: list[int] = field(default_factory=list)  # user pks
    removed: list[int] = field(default_factory=list)  # user pks


def _replace_leaders(plan: _Plan, *, unit_ids: dict[str, int], user_ids: dict[str, int],
                     progress: _Progress) -> dict[int, _LeaderChange]:
    """Add and remove unit leaders; return who was added and removed, by unit pk, for the audit."""
    leadership = BusinessUnit.leaders.through
    changes: dict[int, _LeaderChange] = defaultdict(_LeaderChange)
    for chunk in _chunks(plan.leaders_added, BATCH_SIZE):
        rows = [leadership(businessunit_id=unit_ids[leader.unit_code], user_id=user_ids[leader.email])
                for leader in chunk]
        leadership.objects.bulk_create(rows, ignore_conflicts=True)
        for row in rows:
            changes[row.businessunit_id].added.append(row.user_id)
        progress.step(len(chunk))
    for chunk in _chunks(plan.leaders_removed, ID_CHUNK):
        removed = leadership.objects.filter(pk__in=chunk)
        for unit_id, user_id in removed.values_list("businessunit_id", "user_id"):
            changes[unit_id].removed.append(user_id)
        removed.delete()
        progress.step(len(chunk))
    return changes


def _grant_and_revoke_staff(plan: _Plan, *, user_ids: dict[str, int], progress: _Progress) -> None:
    if not (plan.granted or plan.revoked):
        return
    group = services.coe_staff_group()
    membership = User.groups.through
    for chunk in _chunks([user_ids[email] for email in plan.granted], BATCH_SIZE):
        membership.objects.bulk_create([membership(user_id=pk, group_id=group.pk) for pk in chunk],
                                       ignore_conflicts=True)
        progress.step(len(chunk))
    for chunk in _chunks(plan.revoked, ID_CHUNK):
        membership.objects.filter(group=group, user_id__in=chunk).delete()
        progress.step(len(chunk))


def _record_audit(plan: _Plan, *, user_ids: dict[str, int], leader_changes: dict[int, _LeaderChange],
                  job: ImportJob, actor: User | None) -> None:
    """The events for the leader, role and reactivation changes, written in bulk (the import itself gets its own)."""
    events = _leader_events(leader_changes, user_ids=user_ids, job=job, actor=actor)
    events += _person_events(plan, user_ids=user_ids, job=job, actor=actor)
    record_events(events, batch_size=BATCH_SIZE)


def _leader_events(leader_changes: dict[int, _LeaderChange], *, user_ids: dict[str, int], job: ImportJob,
                   actor: User | None) -> list[AuditEvent]:
    unit_type = ContentType.objects.get_for_model(BusinessUnit)
    unit_names = dict(BusinessUnit.objects.filter(pk__in=leader_changes).values_list("pk", "name"))
    emails = {pk: email for email, pk in user_ids.items()}
    return [
        AuditEvent(actor=actor, verb="role.leaders_changed", target_type=unit_type, target_id=str(unit_id),
                   target_label=unit_names[unit_id][:255],
                   details={"added": sorted(emails[pk] for pk in change.added),
                            "removed": sorted(emails[pk] for pk in change.removed), "import": job.pk})
        for unit_id, change in leader_changes.items()
    ]


def _person_events(plan: _Plan, *, user_ids: dict[str, int], job: ImportJob, actor: User | None) -> list[AuditEvent]:
    """Role grants, then revocations, then reactivations, each labelled with the person's name after the import."""
    labels = {person.pk: person.display_name or email for email, person in plan.snapshot.people.items()}
    labels.update((user_ids[row.email], row.display_name) for row in plan.new_people)
    labels.update((change.pk, change.display_name) for change in plan.changed_people)
    role = {"role": COE_STAFF_GROUP, "import": job.pk}
    changes = [("role.granted", user_ids[email], role) for email in plan.granted]
    changes += [("role.revoked", pk, role) for pk in plan.revoked]
    changes += [("person.reactivated", change.pk, {"import": job.pk})
                for change in plan.changed_people if change.was_inactive]
    user_type = ContentType.objects.get_for_model(User)
    return [AuditEvent(actor=actor, verb=verb, target_type=user_type, target_id=str(pk), target_label=labels[pk][:255],
                       details=details) for verb, pk, details in changes]


def _deactivate_missing(pks: list[int], *, job: ImportJob, actor: User | None, progress: _Progress) -> None:
    for chunk in _chunks(pks, ID_CHUNK):
        services.deactivate_people(people=User.objects.filter(pk__in=chunk), by=actor,
                                   reason=f"Missing from import #{job.pk}")
        progress.step(len(chunk))


def _read_upload(upload) -> tuple[str, str]:
    """The name and text of an uploaded CSV file (the form has checked it decodes as UTF-8)."""
    if upload is None:
        return "", ""
    upload.seek(0)
    return os.path.basename(upload.name or "")[:255], upload.read().decode("utf-8-sig")


@transaction.atomic
def create_import(*, by: User | None, units_name: str = "", units_text: str = "", people_name: str = "",
                  people_text: str = "", deactivate_missing: bool = False) -> ImportJob:
    """Store the files as a new job waiting for validation. `by` is None when the system runs it."""
    return ImportJob.objects.create(
        created_by=by, status=ImportJob.Status.VALIDATING, deactivate_missing=deactivate_missing,
        units_filename=units_name, units_csv=units_text.removeprefix("\ufeff"),
        people_filename=people_name, people_csv=people_text.removeprefix("\ufeff"),
    )


@transaction.atomic
def start_import(*, by: User, units_file=None, people_file=None, deactivate_missing: bool = False) -> ImportJob:
    """Store the uploaded files as a job and queue its validation for when this transaction commits."""
    units_name, units_text = _read_upload(units_file)
    people_name, people_text = _read_upload(people_file)
    job = create_import(by=by, units_name=units_name, units_text=units_text, people_name=people_name,
                        people_text=people_text, deactivate_missing=deactivate_missing)
    queueing.enqueue("cxcoe.tasks.validate_import", job.pk,
                     label=_("Check the import %(files)s") % {"files": job.files_label})
    return job


def _fail(job_id: int, exc: Exception, *, status: str) -> None:
    logger.exception("Import #%s failed", job_id)
    ImportJob.objects.filter(pk=job_id, status=status).update(
        status=ImportJob.Status.FAILED, failure=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
    )


def validate_import(*, job_id: int) -> ImportJob:
    """Check a VALIDATING job and store its preview (PREVIEW) or its errors (INVALID). Safe to run twice."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    try:
        plan = _plan(job, progress=_Progress(job.pk, 0))
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.status != ImportJob.Status.VALIDATING:
                return job
            job.summary, job.errors, job.error_count = plan.summary, plan.errors, plan.error_count
            if plan.errors:
                job.status, job.finished_at = ImportJob.Status.INVALID, timezone.now()
            else:
                job.status = ImportJob.Status.PREVIEW
            job.save(update_fields=["summary", "errors", "error_count", "status", "finished_at"])
    except Exception as exc:
        _fail(job_id, exc, status=ImportJob.Status.VALIDATING)
    finally:
        cache.delete(progress_key(job_id))
    return ImportJob.objects.get(pk=job_id)


@transaction.atomic
def claim_apply(*, job: ImportJob, by: User | None) -> bool:
    """Move a PREVIEW job to APPLYING. Only one of several concurrent requests wins."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.PREVIEW:
        return False
    locked.status, locked.applied_by = ImportJob.Status.APPLYING, by
    locked.save(update_fields=["status", "applied_by"])
    job.status, job.applied_by = locked.status, by
    return True


@transaction.atomic
def request_apply(*, job: ImportJob, by: User) -> bool:
    """Claim the job for applying and queue the work for when this transaction commits; False if not PREVIEW."""
    if not claim_apply(job=job, by=by):
        return False
    queueing.enqueue("cxcoe.tasks.apply_import", job.pk,
                     label=_("Apply the import %(files)s") % {"files": job.files_label})
    return True


def apply_import(*, job_id: int) -> ImportJob:
    """Apply an APPLYING job in one transaction, after checking it again against the database as it is now.

    New errors (someone changed the data since the preview) make the job INVALID and write nothing else. An
    unexpected error rolls everything back and marks the job FAILED. Safe to run twice.
    """
    try:
        with transaction.atomic():
            job = (ImportJob.objects.select_for_update(of=("self",)).select_related("created_by", "applied_by")
                   .get(pk=job_id))
            if job.status != ImportJob.Status.APPLYING:
                return job
            services.lock_unit_tree()
            progress = _Progress(job.pk, 0)
            plan = _plan(job, progress=progress)
            if plan.errors:
                job.status, job.errors, job.error_count = ImportJob.Status.INVALID, plan.errors, plan.error_count
                job.summary, job.finished_at = plan.summary, timezone.now()
                job.save(update_fields=["status", "errors", "error_count", "summary", "finished_at"])
                return job
            actor = job.applied_by or job.created_by
            _write(plan, job=job, actor=actor, progress=progress)
            job.status, job.summary, job.finished_at = ImportJob.Status.DONE, plan.summary, timezone.now()
            job.errors, job.error_count = [], 0
            job.save(update_fields=["status", "summary", "finished_at", "errors", "error_count"])
            record_event(actor=actor, verb="import.applied", target=job, details=plan.summary)
            return job
    except Exception as exc:
        _fail(job_id, exc, status=ImportJob.Status.APPLYING)
        return ImportJob.objects.get(pk=job_id)
    finally:
        cache.delete(progress_key(job_id))


@transaction.atomic
def cancel_import(*, job: ImportJob, by: User) -> bool:
    """Drop a job that is waiting (PREVIEW), has errors (INVALID) or whose task was lost; nothing was written.

    A cancelled job that a late task picks up is left alone: the tasks act only on the status they expect.
    """
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status not in {ImportJob.Status.PREVIEW, ImportJob.Status.INVALID} and not locked.is_stuck:
        return False
    locked.status, locked.finished_at = ImportJob.Status.CANCELLED, timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    job.status, job.finished_at = locked.status, locked.finished_at
    return True


def describe_changes(summary: dict[str, Any]) -> list[str]:
    """What applying would do, as short phrases: "create 12 people", "deactivate 2 people"..."""
    units, people = summary.get("units", {}), summary.get("people", {})
    leaders, roles = summary.get("leaders", {}), summary.get("roles", {})
    phrases = [
        (units.get("created", 0), lambda n: ngettext("create %(n)s business unit", "create %(n)s business units", n)),
        (units.get("updated", 0), lambda n: ngettext("update %(n)s business unit", "update %(n)s business units", n)),
        (people.get("created", 0), lambda n: ngettext("create %(n)s person", "create %(n)s people", n)),
        (people.get("updated", 0), lambda n: ngettext("update %(n)s person", "update %(n)s people", n)),
        (people.get("reactivated", 0), lambda n: ngettext("reactivate %(n)s of them", "reactivate %(n)s of them", n)),
        (people.get("deactivated", 0), lambda n: ngettext("deactivate %(n)s person", "deactivate %(n)s people", n)),
        (leaders.get("added", 0), lambda n: ngettext("add %(n)s leader", "add %(n)s leaders", n)),
        (leaders.get("removed", 0), lambda n: ngettext("remove %(n)s leader", "remove %(n)s leaders", n)),
        (roles.get("granted", 0), lambda n: ngettext("make %(n)s person CoE staff", "make %(n)s people CoE staff", n)),
        (roles.get("revoked", 0), lambda n: ngettext("remove %(n)s person from CoE staff",
                                                     "remove %(n)s people from CoE staff", n)),
    ]
    return [phrase(count) % {"n": intcomma(count)} for count, phrase in phrases if count]
