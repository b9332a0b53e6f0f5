"""The audit log: one function to write an event, and the sign-in events Django reports."""

from __future__ import annotations

from typing import Any

# allauth's record of how this session authenticated has no public reader (tests/cxcoe/test_sso.py checks it).
from allauth.account.internal.flows.login import get_authentication_records
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record_event(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        details=details or {},
        ip_address=client_ip(request),
    )


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
    record_event(actor=user, verb=verb, target=user, details=details, request=request)


def _on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django masks anything that looks secret; keep only the identifier that was tried.
    tried = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record_event(actor=None, verb="auth.sign_in_failed", details={"email": tried}, request=request)


def connect_sign_in_events() -> None:
    user_logged_in.connect(_on_signed_in, dispatch_uid="cxcoe.audit.signed_in")
    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="cxcoe.audit.sign_in_failed")
