"""The CoE library: resources that say why they matter, their published revisions, views, and content requests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxcoe.models import BusinessUnit, ReviewCycle, User
from standards.models import Audience, AudienceRole, Principle, Standard, audience_touching

# Unused for this long and stale: CoE staff are offered the resource for archiving.
UNUSED_DAYS = 180
DUE_SOON_DAYS = 30


def stored_name(instance: models.Model, filename: str) -> str:
    """A generated name under the year: the person's file name never reaches the storage (no `../`, no clashes)."""
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"library/{timezone.now():%Y}/{uuid.uuid4().hex}{suffix}"


TAG_LENGTH = 40


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=TAG_LENGTH, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self) -> str:
        return self.name


class ResourceQuerySet(models.QuerySet["Resource"]):
    def published(self):
        return self.filter(status=Resource.Status.PUBLISHED)

    def listed(self):
        """What lists and search show: archived resources leave them, though their pages stay readable."""
        return self.exclude(status=Resource.Status.ARCHIVED)

    def visible_to(self, user: User):
        """CoE staff see everything; owners see theirs, drafts included; everyone sees published and archived
        resources whose audience reaches them (a leader also those reaching their subtree)."""
        if user.is_coe_staff:
            return self
        released = Q(status__in=[Resource.Status.PUBLISHED, Resource.Status.ARCHIVED])
        roles = [AudienceRole.EVERYONE, AudienceRole.LEADERS] if user.is_leader else [AudienceRole.EVERYONE]
        for_them = Resource.objects.filter(released & audience_touching(user), audience_role__in=roles).values("pk")
        return self.filter(Q(pk__in=for_them) | Q(owner=user))

    def editable_by(self, user: User):
        if user.is_coe_staff:
            return self
        return self.filter(owner=user).exclude(status=Resource.Status.ARCHIVED)

    def owned_for_review_by(self, user: User):
        """The published resources whose reviews are this person's: their own, and for CoE staff those nobody owns."""
        owned = Q(owner=user) | Q(owner=None) if user.is_coe_staff else Q(owner=user)
        return self.published().filter(owned)

    def stale(self, today: date):
        return self.published().filter(next_review_on__lt=today)

    def fresh(self, today: date):
        return self.published().exclude(next_review_on__lt=today)

    def with_link_changes(self):
        """Annotate `links_changed`: a linked standard published a version, or a linked principle changed or was
        archived, since the owner last checked the resource against its links."""
        standards = Standard.objects.filter(resources=OuterRef("pk"),
                                            current_version__decided_at__gt=OuterRef("links_checked_at"))
        principles = Principle.objects.filter(resources=OuterRef("pk"), changed_at__gt=OuterRef("links_checked_at"))
        return self.annotate(links_changed=Exists(standards) | Exists(principles))

    def unused_since(self, day: date):
        return self.filter(Q(last_viewed_on=None) | Q(last_viewed_on__lt=day))

    def suggested_for_archive(self, today: date):
        """Stale and unread for UNUSED_DAYS, and published long enough to have been read."""
        since = today - timedelta(days=UNUSED_DAYS)
        return self.stale(today).unused_since(since).filter(published_at__date__lt=since)


