from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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

    def visible_to(self, user) -> BusinessUnitQuerySet:
        if user.is_coe_staff:
            return self
        return self.filter(pk__in=user.led_units_subtree().values("pk"))


class BusinessUnit(models.Model):
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

    objects = BusinessUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="bu_not_own_parent")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit-detail", args=[self.pk])

    def subtree(self) -> BusinessUnitQuerySet:
        return BusinessUnit.objects.filter(path__startswith=self.path)

    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split(PATH_SEPARATOR) if code][:-1]

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


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(_("name"), max_length=150)
    business_unit = models.ForeignKey(
        BusinessUnit, models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("business unit")
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
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


AUDIT_VERBS = {
    "auth.signed_in": _("Signed in"),
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
}


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

    @property
    def detail_lines(self) -> list[tuple[str, str]]:
        """The details as readable "name: value" pairs (lists joined, nested counts flattened, blanks left out)."""
        lines = []
        for key, value in (self.details or {}).items():
            if value in ("", [], {}, None):
                continue
            if isinstance(value, dict):
                text = ", ".join(f"{name} {count}" for name, count in value.items())
            elif isinstance(value, list):
                # person.updated keeps [before, after] for each changed field.
                text = (" → " if self.verb == "person.updated" else ", ").join(map(str, value))
            else:
                text = str(value)
            lines.append((key.replace("_", " "), text))
        return lines


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
    def is_running(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.APPLYING}

    @property
    def is_stuck(self) -> bool:
        """Still "running" long after any task would have finished or timed out: its task was lost."""
        return self.is_running and timezone.now() - self.created_at > IMPORT_STUCK_AFTER
