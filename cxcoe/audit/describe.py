"""How records read: objects by their names, linked where the viewer may open them, and an audit event's details
in words. The audit log, its CSV export and the operations page read through here.

Each app says how its details read and how its objects are named when it registers its verbs
(`cxcoe.audit.register_verbs(..., details=..., names=...)`). What no app registered still reads: a boolean as yes
or no, a date as "1 Dec 2026", a key with spaces for underscores, an object by its `str()`.

Names are looked up in bulk: one query per model among the rows described, whatever their number.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import AUDIT_CHANGE_VERBS, AuditEvent, BusinessUnit, ImportJob, ReviewRecord, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


# Names


@dataclass(frozen=True)
class Namer:
    """How one model's rows are named: the word before the name ("Plan"), the name, and the relations the name
    reads (fetched with the rows, so naming takes no query per row). Columns nobody reads can be left behind."""

    kind: StrOrPromise = ""
    name: Callable[[Any], str] = str
    related: tuple[str, ...] = ()
    defer: tuple[str, ...] = ()


@dataclass(frozen=True)
class Name:
    """An object as a person reads it: "Plan Promises we keep in Sales", the name linked where they may open it."""

    kind: str
    text: str
    url: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.text}" if self.kind else self.text

    @property
    def html(self) -> SafeString:
        text = format_html('<a href="{}">{}</a>', self.url, self.text) if self.url else conditional_escape(self.text)
        return format_html("{} {}", self.kind, text) if self.kind else text


def _import_name(job: ImportJob) -> str:
    moment = date_format(timezone.localtime(job.created_at), "DATETIME_FORMAT")
    if job.units_filename or job.people_filename:
        return _("Import of %(files)s, %(moment)s") % {"files": job.files_label, "moment": moment}
    return _("Import of %(moment)s") % {"moment": moment}


NAMES: dict[type[models.Model], Namer] = {
    User: Namer(),
    BusinessUnit: Namer(gettext_lazy("Unit")),
    ImportJob: Namer(name=_import_name, defer=("units_csv", "people_csv", "summary", "errors", "failure")),
}


def _model_of(model_or_type) -> type[models.Model] | None:
    return model_or_type.model_class() if hasattr(model_or_type, "model_class") else model_or_type


def _openable(rows: models.QuerySet, viewer: User | None) -> models.QuerySet:
    """Marks each row the viewer may open (`audit_may_open`, a name no model's property takes: a content request's
    `is_open` says whether it waits for triage): a model whose QuerySet has `visible_to` opens the rows it
    returns for them; any other model's rows open for whoever sees the page naming them. No viewer opens none."""
    if viewer is None:
        return rows.annotate(audit_may_open=Value(False))
    scoped = rows.model._default_manager.all()
    if hasattr(scoped, "visible_to"):
        return rows.annotate(audit_may_open=Exists(scoped.visible_to(viewer).filter(pk=OuterRef("pk"))))
    return rows


def names(wanted: Iterable[tuple[Any, Any]], *, viewer: User | None) -> dict[tuple[type[models.Model], str], Name]:
    """The names of objects given as (model or content type, id), keyed by (model, id as text), linked where the
    viewer may open them."""
    ids: defaultdict[type[models.Model], set] = defaultdict(set)
    for model_or_type, pk in wanted:
        if (model := _model_of(model_or_type)) is not None and pk not in (None, ""):
            ids[model].add(pk)
    found: dict[tuple[type[models.Model], str], Name] = {}
    for model, pks in ids.items():
        namer = NAMES.get(model, Namer())
        valid = set()
        for pk in pks:
            try:
                valid.add(model._meta.pk.to_python(pk))
            except ValidationError:  # an id of another shape (a stale row): it names nothing
                continue
        rows = model._base_manager.filter(pk__in=valid).defer(*namer.defer)
        if namer.related:  # select_related() with no names would follow every foreign key
            rows = rows.select_related(*namer.related)
        for row in _openable(rows, viewer):
            may_open = getattr(row, "audit_may_open", True) and hasattr(row, "get_absolute_url")
            found[(model, str(row.pk))] = Name(str(namer.kind), namer.name(row),
                                               row.get_absolute_url() if may_open else "")
    return found


def name_of(found: Mapping[tuple[type[models.Model], str], Name], model_or_type, pk, label: str = "") -> Name:
    """One object's name among those `names` found; one no longer there is named by the label it had, or said
    to be gone."""
    model = _model_of(model_or_type)
    if model is not None and (name := found.get((model, str(pk)))):
        return name
    return Name("", label or _("%(thing)s (no longer there)") % {
        "thing": capfirst(model._meta.verbose_name if model is not None else _("record"))})


# Details


