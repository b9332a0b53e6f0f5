from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, Q, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .lib.ranges import REVIEW_INTERVAL_DAYS, between, range_check

if TYPE_CHECKING:
    from .lib.types import HasPage

COE_STAFF_GROUP = "CoE staff"
PATH_SEPARATOR = "/"

unit_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_.-]{0,31}$",
    _("Use capital letters, digits, '.', '_' or '-', starting with a letter or digit (at most 32)."),
)


class BusinessUnitQuerySet(models.QuerySet["BusinessUnit"]):
    def subtree_of(self, units) -> BusinessUnitQuerySet:
        """These units and everything below them: one indexed prefix match on `path`."""
        paths = {unit.path for unit in units}
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)

    def stale(self, today) -> BusinessUnitQuerySet:
        """Active units past their review date."""
        return self.filter(is_active=True, next_review_on__lt=today)

    def visible_to(self, user) -> BusinessUnitQuerySet:
        """CoE staff see every unit; leaders their subtrees; a unit's review owner sees that unit (and its
        people: confirming them is the review)."""
        if user.is_coe_staff:
            return self
        return self.filter(Q(pk__in=user.led_units_subtree().values("pk")) | Q(owner=user))


class ReviewCycle(models.Model):
    """Something with an owner that must be re-checked every N days: library resources, standards, units.

    Subclasses may redeclare `review_interval_days` with their own default, narrow `under_review()`
    (archived items never get reminders), and implement `retire_from_review()`. The engine is in
    cxcoe/reviews/.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("owner"),
        help_text=_("Reviews it and gets the reminders. Without an owner, CoE staff do."),
    )
    review_interval_days = models.PositiveSmallIntegerField(_("review every (days)"), default=90,
                                                            validators=between(*REVIEW_INTERVAL_DAYS))
    next_review_on = models.DateField(_("next review"), null=True, blank=True, db_index=True)
    owner_flagged = models.BooleanField(
        _("needs a new owner"), default=False, help_text=_("Its owner left; CoE staff look after it until reassigned.")
    )

    # Retiring archives the item; for some models only CoE staff may do that.
    retire_needs_coe_staff = False

    class Meta:
        abstract = True
        constraints = [range_check("review_interval_days", *REVIEW_INTERVAL_DAYS,
                                   name="%(app_label)s_%(class)s_review_interval_range")]

    @classmethod
    def under_review(cls, queryset):
        """The items of `queryset` that take part in reviews (not archived)."""
        return queryset

    def retire_from_review(self, *, by) -> None:
        raise NotImplementedError

    def is_under_review(self) -> bool:
        """The one-row version of `under_review()`."""
        return True

    def is_stale(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.next_review_on is not None and self.next_review_on < today

    @property
    def review_kind(self) -> str:
        """What the item is, in words, where reviews of several kinds are listed together (My work)."""
        return str(self._meta.verbose_name)


class ReviewRecord(models.Model):
    """One review of a ReviewCycle item: who, when, what they concluded."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed: still right")
        UPDATED = "updated", _("Updated")
        RETIRED = "retired", _("Retired")

    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome)
    note = models.TextField(_("note"), blank=True)
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="review_record_target")]
        constraints = [models.CheckConstraint(condition=Q(outcome__in=["confirmed", "updated", "retired"]),
                                              name="review_record_outcome_valid")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.reviewed_by} on {self.reviewed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        """A review is read on the page of what it reviewed."""
        item = cast("HasPage", self.content_type.get_object_for_this_type(pk=self.object_id))  # a ReviewCycle
        return item.get_absolute_url()


class BusinessUnit(ReviewCycle):
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[unit_code_validator])
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    # "/ACME/SAL/SAL-01/": the codes from the root down. A subtree is a prefix match on this column; on
    # PostgreSQL, Django gives a unique CharField a varchar_pattern_ops index too, which serves LIKE 'prefix%'.
    path = models.CharField(max_length=1100, editable=False, unique=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="led_units", verbose_name=_("leaders")
    )
    is_active = models.BooleanField(_("active"), default=True)

    # A unit's owner confirms twice a year that its name, place, leaders and people are still right:
    # dashboards, acknowledgements and escalations all follow the organization as recorded here.
    review_interval_days = models.PositiveSmallIntegerField(_("review every (days)"), default=180,
                                                            validators=between(*REVIEW_INTERVAL_DAYS))
    retire_needs_coe_staff = True  # archiving a unit changes everyone's scope

    objects = BusinessUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="bu_not_own_parent"),
            *ReviewCycle.Meta.constraints,
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit-detail", args=[self.pk])

    def subtree(self) -> BusinessUnitQuerySet:
        return BusinessUnit.objects.filter(path__startswith=self.path)

    @classmethod
    def under_review(cls, queryset):
        return queryset.filter(is_active=True)

    def retire_from_review(self, *, by) -> None:
        self.is_active = False
        self.save(update_fields=["is_active"])

    def is_under_review(self) -> bool:
        return self.is_active

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split(PATH_SEPARATOR) if code][:-1]

    @staticmethod
    def lines_up(paths: dict[int, str]) -> dict[int, list[int]]:
        """For each unit given by {id: path}: itself and each unit above it among those given, nearest first.
        A figure of a unit "and everything below" is the sum of the figures of the units whose line holds it."""
        by_path = {path: pk for pk, path in paths.items()}
        lines = {}
        for pk, path in paths.items():
            codes = [code for code in path.split(PATH_SEPARATOR) if code]
            prefixes = (PATH_SEPARATOR + PATH_SEPARATOR.join(codes[:depth]) + PATH_SEPARATOR
                        for depth in range(len(codes), 0, -1))
            lines[pk] = [by_path[prefix] for prefix in prefixes if prefix in by_path]
        return lines

    @staticmethod
    def path_for(code: str, parent: BusinessUnit | None) -> str:
        prefix = parent.path if parent else PATH_SEPARATOR
        return f"{prefix}{code}{PATH_SEPARATOR}"


