"""Notification kinds, people's email preferences, and the emails themselves.

Apps declare their kinds with `register_kind` (in their AppConfig.ready) and never talk to email directly:
the reminder sender (cxcoe/notifications/reminders.py) turns ledger rows into notifications and calls `email_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ..lib import locale
from ..models import Notification, NotificationPreference, Reminder

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str


@dataclass(frozen=True)
class Kind:
    """A kind of notification. `render` writes the message for a ledger row and its object; `is_still_due`
    says whether the object still needs it: when the sender gets to it (a completed item does not), and when a
    service settles the object (`reminders.settle`), whose delivered notifications it no longer needs are done.
    The object is whichever model the kind's rows point at, so each kind's functions take their own model."""

    name: str
    label: StrOrPromise
    render: Callable[[Reminder, Any], Message] | None = None
    is_still_due: Callable[[Reminder, Any], bool] = lambda reminder, target: True
    important: bool = False  # always emailed at once, whatever the person's preference
    # Relations of the object that `render` and `is_still_due` read, fetched with it (select_related) by the sender.
    related: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


MESSAGE = register_kind(Kind("message", _("Messages from the CoE")))


def delivery_for(preferences: dict[str, str], kind: Kind, *, is_escalation: bool) -> str:
    """How a notification is emailed, from one person's preferences ({kind or "": delivery})."""
    if kind.important or is_escalation:
        return NotificationPreference.Delivery.IMMEDIATE
    return preferences.get(kind.name) or preferences.get("") or NotificationPreference.Delivery.IMMEDIATE


def preferences_of(user_ids) -> dict[int, dict[str, str]]:
    """Everyone's preferences in one query: {user id: {kind or "": delivery}}."""
    found: dict[int, dict[str, str]] = {}
    for user_id, kind, delivery in NotificationPreference.objects.filter(user_id__in=set(user_ids)).values_list(
        "user_id", "kind", "delivery"
    ):
        found.setdefault(user_id, {})[kind] = delivery
    return found


EMAIL_STATE_FOR_DELIVERY: dict[str, str] = {
    NotificationPreference.Delivery.IMMEDIATE: Notification.Email.PENDING,
    NotificationPreference.Delivery.DAILY: Notification.Email.DAILY,
    NotificationPreference.Delivery.WEEKLY: Notification.Email.WEEKLY,
    NotificationPreference.Delivery.NONE: Notification.Email.SKIPPED,
}


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.CXCOE_BASE_URL}{url}"


def email_for(notification: Notification, recipient) -> EmailMultiAlternatives:
    """One notification's email, with its dates as the recipient reads them."""
    context = {"notification": notification, "link": absolute(notification.url or "/notifications/"),
               "recipient": recipient, "preferences_link": absolute("/notifications/preferences/")}
    with locale.reading_as(recipient):
        message = EmailMultiAlternatives(
            subject=notification.title,
            body=render_to_string("email/notification.txt", context),
            to=[recipient.email],
        )
        message.attach_alternative(render_to_string("email/notification.html", context), "text/html")
    return message


def digest_email_for(notifications: list[Notification], recipient, frequency: str) -> EmailMultiAlternatives:
    items = [(note, absolute(note.url or "/notifications/")) for note in notifications]
    context = {"items": items, "recipient": recipient, "frequency": frequency,
               "inbox_link": absolute("/notifications/"), "preferences_link": absolute("/notifications/preferences/")}
    subject = _("Your %(frequency)s cxcoe digest: %(count)d new") % {"frequency": frequency, "count": len(items)}
    with locale.reading_as(recipient):
        message = EmailMultiAlternatives(subject=str(subject), body=render_to_string("email/digest.txt", context),
                                         to=[recipient.email])
        message.attach_alternative(render_to_string("email/digest.html", context), "text/html")
    return message