def plain_words(value: Any) -> str:
    """A value as a person reads it, when its detail says nothing more: yes or no, dates in the app's format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date_format(date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
        try:
            return plain_words(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return str(value)


@dataclass(frozen=True)
class Detail:
    """How one key of an event's details reads: its label (by default the key, with spaces), and its values.

    `model`: a number is the id of one of these rows, and reads as its name. `words`: how any other value reads;
    it gets what was recorded, which may already be words (an edit's before → after is), and returns those as
    they are. Otherwise `plain_words`.
    """

    label: StrOrPromise = ""
    words: Callable[[Any], str] = plain_words
    model: type[models.Model] | None = None


def choice(choices: Iterable[tuple[Any, Any]]) -> Detail:
    """A detail whose values are a model's choices: "planned" reads "Planned"; a label stays as it is."""
    labels = dict(choices)
    return Detail(words=lambda value: str(labels.get(value, plain_words(value))))


def row_of(model: type[models.Model], label: StrOrPromise = "") -> Detail:
    """A detail that holds the id of a `model` row (older events), or its name already."""
    return Detail(label=label, model=model)


# A detail is looked up by "noun.key" first (the noun of the event's verb: "communication" for
# "communication.status_changed"), then by its key alone.
DETAILS: dict[str, Detail] = {
    "outcome": choice(ReviewRecord.Outcome.choices),
    "next_review_on": Detail(gettext_lazy("next review")),
}


def register(*, details: Mapping[str, Detail] | None = None, names: Mapping[type[models.Model], Namer] | None = None) \
        -> None:
    if taken := set(details or ()) & set(DETAILS):
        raise ValueError(f"audit details registered twice: {sorted(taken)}")
    if taken_models := set(names or ()) & set(NAMES):
        raise ValueError(f"audit names registered twice: {sorted(model._meta.label for model in taken_models)}")
    DETAILS.update(details or {})
    NAMES.update(names or {})


def detail(verb: str, key: str) -> Detail:
    return DETAILS.get(f"{verb.partition('.')[0]}.{key}") or DETAILS.get(key) or Detail()


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Line:
    """One detail of an event: "status: Planned → Ready". Its parts are words and names (linked in HTML)."""

    label: str
    parts: tuple[str | Name, ...]

    @property
    def text(self) -> str:
        return "".join(map(str, self.parts))

    @property
    def html(self) -> SafeString:
        return mark_safe("".join(part.html if isinstance(part, Name) else conditional_escape(part)  # noqa: S308
                                 for part in self.parts))

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


@dataclass
class Described:
    """An audit event as the log shows it: what it acted on, who did it, and its details in words."""

    event: AuditEvent
    target: Name | None
    actor: Name | None
    lines: list[Line] = field(default_factory=list)

    @property
    def details_text(self) -> str:
        return "; ".join(map(str, self.lines))


def _joined(parts: list[str | Name], separator: str) -> tuple[str | Name, ...]:
    joined: list[str | Name] = []
    for part in parts:
        if joined:
            joined.append(separator)
        joined.append(part)
    return tuple(joined)


def _value(found: Mapping, how: Detail, value: Any) -> str | Name:
    if how.model is not None and _is_id(value):
        return replace(name_of(found, how.model, value), kind="")  # the detail's label says what it is
    return how.words(value)


def lines(event: AuditEvent, found: Mapping) -> list[Line]:
    """An event's details in words, blanks left out; `found` holds the names of the rows they refer to."""
    described = []
    for key, value in (event.details or {}).items():
        if value in ("", [], {}, None):
            continue
        how = detail(event.verb, key)
        if isinstance(value, dict):  # counts by name: {"created": 3, "updated": 1}
            parts: tuple[str | Name, ...] = (", ".join(f"{name} {plain_words(n)}" for name, n in value.items()),)
        elif isinstance(value, list) and event.verb in AUDIT_CHANGE_VERBS:  # an edit's [before, after]
            parts = _joined([_value(found, how, side) or "—" for side in value], " → ")
        elif isinstance(value, list):
            parts = _joined([_value(found, how, item) for item in value], ", ")
        else:
            parts = (_value(found, how, value),)
        described.append(Line(str(how.label or key.replace("_", " ")), parts))
    return described


def _referred(event: AuditEvent) -> Iterable[tuple[type[models.Model], int]]:
    for key, value in (event.details or {}).items():
        if (model := detail(event.verb, key).model) is not None:
            yield from ((model, item) for item in (value if isinstance(value, list) else [value]) if _is_id(item))


def events(rows: Iterable[AuditEvent], *, viewer: User | None) -> list[Described]:
    """Audit events (with `actor` and `target_type` selected) as the log shows them, their names looked up in bulk."""
    rows = list(rows)
    wanted: list[tuple[Any, Any]] = []
    for event in rows:
        wanted += [(event.target_type, event.target_id), (User, event.actor_id), *_referred(event)]
    found = names([item for item in wanted if item[0] is not None], viewer=viewer)

    return [Described(event=event, lines=lines(event, found),
                      target=name_of(found, event.target_type, event.target_id, event.target_label)
                      if event.target_type else None,
                      actor=name_of(found, User, event.actor_id) if event.actor_id else None) for event in rows]


def detail_lines(event: AuditEvent) -> list[tuple[str, str]]:
    """One event's details as (label, words), its names looked up for it alone."""
    return [(line.label, line.text) for line in events([event], viewer=None)[0].lines]