class UserQuerySet(models.QuerySet["User"]):
    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)

    def coe_staff(self) -> UserQuerySet:
        return self.filter(groups__name=COE_STAFF_GROUP)

    def visible_to(self, user) -> UserQuerySet:
        if user.is_coe_staff:
            return self
        return self.filter(Q(pk=user.pk) | Q(business_unit__in=user.led_units_subtree()))

    def matching(self, query: str) -> UserQuerySet:
        """People whose name or address holds `query` (any case): first those whose name starts with it, then those
        with a word of their name or their address starting with it, then the rest, by name. On PostgreSQL the
        trigram indexes of migration 0015 serve the search, so it reads no more rows with 50,000 people."""
        query = query.strip()
        rank = Case(When(display_name__istartswith=query, then=0),
                    When(Q(display_name__icontains=f" {query}") | Q(email__istartswith=query), then=1), default=2)
        return (self.filter(Q(display_name__icontains=query) | Q(email__icontains=query))
                .alias(rank=rank).order_by("rank", "display_name", "email"))

    def editable_by(self, user) -> UserQuerySet:
        """CoE staff manage people, but only a site admin manages a site admin's account."""
        if user.is_superuser:
            return self
        if user.is_coe_staff:
            return self.filter(is_superuser=False)
        return self.none()


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class DateStyle(models.TextChoices):
    """How a person reads dates and times. Django picks formats by the active language, so each style is carried
    as a regional English (cxcoe.lib.locale): day first as in Britain, month first as in the US, and year first
    (ISO 8601) as Canada's standard writes them. The formats themselves are in cxcoe/formats."""

    DAY_MONTH = "day-month", _("Day first: 1 Dec 2026, 16:05")
    MONTH_DAY = "month-day", _("Month first: Dec 1, 2026, 4:05 PM")
    YEAR_FIRST = "year-first", _("Year first: 2026-12-01 16:05")


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(_("name"), max_length=150)
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("business unit")
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    date_style = models.CharField(_("dates"), max_length=16, choices=DateStyle, default=DateStyle.DAY_MONTH)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("site admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        # The people lists' order: a page of 50 is read from the index instead of sorting everyone.
        indexes = [models.Index(fields=["display_name", "email"], name="user_name_order")]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("person-detail", args=[self.pk])

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email

    @cached_property
    def is_coe_staff(self) -> bool:
        return self.is_active and self.groups.filter(name=COE_STAFF_GROUP).exists()

    @cached_property
    def units_led(self) -> list[BusinessUnit]:
        """The active units this person leads, fetched once per request."""
        if not self.is_active:
            return []
        return list(BusinessUnit.objects.filter(leaders=self, is_active=True))

    @property
    def is_leader(self) -> bool:
        return bool(self.units_led)

    def led_units_subtree(self) -> BusinessUnitQuerySet:
        return BusinessUnit.objects.subtree_of(self.units_led)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


# The core's audit verbs and their labels; each app adds its own with cxcoe.audit.register_verbs() when ready.
AUDIT_VERBS = {
    "auth.signed_in": _("Signed in"),
    "auth.signed_in_password": _("Signed in with a password"),
    "auth.signed_in_sso": _("Signed in by single sign-on"),
    "auth.sso_refused_inactive": _("Single sign-on refused: account deactivated"),
    "auth.sso_refused_unknown": _("Single sign-on refused: no account with this address"),
    "auth.sso_refused_unverified": _("Single sign-on refused: provider did not confirm the address"),
    "auth.sso_refused_no_email": _("Single sign-on refused: provider sent no address"),
    "auth.sso_reauthenticated": _("Confirmed identity by signing in again at the provider"),
    "auth.sso_reauthentication_refused": _("Confirming identity at the provider failed"),
    "auth.sign_in_failed": _("Sign-in failed"),
    "role.granted": _("Role granted"),
    "role.revoked": _("Role revoked"),
    "role.leaders_changed": _("Unit leaders changed"),
    "person.created": _("Person created"),
    "person.updated": _("Person updated"),
    "person.deactivated": _("Person deactivated"),
    "person.reactivated": _("Person reactivated"),
    "unit.created": _("Unit created"),
    "unit.updated": _("Unit updated"),
    "import.applied": _("Import applied"),
    "review.recorded": _("Review recorded"),
    "sweep.requested": _("Sweep run by hand"),
    "reminder.retried": _("Reminder retried"),
}

# The verbs of edits: their details say, for each changed field, [before, after] (cxcoe.audit.changes).
AUDIT_CHANGE_VERBS = {"person.updated", "unit.updated"}


class AuditEvent(models.Model):
    """Append-only record of who did what to which object. Never updated or deleted."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, models.PROTECT, null=True, blank=True, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")

    @property
    def verb_label(self) -> str:
        return str(AUDIT_VERBS.get(self.verb, self.verb))


IMPORT_STUCK_AFTER = timedelta(hours=1)  # twice Celery's hard time limit for a task


class ImportJob(models.Model):
    """One upload of business units and/or people: validated into a preview, then applied in one go."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        PREVIEW = "preview", _("Ready to apply")
        APPLYING = "applying", _("Applying")
        DONE = "done", _("Applied")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # Empty when the system ran it (`manage.py import_org` without --as).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.VALIDATING)
    units_filename = models.CharField(max_length=255, blank=True)
    units_csv = models.TextField(blank=True)
    people_filename = models.CharField(max_length=255, blank=True)
    people_csv = models.TextField(blank=True)
    deactivate_missing = models.BooleanField(
        _("deactivate people missing from the file"),
        default=False,
        help_text=_("Use for a full export of everyone: people not in the file lose access; their history stays."),
    )
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("import-detail", args=[self.pk])

    @property
    def files_label(self) -> str:
        """The uploaded files by name: "units.csv and people.csv"."""
        names = [name for name in (self.units_filename, self.people_filename) if name]
        return _(" and ").join(names) if names else str(self)

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.APPLYING}

    @property
    def is_stuck(self) -> bool:
        """Still "running" long after any task would have finished or timed out: its task was lost."""
        return self.is_running and timezone.now() - self.created_at > IMPORT_STUCK_AFTER


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        """What the bell counts: not read, and not done (a request whose action was taken needs no reading)."""
        return self.filter(read_at=None, done_at=None)


