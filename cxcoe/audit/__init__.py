"""The audit log: one function to write an event (and one for many), the before → after of an edit, and the
sign-in events Django reports.

Who made the request (the address and the browser) reaches every event it writes through a context variable
that the `audit_origin` middleware sets, so services take no `request`. Celery tasks and management commands
run outside any request: their events have no address.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# allauth's record of how this session authenticated has no public reader (tests/cxcoe/test_sso.py checks it).
from allauth.account.internal.flows.login import get_authentication_records
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import AUDIT_CHANGE_VERBS, AUDIT_VERBS, AuditEvent
from . import describe

USER_AGENT_LENGTH = AuditEvent._meta.get_field("user_agent").max_length


@dataclass(frozen=True)
class Origin:
    """Where a change came from: the client's address and its user agent (none outside a request)."""

    ip_address: str | None = None
    user_agent: str = ""


NOWHERE = Origin()
_origin: ContextVar[Origin] = ContextVar("cxcoe_audit_origin", default=NOWHERE)


def register_verbs(labels: Mapping[str, Any], *, changes: Iterable[str] = (),
                   details: Mapping[str, describe.Detail] | None = None,
                   names: Mapping[type[models.Model], describe.Namer] | None = None) -> None:
    """Called by an app's ready(): the labels of the audit verbs it writes, which of them are edits whose details
    are before → after pairs, how their details read (by key, or "noun.key" for one noun's verbs) and how its
    objects are named (cxcoe/audit/describe.py). A verb, a detail or a model is registered once."""
    if taken := set(labels) & set(AUDIT_VERBS):
        raise ValueError(f"audit verbs registered twice: {sorted(taken)}")
    describe.register(details=details, names=names)
    AUDIT_VERBS.update(labels)
    AUDIT_CHANGE_VERBS.update(changes)


def origin_of(request) -> Origin:
    address = request.META.get("REMOTE_ADDR") or None
    try:
        address = str(ipaddress.ip_address(address)) if address else None
    except ValueError:  # a misconfigured proxy's value: the event still gets written
        address = None
    return Origin(ip_address=address, user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH])


@contextlib.contextmanager
def origin(where: Origin = NOWHERE) -> Iterator[None]:
    """Events written inside this block come from `where` (by default: from no request at all)."""
    token = _origin.set(where)
    try:
        yield
    finally:
        _origin.reset(token)


def event(*, actor, verb: str, target: models.Model | None = None, details: dict[str, Any] | None = None) \
        -> AuditEvent:
    """An unsaved event, for `record_events`."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        details=details or {},
    )


def record_event(*, actor, verb: str, target: models.Model | None = None,
                 details: dict[str, Any] | None = None) -> AuditEvent:
    return record_events([event(actor=actor, verb=verb, target=target, details=details)])[0]


def record_events(events: Iterable[AuditEvent], *, batch_size: int = 2000) -> list[AuditEvent]:
    """Write unsaved events (from `event`, or AuditEvent(...) with the target's type, id and label) in bulk."""
    where = _origin.get()
    events = list(events)
    for item in events:
        item.ip_address, item.user_agent = where.ip_address, where.user_agent
    if len(events) == 1:
        events[0].save()
        return events
    return AuditEvent.objects.bulk_create(events, batch_size=batch_size)


# The before → after of an edit


def own_field(model: type[models.Model] | models.Model, name: str) -> models.Field:
    """The model's own field `name` (a column or a many-to-many), never the far side of another model's relation."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise FieldDoesNotExist(f"{model._meta.label} has no field of its own named {name!r}")
    return field


def values(instance: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The values of `names` on `instance`, to compare later: a foreign key's id, a many-to-many's rows."""
    found: dict[str, Any] = {}
    for name in names:
        field = own_field(instance, name)
        if field.many_to_many:
            found[name] = list(getattr(instance, name).all()) if instance.pk is not None else []
        else:
            found[name] = getattr(instance, field.attname)
    return found


def _comparable(field, value):
    if field.many_to_many:
        return frozenset(item.pk if isinstance(item, models.Model) else item for item in value or ())
    if isinstance(value, models.Model):
        return value.pk
    return None if value == "" else value


def _related(field, value) -> list[models.Model]:
    ids = [item for item in (value if field.many_to_many else [value]) if not isinstance(item, models.Model)]
    found = {row.pk: row for row in field.related_model._base_manager.filter(pk__in=ids)} if ids else {}
    return [item if isinstance(item, models.Model) else found.get(item, f"#{item}")
            for item in (value if field.many_to_many else [value])]


def _words(field, value) -> str:
    """A field's value as a person reads it: names for related rows, labels for choices, yes or no, dates."""
    if field.many_to_many:
        return ", ".join(sorted(str(row) for row in _related(field, value or [])))
    if value is None or value == "":
        return ""
    if field.is_relation:
        return str(_related(field, value)[0])
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def changed(model: type[models.Model] | models.Model, before: Mapping[str, Any], after: Mapping[str, Any]) \
        -> list[str]:
    """The names of the fields in `after` whose value differs from `before`."""
    meta = model._meta
    return [name for name, value in after.items()
            if _comparable(meta.get_field(name), before.get(name)) != _comparable(meta.get_field(name), value)]


def changes(model: type[models.Model] | models.Model, before: Mapping[str, Any], after: Mapping[str, Any]) \
        -> dict[str, Any]:
    """What an edit changed, for an event's details: {field label: [before, after]} in words a person reads.

    `before` and `after` map field names to values: what `values` returns, or a form's cleaned data (related
    rows or their ids). A long text (a TextField) is only said to have changed. Nothing changed: {}.
    """
    found: dict[str, Any] = {}
    for name in changed(model, before, after):
        field = own_field(model, name)
        label = str(field.verbose_name)
        if isinstance(field, models.TextField):
            found[label] = _("changed")
        else:
            found[label] = [_words(field, before.get(name)), _words(field, after[name])]
    return found


# Sign-in events

# How a session authenticated first (allauth's records), as the audit verb for the sign-in.
SIGN_IN_VERBS = {"password": "auth.signed_in_password", "socialaccount": "auth.signed_in_sso"}
SECOND_FACTORS = {"totp": "authenticator app", "recovery_codes": "recovery code", "webauthn": "security key"}


def _on_signed_in(sender, request, user, **kwargs) -> None:
    records = get_authentication_records(request, user) if request is not None else []
    verb = SIGN_IN_VERBS.get(records[0]["method"], "auth.signed_in") if records else "auth.signed_in"
    details = {}
    if records and records[0]["method"] == "socialaccount":
        details["provider"] = str(records[0].get("provider", ""))
    if second := [record for record in records if record["method"] == "mfa"]:
        details["second_factor"] = SECOND_FACTORS.get(second[-1].get("type"), str(second[-1].get("type")))
    record_event(actor=user, verb=verb, target=user, details=details)


def _on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django masks anything that looks secret; keep only the identifier that was tried.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record_event(actor=None, verb="auth.sign_in_failed", details={"email": tried})


def connect_sign_in_events() -> None:
    user_logged_in.connect(_on_signed_in, dispatch_uid="cxcoe.audit.signed_in")
    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="cxcoe.audit.sign_in_failed")