class Resource(Audience, ReviewCycle):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        PLAYBOOK = "playbook", _("Playbook")
        TEMPLATE = "template", _("Template")
        CHECKLIST = "checklist", _("Checklist")
        CASE_STUDY = "case_study", _("Case study")
        VIDEO = "video", _("Video")
        LINK = "link", _("Link")
        FILE = "file", _("File")

    WRITTEN = (Kind.ARTICLE, Kind.PLAYBOOK, Kind.TEMPLATE, Kind.CHECKLIST, Kind.CASE_STUDY)
    LINKED = (Kind.VIDEO, Kind.LINK)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.ARTICLE)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300,
                               help_text=_("One or two sentences: what it is and when to use it."))
    body = models.TextField(_("body"), blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True,
                          help_text=_("Where the video or page is, starting with https://."))
    file = models.FileField(_("file"), upload_to=stored_name, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    importance = models.TextField(_("why it matters"), blank=True,
                                  help_text=_("Its importance and purpose: the problem it solves, for whom."))
    impact_customers = models.TextField(_("expected impact on customers"), blank=True)
    impact_employees = models.TextField(_("expected impact on employees"), blank=True)
    impact_business = models.TextField(_("expected impact on the business"), blank=True)
    metric = models.CharField(_("metric it should move (optional)"), max_length=200, blank=True,
                              help_text=_("Such as first-contact resolution or NPS."))
    principles = models.ManyToManyField(Principle, blank=True, related_name="resources", verbose_name=_("principles"))
    standards = models.ManyToManyField(Standard, blank=True, related_name="resources", verbose_name=_("standards"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources", verbose_name=_("tags"))
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # When the owner last checked it against its linked standards and principles: at publication and each review.
    links_checked_at = models.DateTimeField(null=True, blank=True)
    # Views, one per person per day (ResourceView), kept here too so lists sort by them without counting.
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_on = models.DateField(null=True, blank=True)
    # Title (A), tags (B), summary (B) and body (C), written by services.index_for_search on every write.
    # PostgreSQL only; elsewhere it stays empty and search falls back to plain matching.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("resource")
        constraints = [
            *ReviewCycle.Meta.constraints,
            models.CheckConstraint(condition=Q(status__in=["draft", "published", "archived"]),
                                   name="resource_status_valid"),
            models.CheckConstraint(condition=Q(status="draft") | Q(published_at__isnull=False),
                                   name="resource_released_has_published_at"),
        ]
        indexes = [
            models.Index(fields=["status", "next_review_on"], name="resource_status_review"),
            models.Index(fields=["owner", "status"], name="resource_owner_status"),
            models.Index(fields=["status", "-view_count"], name="resource_status_views"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:resource-detail", args=[self.pk])

    @classmethod
    def under_review(cls, queryset):
        return queryset.filter(status=cls.Status.PUBLISHED)

    def is_under_review(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def is_written(self) -> bool:
        return self.kind in self.WRITTEN

    @property
    def is_linked(self) -> bool:
        return self.kind in self.LINKED

    def is_due_soon(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (self.is_under_review() and self.next_review_on is not None
                and today <= self.next_review_on <= today + timedelta(days=DUE_SOON_DAYS))

    def missing_for_publication(self, *, has_new_file: bool = False) -> list[str]:
        """What publishing still needs, by field name: the impact statement, and the body, address or file its
        kind is made of."""
        missing = [name for name in IMPACT_FIELDS if not getattr(self, name).strip()]
        if self.is_written and not self.body.strip():
            missing.append("body")
        if self.is_linked and not self.url:
            missing.append("url")
        if self.kind == self.Kind.FILE and not (self.file or has_new_file):
            missing.append("file")
        return missing


# What every published resource says about itself; `metric` is optional.
IMPACT_FIELDS = ["importance", "impact_customers", "impact_employees", "impact_business"]
# The text a revision keeps, in reading order, for its page and the diff.
REVISION_TEXT_FIELDS = ["title", "summary", "body", "url", *IMPACT_FIELDS, "metric"]


class ResourceRevision(models.Model):
    """One published state of a resource. The first is its publication; each published edit adds the next."""

    resource = models.ForeignKey(Resource, models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    # The file as it was: replacing a resource's file leaves this one in place, with the revision it belongs to.
    file = models.FileField(max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    importance = models.TextField(blank=True)
    impact_customers = models.TextField(blank=True)
    impact_employees = models.TextField(blank=True)
    impact_business = models.TextField(blank=True)
    metric = models.CharField(max_length=200, blank=True)
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resource", "-number"]
        verbose_name = _("revision")
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="one_revision_number_per_resource")]

    def __str__(self) -> str:
        return f"{self.resource} r{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("library:revision-detail", args=[self.resource_id, self.number])


class ResourceView(models.Model):
    """Someone opened the resource on a day: one row per person per day, however often they open it."""

    resource = models.ForeignKey(Resource, models.CASCADE, related_name="views")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "person", "day"], name="one_view_per_person_day")]
        indexes = [models.Index(fields=["resource", "day"], name="resource_view_day")]

    def __str__(self) -> str:
        return f"{self.person} read {self.resource} on {self.day}"


class ContentRequestQuerySet(models.QuerySet["ContentRequest"]):
    def open(self):
        return self.filter(status__in=ContentRequest.OPEN)

    def visible_to(self, user: User):
        """CoE staff triage every request; others see the ones they made and the ones they are to deliver."""
        if user.is_coe_staff:
            return self
        return self.filter(Q(requested_by=user) | Q(owner=user))


class ContentRequest(models.Model):
    """Someone asks the CoE for content: the advisory service's queue."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        MERGED = "merged", _("Merged")
        DELIVERED = "delivered", _("Delivered")

    OPEN = (Status.NEW, Status.ACCEPTED)

    class Urgency(models.TextChoices):
        LOW = "low", _("When you can")
        NORMAL = "normal", _("Within a month")
        HIGH = "high", _("Within a week")

    need = models.CharField(_("what you need"), max_length=200,
                            help_text=_("Such as: a checklist for calling back customers who complained."))
    details = models.TextField(_("more detail (optional)"), blank=True)
    team = models.ForeignKey(BusinessUnit, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("for which team"))
    why = models.TextField(_("why it matters to customers"))
    urgency = models.CharField(_("how urgent"), max_length=16, choices=Urgency, default=Urgency.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.NEW)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("owner"), help_text=_("Who writes or finds the content."))
    target_on = models.DateField(_("target date"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="merged",
                                    verbose_name=_("merged into"))
    resource = models.ForeignKey(Resource, models.PROTECT, null=True, blank=True, related_name="requests",
                                 verbose_name=_("resource delivered"))
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = ContentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("content request")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["new", "accepted", "declined", "merged", "delivered"]),
                                   name="request_status_valid"),
            models.CheckConstraint(condition=~Q(status="merged") | Q(merged_into__isnull=False),
                                   name="request_merged_has_target"),
            models.CheckConstraint(condition=~Q(status="delivered") | Q(resource__isnull=False),
                                   name="request_delivered_has_resource"),
            models.CheckConstraint(condition=~Q(merged_into=F("pk")), name="request_not_merged_into_itself"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="request_status_created")]

    def __str__(self) -> str:
        return self.need

    def get_absolute_url(self) -> str:
        return reverse("library:request-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
