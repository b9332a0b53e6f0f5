"""CX principles, standards with versions and acknowledgements, and the communication plans that spread them."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxcoe.lib.ranges import ACKNOWLEDGEMENT_DAYS, REVIEW_INTERVAL_DAYS, between, range_check
from cxcoe.models import BusinessUnit, Reminder, ReviewCycle, User

from . import kinds

standard_code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$", _("Use capitals, digits and dashes, such as CX-STD-012.")
)


class AudienceRole(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    LEADERS = "leaders", _("Leaders")
    COE_STAFF = "coe_staff", _("CoE staff")


class Audience(models.Model):
    """Who something is for: people in some business units (and everything below them), in a role.

    No units means the whole organization.
    """

    audience_units = models.ManyToManyField(
        BusinessUnit, blank=True, related_name="+", verbose_name=_("audience units"),
        help_text=_("People in these units and every unit below them (Ctrl or ⌘ to choose several). None: the whole "
                    "organization."),
    )
    audience_role = models.CharField(_("audience role"), max_length=16, choices=AudienceRole,
                                     default=AudienceRole.EVERYONE)

    class Meta:
        abstract = True

    def audience_people(self):
        """The active people this is for: one query (with a subquery per unit)."""
        people = User.objects.active()
        paths = [unit.path for unit in self.audience_units.all()]
        if paths:
            in_units = Q()
            for path in paths:
                in_units |= Q(business_unit__path__startswith=path)
            people = people.filter(in_units)
        if self.audience_role == AudienceRole.LEADERS:
            people = people.filter(Exists(BusinessUnit.objects.filter(leaders=OuterRef("pk"), is_active=True)))
        elif self.audience_role == AudienceRole.COE_STAFF:
            people = people.coe_staff()
        return people

    def audience_label(self) -> str:
        units = ", ".join(str(unit) for unit in self.audience_units.all()) or _("the whole organization")
        if self.audience_role == AudienceRole.EVERYONE:
            return str(units)
        return f"{self.get_audience_role_display()}, {units}"


def audience_touching(user: User) -> Q:
    """Audiences that reach `user`'s unit or, for a leader, any unit in their subtree (and the whole org)."""
    codes: set[str] = set()
    if (own := user.business_unit) is not None:
        codes.update(own.path.strip("/").split("/"))
    below = Q()
    for unit in user.units_led:
        codes.update(unit.path.strip("/").split("/"))
        below |= Q(path__startswith=unit.path)
    units = BusinessUnit.objects.filter(Q(code__in=codes) | below) if (codes or below) else BusinessUnit.objects.none()
    return Q(audience_units=None) | Q(audience_units__in=units)


class PrincipleQuerySet(models.QuerySet["Principle"]):
    def active(self):
        return self.filter(is_archived=False)


class Principle(models.Model):
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=120, unique=True,
                             help_text=_('Short and plain: "We make it easy".'))
    statement = models.CharField(_("statement"), max_length=300,
                                 help_text=_("One sentence saying what it means for the customer."))
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Why it matters."))
    examples = models.TextField(_("what it looks like in practice"), blank=True,
                                help_text=_("Examples from everyday work."))
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # When its words last changed, or it was archived or restored: what links to it (library resources) asks to be
    # checked again.
    changed_at = models.DateTimeField(null=True, blank=True)

    objects = PrincipleQuerySet.as_manager()

    class Meta:
        ordering = ["is_archived", "position", "pk"]
        verbose_name = _("principle")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("standards:principle-detail", args=[self.pk])


class StandardQuerySet(models.QuerySet["Standard"]):
    def published(self):
        return self.filter(status=Standard.Status.PUBLISHED)

    def visible_to(self, user: User):
        """CoE staff see everything; owners and approvers see theirs; everyone sees published (and retired)
        standards whose audience reaches them; a leader also sees those reaching their subtree."""
        if user.is_coe_staff:
            return self
        released = Q(status__in=[Standard.Status.PUBLISHED, Standard.Status.RETIRED])
        roles = [AudienceRole.EVERYONE, AudienceRole.LEADERS] if user.is_leader else [AudienceRole.EVERYONE]
        for_them = Standard.objects.filter(released & audience_touching(user), audience_role__in=roles).values("pk")
        return self.filter(Q(pk__in=for_them) | Q(owner=user) | Q(approver=user))

    def editable_by(self, user: User):
        if user.is_coe_staff:
            return self
        return self.filter(owner=user).exclude(status=Standard.Status.RETIRED)

    def decided_by(self, user: User):
        """Standards whose new versions `user` approves (permissions.approver_of): those naming them, and for CoE
        staff those naming nobody or someone who left."""
        deciding = Q(approver=user)
        if user.is_coe_staff:
            deciding |= Q(approver=None) | Q(approver__is_active=False)
        return self.filter(deciding)

    def stale(self, today: date):
        """Published standards past their review date."""
        return self.published().filter(next_review_on__lt=today)


