"""The audit log's rolled-up length (cxcoe/lib/rollups.py), which the audit log's page shows."""

from __future__ import annotations

from ..lib import rollups
from ..models import AuditEvent

AUDIT_LOG = "audit-log"


def count_audit_log() -> dict:
    return {"events": AuditEvent.objects.count()}


def register() -> None:
    rollups.register(AUDIT_LOG, count_audit_log)