class Notification(models.Model):
    """A message to one person: shown in their inbox, and emailed now, in a digest, or not at all.

    A notification that asks for an action (approve, acknowledge, review) is done once the action is taken, by
    the recipient or by anyone else entitled to take it: `reminders.settle` sets `done_at`."""

    class Email(models.TextChoices):
        PENDING = "pending", _("To send")
        DAILY = "daily", _("In the daily digest")
        WEEKLY = "weekly", _("In the weekly digest")
        SENT = "sent", _("Emailed")
        SKIPPED = "skipped", _("Not emailed")
        FAILED = "failed", _("Email failed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    important = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=16, choices=Email, default=Email.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(email_state__in=["pending", "daily", "weekly", "sent", "skipped", "failed"]),
            name="notification_email_state_valid")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at=None, done_at=None), name="notification_unread"),
            models.Index(fields=["email_state", "recipient"], condition=Q(email_state__in=["daily", "weekly"]),
                         name="notification_digest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notification-open", args=[self.pk])

    @property
    def is_unread(self) -> bool:
        return self.read_at is None and self.done_at is None


class NotificationPreference(models.Model):
    """How a person wants email for one kind of notification; the row with an empty kind is their default."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Email right away")
        DAILY = "daily", _("Daily digest")
        WEEKLY = "weekly", _("Weekly digest")
        NONE = "none", _("No email (inbox only)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=64, blank=True)
    delivery = models.CharField(max_length=16, choices=Delivery, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
            models.CheckConstraint(condition=Q(delivery__in=["immediate", "daily", "weekly", "none"]),
                                   name="notification_preference_delivery_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind or 'default'} = {self.delivery}"


class Reminder(models.Model):
    """The reminder ledger: one row per (recipient, kind, object, period), whatever runs the sweeps.

    Sweeps insert rows with ON CONFLICT DO NOTHING; the sender claims pending rows, delivers them and
    marks them sent. The database, not the queue, decides what is due.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    PERIOD_MAX_LENGTH = 40  # also the longest key of a notify() sending

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    kind = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    period = models.CharField(max_length=PERIOD_MAX_LENGTH)
    due_on = models.DateField(null=True, blank=True)
    is_escalation = models.BooleanField(default=False)
    # Set for messages written by a person (a communication); otherwise the kind renders the text.
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    notification = models.ForeignKey(Notification, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "target_type", "target_id", "period"],
                                    name="one_reminder_per_period"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled"]),
                                   name="reminder_status_valid"),
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False),
                                   name="reminder_sent_has_time"),
            models.CheckConstraint(condition=~Q(status="sending") | Q(claimed_at__isnull=False),
                                   name="reminder_sending_is_claimed"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=["pending", "sending"]),
                         name="reminder_ready"),
            models.Index(fields=["kind", "target_type", "target_id"], name="reminder_target"),
            # The operations page lists and counts the failed rows: a few among hundreds of thousands.
            models.Index(fields=["-created_at", "-id"], condition=Q(status="failed"), name="reminder_failed"),
            # The operations page's ledger, newest first.
            models.Index(fields=["-created_at", "-id"], name="reminder_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} for {self.recipient_id}"


class SweepRun(models.Model):
    """One run of a reminder sweep, for the operations page."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Finished")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=64)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    declared = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["name", "-started_at"], name="sweep_run_latest")]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%Y-%m-%d %H:%M}"


class QueuedTaskQuerySet(models.QuerySet["QueuedTask"]):
    def waiting(self):
        return self.filter(status__in=[QueuedTask.Status.PENDING, QueuedTask.Status.RUNNING])


class QueuedTask(models.Model):
    """Work that a request or a service queued for the background worker (cxcoe.lib.queueing).

    The row, not the broker's message, says that the work waits: the message only nudges the worker.
    A nudge lost while the broker was down is sent again, and a second nudge finds the row claimed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    label = models.CharField(max_length=200, blank=True)  # what the work is, in words, for the operations page
    # The task and its arguments as one string: at most one waiting row per piece of work.
    key = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    token = models.UUIDField(unique=True)
    queued_at = models.DateTimeField(default=timezone.now)
    nudged_at = models.DateTimeField(default=timezone.now)
    nudges = models.PositiveIntegerField(default=0)
    # Why the last nudge could not be sent (the broker was unreachable); empty once one got through.
    nudge_error = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = QueuedTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(status="pending"), name="one_pending_task_per_key"),
            models.CheckConstraint(condition=Q(status__in=["pending", "running", "done", "failed"]),
                                   name="queued_task_status_valid"),
            models.CheckConstraint(condition=~Q(status="running") | Q(started_at__isnull=False),
                                   name="queued_task_running_is_started"),
        ]
        indexes = [models.Index(fields=["status", "nudged_at"], condition=Q(status__in=["pending", "running"]),
                                name="queued_task_waiting")]

    def __str__(self) -> str:
        return self.label or self.task


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task that beat sends every minute."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.hostname


class Rollup(models.Model):
    """A figure recounted every few minutes rather than on each page view (cxcoe/lib/rollups.py)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.JSONField(default=dict, blank=True)
    counted_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """A create form's one-time token, spent in the transaction that saves its row (cxcoe/lib/submissions.py).

    The unique token is what makes a form sent twice (a resend, a second tab, two requests at once) save one row:
    the second insert of the same token fails, or waits for the first to commit and then fails.
    """

    token = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    target_type = models.ForeignKey(ContentType, models.CASCADE, null=True, blank=True, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Form {self.token} by {self.by_id}"

    @property
    def target(self) -> models.Model | None:
        model = self.target_type.model_class() if self.target_type is not None else None
        if model is None:  # no row saved yet, or its model was removed since
            return None
        return model._default_manager.filter(pk=self.target_id).first()