class Standard(Audience, ReviewCycle):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Not yet published")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[standard_code_validator],
                            help_text=_("A stable reference such as CX-STD-012. It cannot change later."))
    principle = models.ForeignKey(Principle, models.PROTECT, related_name="standards", verbose_name=_("principle"))
    # The title of the current version (or of the first draft), kept here for lists and search.
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    current_version = models.ForeignKey("StandardVersion", models.PROTECT, null=True, blank=True, related_name="+")
    # The version people must acknowledge: the latest one published with "needs re-acknowledgement".
    ack_version = models.ForeignKey("StandardVersion", models.PROTECT, null=True, blank=True, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approver"),
        help_text=_("A leader or CoE staff member who approves new versions. Empty: any CoE staff member."),
    )
    requires_acknowledgement = models.BooleanField(
        _("audience must acknowledge it"), default=False,
        help_text=_("Everyone in the audience confirms they have read it, by a deadline."),
    )
    ack_days = models.PositiveSmallIntegerField(
        _("days to acknowledge after publication"), default=30, validators=between(*ACKNOWLEDGEMENT_DAYS))
    joiner_ack_days = models.PositiveSmallIntegerField(
        _("days to acknowledge for people who join later"), default=14, validators=between(*ACKNOWLEDGEMENT_DAYS))
    review_interval_days = models.PositiveSmallIntegerField(_("review every (days)"), default=365,
                                                            validators=between(*REVIEW_INTERVAL_DAYS))
    retire_needs_coe_staff = True  # retiring a standard withdraws it from everyone
    created_at = models.DateTimeField(default=timezone.now)

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("standard")
        constraints = [
            *ReviewCycle.Meta.constraints,
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "retired"]),
                                   name="standard_status_valid"),
            models.CheckConstraint(condition=Q(status="draft") | Q(current_version__isnull=False),
                                   name="standard_published_has_current"),
            range_check("ack_days", *ACKNOWLEDGEMENT_DAYS, name="standard_ack_days_range"),
            range_check("joiner_ack_days", *ACKNOWLEDGEMENT_DAYS, name="standard_joiner_ack_days_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("standards:standard-detail", args=[self.pk])

    @classmethod
    def under_review(cls, queryset):
        return queryset.filter(status=cls.Status.PUBLISHED)

    def is_under_review(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_retired(self) -> bool:
        return self.status == self.Status.RETIRED

    def open_version(self) -> StandardVersion | None:
        """The draft or submitted version, if one is being worked on."""
        return self.versions.filter(status__in=StandardVersion.OPEN).first()


class StandardVersionQuerySet(models.QuerySet["StandardVersion"]):
    def awaiting_decision_by(self, user: User):
        """Submitted versions `user` is the one to decide on (see permissions.approver_of)."""
        deciding = Q(standard__approver=user)
        if user.is_coe_staff:  # standards without an approver, or whose approver left
            deciding |= Q(standard__approver=None) | Q(standard__approver__is_active=False)
        return self.filter(deciding, status=StandardVersion.Status.SUBMITTED)


class StandardVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for approval")
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.DRAFT, Status.SUBMITTED)

    standard = models.ForeignKey(Standard, models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    statement = models.TextField(_("statement"), help_text=_("What people do, in plain words."))
    rationale_customers = models.TextField(_("why it matters to customers"), blank=True)
    rationale_employees = models.TextField(_("why it matters to employees"), blank=True)
    rationale_business = models.TextField(_("why it matters to the business"), blank=True)
    metric = models.CharField(_("metric"), max_length=200, blank=True,
                              help_text=_("What is measured, such as first-contact resolution rate."))
    target = models.CharField(_("target"), max_length=200, blank=True, help_text=_("Such as 80% or more."))
    data_source = models.CharField(_("where the number comes from"), max_length=200, blank=True)
    change_summary = models.CharField(_("what changed"), max_length=300, blank=True,
                                      help_text=_("A line for the approver and the history."))
    needs_reacknowledgement = models.BooleanField(
        _("needs re-acknowledgement"), default=True,
        help_text=_("Untick for a minor fix: people's acknowledgements of the previous version still count."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # The approver's comment when they send it back; shown on the draft until it is submitted again.
    returned_comment = models.TextField(_("comments from the approver"), blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    ack_due_on = models.DateField(_("acknowledge by"), null=True, blank=True)

    objects = StandardVersionQuerySet.as_manager()

    class Meta:
        ordering = ["standard", "-number"]
        verbose_name = _("standard version")
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="one_version_number_per_standard"),
            # Two approvers acting at once still leave one current version.
            models.UniqueConstraint(fields=["standard"], condition=Q(status="current"),
                                    name="one_current_version_per_standard"),
            models.UniqueConstraint(fields=["standard"], condition=Q(status__in=["draft", "submitted"]),
                                    name="one_open_version_per_standard"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "current", "superseded", "withdrawn"]),
                name="version_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=["current", "superseded"]) | Q(effective_on__isnull=False,
                                                                      decided_at__isnull=False),
                name="version_published_has_dates"),
            models.CheckConstraint(condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                                   name="version_submitted_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("standards:version-detail", args=[self.standard_id, self.number])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def was_published(self) -> bool:
        return self.status in (self.Status.CURRENT, self.Status.SUPERSEDED)


# The fields of a version, in reading order, for its page and for comparing two versions.
VERSION_TEXT_FIELDS = ["title", "statement", "rationale_customers", "rationale_employees", "rationale_business",
                       "metric", "target", "data_source"]


class AcknowledgementQuerySet(models.QuerySet["Acknowledgement"]):
    def pending(self):
        return self.filter(status=Acknowledgement.Status.PENDING)

    def overdue(self, today: date):
        return self.pending().filter(due_on__lt=today)

    def asked(self):
        """The requests the progress figures count (standards/tallies.py): the version each published standard
        asks now, not withdrawn. A list behind one of those figures starts here, so the two agree."""
        return self.exclude(status=Acknowledgement.Status.WITHDRAWN).filter(
            standard__status=Standard.Status.PUBLISHED, version=models.F("standard__ack_version"))

    def visible_to(self, user: User):
        """CoE staff see everyone's; a leader their subtree's and their own; everyone else their own."""
        if user.is_coe_staff:
            return self
        if user.is_leader:
            return self.filter(Q(person=user) | Q(person__business_unit__in=user.led_units_subtree()))
        return self.filter(person=user)


class Acknowledgement(models.Model):
    """One person's acknowledgement of one version: created pending when they are asked, then acknowledged."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        # No longer asked: a newer version replaced it, they left the audience, or the standard was retired.
        WITHDRAWN = "withdrawn", _("No longer asked")

    standard = models.ForeignKey(Standard, models.PROTECT, related_name="acknowledgements")
    # The version they were asked to acknowledge, and the one they read when they did: after a minor fix
    # (approved without re-acknowledgement) people acknowledge the asked version having read the fixed text.
    version = models.ForeignKey(StandardVersion, models.PROTECT, related_name="acknowledgements")
    read_version = models.ForeignKey(StandardVersion, models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="acknowledgements")
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    due_on = models.DateField(_("due"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "person"], name="one_acknowledgement_per_version"),
            models.CheckConstraint(condition=Q(status__in=["pending", "acknowledged", "withdrawn"]),
                                   name="acknowledgement_status_valid"),
            models.CheckConstraint(
                condition=Q(status="acknowledged", acknowledged_at__isnull=False)
                | (~Q(status="acknowledged") & Q(acknowledged_at__isnull=True)),
                name="acknowledgement_time_iff_done"),
        ]
        indexes = [models.Index(fields=["person", "status"], name="ack_person_status"),
                   models.Index(fields=["version", "status"], name="ack_version_status"),
                   # The acknowledgement list's order, for every request and for those pending (and overdue).
                   models.Index(fields=["due_on", "id"], name="ack_due"),
                   models.Index(fields=["due_on", "id"], name="ack_pending_due", condition=Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.person} · {self.version}"

    def get_absolute_url(self) -> str:
        return self.standard.get_absolute_url()

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.PENDING and self.due_on < (today or timezone.localdate())


class AcknowledgementTally(models.Model):
    """How many of one unit's people were asked to acknowledge one version, have done it, and are overdue: as
    last counted by standards/tallies.py. Pages read these rows instead of counting tens of thousands of
    acknowledgements on each view. People with no unit are counted in the row with no unit."""

    version = models.ForeignKey(StandardVersion, models.CASCADE, related_name="+")
    unit = models.ForeignKey(BusinessUnit, models.CASCADE, null=True, blank=True, related_name="+")
    asked = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "unit"], name="one_tally_per_version_and_unit")]

    def __str__(self) -> str:
        return f"{self.version_id}/{self.unit_id}: {self.done} of {self.asked}"


class CommunicationPlanQuerySet(models.QuerySet["CommunicationPlan"]):
    def visible_to(self, user: User):
        """CoE staff see every plan; others the plans they own or hold a communication in."""
        if user.is_coe_staff:
            return self
        return self.filter(Q(owner=user) | Q(pk__in=Communication.objects.filter(owner=user).values("plan_id")))

    def editable_by(self, user: User):
        if user.is_coe_staff:
            return self
        return self.filter(owner=user)


class CommunicationPlan(Audience):
    title = models.CharField(_("title"), max_length=200)
    objective = models.TextField(_("objective"), help_text=_("What should change for customers, and how we will "
                                                              "know."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    standards = models.ManyToManyField(Standard, blank=True, related_name="communication_plans",
                                       verbose_name=_("standards it supports"))
    principles = models.ManyToManyField(Principle, blank=True, related_name="communication_plans",
                                        verbose_name=_("principles it supports"))
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    is_archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommunicationPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("communication plan")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="plan_ends_after_start")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("standards:plan-detail", args=[self.pk])


COMING_DAYS = 7  # what "due in the next 7 days" covers: today and the seven days after it


class CommunicationQuerySet(models.QuerySet["Communication"]):
    def visible_to(self, user: User):
        """Its managers (see `editable_by`), and the people a sent one reached: their notification links here."""
        if user.is_coe_staff:
            return self
        received = Reminder.objects.filter(
            recipient=user, kind=kinds.COMMUNICATION, target_type=ContentType.objects.get_for_model(Communication),
        ).exclude(status=Reminder.Status.CANCELLED).values("target_id")
        return self.filter(Q(owner=user) | Q(plan__owner=user) | Q(pk__in=received))

    def editable_by(self, user: User):
        """CoE staff, the communication's owner and its plan's owner."""
        if user.is_coe_staff:
            return self
        return self.filter(Q(owner=user) | Q(plan__owner=user))

    def scheduled(self):
        return self.exclude(status=Communication.Status.CANCELLED)

    def to_happen(self):
        """Not sent or cancelled yet, in a plan that is not archived: what the calendar lists as coming or overdue."""
        return self.filter(status__in=Communication.OPEN, plan__is_archived=False)

    def overdue(self, today: date):
        return self.to_happen().filter(scheduled_on__lt=today)

    def coming(self, today: date, days: int = COMING_DAYS):
        """Due from today to `days` days after it, both included."""
        return self.to_happen().filter(scheduled_on__gte=today, scheduled_on__lte=today + timedelta(days=days))


class Communication(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        NEWSLETTER = "newsletter", _("Newsletter")
        TOWN_HALL = "town_hall", _("Town hall")
        TEAM_MEETING = "team_meeting", _("Team meeting")
        INTRANET = "intranet", _("Intranet")
        CHAT = "chat", _("Chat")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        READY = "ready", _("Ready")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.PLANNED, Status.READY)  # still to happen: on the calendar as coming or overdue

    plan = models.ForeignKey(CommunicationPlan, models.PROTECT, related_name="communications")
    title = models.CharField(_("title"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    scheduled_on = models.DateField(_("date"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner"))
    message = models.TextField(_("message"), help_text=_("What it says."))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PLANNED)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommunicationQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_on", "pk"]
        verbose_name = _("communication")
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=["email", "newsletter", "town_hall", "team_meeting",
                                                            "intranet", "chat"]), name="communication_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=["planned", "ready", "sent", "cancelled"]),
                                   name="communication_status_valid"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="communication_sent_iff_time"),
        ]
        indexes = [models.Index(fields=["scheduled_on"], condition=Q(status__in=["planned", "ready"]),
                                name="communication_open_date")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("standards:communication-detail", args=[self.pk])

    def is_overdue(self, today: date | None = None) -> bool:
        """Not done by its date: still planned or ready (not sent, not cancelled) after it."""
        return self.status in (self.Status.PLANNED, self.Status.READY) and self.scheduled_on < (
            today or timezone.localdate())

    @property
    def can_be_sent_by_cxcoe(self) -> bool:
        return self.channel == self.Channel.EMAIL and self.status == self.Status.READY


class CalendarFeed(models.Model):
    """A person's private iCalendar address; a new token makes the old address stop working."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.person}"
