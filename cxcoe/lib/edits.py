"""What a service does with the values it is given: a new row from them, or an edit of a locked row.

A service takes the changed values as keyword arguments (`**form.cleaned_data` from a view) and names the
fields it lets them change. A name outside that list is a TypeError, so a caller can't slip in a field the
service doesn't expect to change (a status, an owner flag): those move through their own services.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models

from .. import audit

Row = TypeVar("Row", bound=models.Model)


def check_names(values: Mapping[str, Any], fields: Iterable[str], *, service: str) -> None:
    if unknown := set(values) - set(fields):
        raise TypeError(f"{service}() does not change {', '.join(sorted(unknown))}")


def _many(model: type[models.Model], names: Iterable[str]) -> set[str]:
    return {name for name in names if model._meta.get_field(name).many_to_many}


def new_row(model: type[Row], values: Mapping[str, Any], *, fields: Iterable[str], service: str,
            **extra: Any) -> Row:
    """Create a row from `values` (and `extra`, what the service sets itself); many-to-many after the save."""
    check_names(values, fields, service=service)
    many = _many(model, values)
    row = model(**{name: value for name, value in values.items() if name not in many}, **extra)
    row.save()
    for name in many:
        getattr(row, name).set(values[name])
    return row


@dataclass
class Edit:
    """What an edit changed: the field names, and the before → after in words for the audit event."""

    names: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.names)

    def __contains__(self, name: str) -> bool:
        return name in self.names


def save_edit(row: models.Model, values: Mapping[str, Any], *, fields: Iterable[str], service: str) -> Edit:
    """Put `values` on `row`, which the service has locked, and save only the fields that changed.

    Nothing changed: nothing is written, and the Edit is empty (false), so the service records no event.
    """
    check_names(values, fields, service=service)
    before = audit.values(row, values)
    names = audit.changed(type(row), before, values)
    if not names:
        return Edit()
    many = _many(type(row), names)
    for name in names:
        if name not in many:
            setattr(row, name, values[name])
    if plain := [name for name in names if name not in many]:
        row.save(update_fields=plain)
    for name in many:
        getattr(row, name).set(values[name])
    return Edit(names=names, details=audit.changes(type(row), before, values))
