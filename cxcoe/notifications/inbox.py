"""Services for the inbox and the operations page: reading notifications, email preferences, retrying a failed
reminder. The engine that creates notifications is in reminders.py; this module only acts for a person."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import notifications
from ..audit import record_event
from ..lib import queueing
from ..models import Notification, NotificationPreference, Reminder, User


def mark_read(*, notification: Notification, user: User) -> bool:
    """Mark one of `user`'s notifications read. The first read time stays; returns whether it was unread."""
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, recipient=user, read_at=None).update(read_at=now)
    if changed:
        notification.read_at = now
    return bool(changed)


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read (those the bell counts); returns how many there were."""
    return Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())


@transaction.atomic
def set_preferences(*, user: User, default: str, kinds: dict[str, str]) -> None:
    """Save how `user` wants email: `default` for every kind, and `kinds` {kind name: delivery, or "" for the default}.

    One row per (user, kind) under a unique constraint; update_or_create makes a double submit harmless.
    """
    deliveries = set(NotificationPreference.Delivery.values)
    if default not in deliveries:
        raise ValidationError(_("Choose how to email your notifications."))
    for name, delivery in kinds.items():
        kind = notifications.KINDS.get(name)
        if kind is None or kind.important:
            raise ValidationError(_("%(kind)s has no email preference.") % {"kind": name})
        if delivery and delivery not in deliveries:
            raise ValidationError(_("Choose how to email %(kind)s.") % {"kind": kind.label})
    NotificationPreference.objects.update_or_create(user=user, kind="", defaults={"delivery": default})
    for name, delivery in kinds.items():
        if delivery:
            NotificationPreference.objects.update_or_create(user=user, kind=name, defaults={"delivery": delivery})
        else:
            NotificationPreference.objects.filter(user=user, kind=name).delete()


@transaction.atomic
def retry_failed_reminder(*, reminder: Reminder, by: User) -> bool:
    """Give a failed ledger row a fresh start: pending, no attempts, due now. Returns False if it is not failed."""
    row = Reminder.objects.select_for_update(of=("self",)).select_related("recipient") \
        .filter(pk=reminder.pk, status=Reminder.Status.FAILED).first()
    if row is None:
        return False
    Reminder.objects.filter(pk=row.pk).update(status=Reminder.Status.PENDING, attempts=0,
                                              next_attempt_at=timezone.now(), claimed_at=None)
    record_event(actor=by, verb="reminder.retried", target=row,
                 details={"recipient": row.recipient.email, "kind": row.kind, "period": row.period,
                          "attempts": row.attempts, "last_error": row.last_error[:200]})
    queueing.nudge("cxcoe.tasks.send_reminders")
    return True
