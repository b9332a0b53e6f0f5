"""Forms of the library: a resource, its review, the list's filters, My reviews' bulk actions, and content requests
(asking, the queue's filters, and the triage forms of a request's page)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxcoe.lib.editor import MarkdownTextarea
from cxcoe.lib.forms import (
    BootstrapFormMixin,
    ModelMultipleChoiceField,
    OnceFormMixin,
    ServiceValuesMixin,
    active_person_by_email,
    day_field,
    model_form_field,
    search_field,
)
from cxcoe.lib.pickers import PersonPicker, UnitChoiceField, UnitMultipleChoiceField, offer_lookup
from cxcoe.models import BusinessUnit, ReviewRecord, User
from cxcoe.reviews.forms import ReviewForm
from standards.models import Principle, Standard

from .models import TAG_LENGTH, ContentRequest, Resource
from .uploads import ResourceFileField

TAGS_MAX = 12
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ResourceForm(ServiceValuesMixin, OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    """What a resource says and who it is for. Its impact statement may wait while it is a draft."""

    owner_email = forms.EmailField(label=_("Owner"), required=False, widget=PersonPicker(),
                                   help_text=_("Keeps it up to date and reviews it. Empty: CoE staff do."))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=400,
                           help_text=_("Words people search for, separated by commas: complaints, phone."))
    change_note = forms.CharField(label=_("What changed"), required=False, max_length=300,
                                  help_text=_("A line for the resource's history."))

    people_fields = {"owner_email": "owner"}

    class Meta:
        formfield_callback = model_form_field
        model = Resource
        fields = ["kind", "title", "summary", "body", "url", "file", "importance", "impact_customers",
                  "impact_employees", "impact_business", "metric", "principles", "standards", "audience_units",
                  "audience_role", "review_interval_days"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "body": MarkdownTextarea(attrs={"rows": 12}),
            "importance": forms.Textarea(attrs={"rows": 3}),
            "impact_customers": forms.Textarea(attrs={"rows": 2}),
            "impact_employees": forms.Textarea(attrs={"rows": 2}),
            "impact_business": forms.Textarea(attrs={"rows": 2}),
            "principles": forms.CheckboxSelectMultiple,
            "standards": forms.SelectMultiple(attrs={"size": 6}),
        }
        field_classes = {"audience_units": UnitMultipleChoiceField, "file": ResourceFileField}
        help_texts = {
            "body": _("For articles, playbooks, templates, checklists and case studies."),
            "url": _("For a video or a link: where it is, starting with https://."),
            "standards": _("Optional. Hold Ctrl (⌘ on a Mac) to pick several. When one of them changes, you are "
                           "asked to check this resource."),
            "principles": _("Optional. The CX principles it puts into practice."),
            "audience_units": _("People in these units and every unit below them. None: the whole organization."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        resource = self.instance
        linked = resource.pk is not None
        self._choices("principles").queryset = Principle.objects.filter(
            Q(is_archived=False) | Q(pk__in=resource.principles.values("pk") if linked else [])).order_by("position")
        self._choices("standards").queryset = Standard.objects.visible_to(user).filter(
            ~Q(status=Standard.Status.RETIRED) | Q(pk__in=resource.standards.values("pk") if linked else [])
        ).order_by("code")
        self._choices("audience_units").queryset = BusinessUnit.objects.filter(
            Q(is_active=True) | Q(pk__in=resource.audience_units.values("pk") if linked else [])).order_by("path")
        if linked:
            self.fields["owner_email"].initial = resource.owner.email if resource.owner else ""
            self.fields["tags"].initial = ", ".join(tag.name for tag in resource.tags.all())
        else:
            self.fields["owner_email"].initial = user.email
        if resource.status != Resource.Status.PUBLISHED:
            del self.fields["change_note"]
        if not user.is_coe_staff:  # an owner keeps the resource; CoE staff hand it on
            del self.fields["owner_email"]

    def _choices(self, name: str) -> forms.ModelChoiceField:
        return self.fields[name]  # type: ignore[return-value]

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean_tags(self) -> list[str]:
        names = [name.strip().lower() for name in self.cleaned_data["tags"].split(",") if name.strip()]
        too_long = [name for name in names if len(name) > TAG_LENGTH]
        if too_long:
            raise forms.ValidationError(_("Keep each tag under 40 characters: %(tag)s is longer.")
                                        % {"tag": too_long[0]})
        if len(set(names)) > TAGS_MAX:
            raise forms.ValidationError(_("Use at most %(n)s tags.") % {"n": TAGS_MAX})
        return list(dict.fromkeys(names))

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in Resource.LINKED and not data.get("url"):
            self.add_error("url", _("A video or a link needs its address."))
        file = data.get("file")
        if kind == Resource.Kind.FILE and not (file or self.instance.file):
            self.add_error("file", _("Choose the file to upload."))
        if not (file and hasattr(file, "content_type")):
            data.pop("file", None)  # no new upload: the resource keeps its file
        if self.instance.pk and "standards" in data:
            # Links to standards the editor can't read are not offered, and stay as they are.
            offered = self._choices("standards").queryset.values("pk")
            data["standards"] = [*data["standards"], *self.instance.standards.exclude(pk__in=offered)]
        return data


class ResourceReviewForm(ReviewForm):
    """The review of a resource: its outcome, whether the impact statement still holds and, when a linked standard
    or principle changed since the last check, whether the resource still fits it."""

    OUTCOME_HELP = {
        ReviewRecord.Outcome.CONFIRMED: _("Confirmed: it is still right and useful; the next review is scheduled."),
        ReviewRecord.Outcome.UPDATED: _("Updated: you edit it now, and saving the edit records the review."),
        ReviewRecord.Outcome.RETIRED: _("Retired: it is archived. It leaves lists and search; links to it keep "
                                        "working."),
    }

    impact_holds = forms.TypedChoiceField(
        label=_("Does the impact statement still hold?"), choices=YES_NO, widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
        help_text=_("Why it matters, and its expected impact on customers, employees and the business."))
    links_hold = forms.TypedChoiceField(
        label=_("A linked standard or principle changed. Does the resource still hold?"), choices=YES_NO,
        widget=forms.RadioSelect, coerce=lambda value: value == "yes", required=False)

    def __init__(self, *args, item: Resource, by, links_changed: bool = False, **kwargs):
        super().__init__(*args, item=item, by=by, **kwargs)
        if links_changed:
            self.fields["links_hold"].required = True
        else:
            del self.fields["links_hold"]
        order = ["outcome", "impact_holds", "links_hold", "note"]
        self.order_fields([name for name in order if name in self.fields])

    def clean(self):
        data = super().clean()
        if data.get("outcome") == ReviewRecord.Outcome.CONFIRMED:
            if data.get("impact_holds") is False:
                self.add_error("impact_holds", _("Then update the impact statement first: choose \u201cUpdated\u201d."))
            if data.get("links_hold") is False:
                self.add_error("links_hold", _("Then bring the resource in line first: choose \u201cUpdated\u201d."))
        data.setdefault("links_hold", None)
        return data


class ArchiveForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


FRESHNESS_CHOICES = [("", _("Any")), ("stale", _("Stale")), ("soon", _("Review due within 30 days")),
                     ("ok", _("Fresh")), ("changed", _("Linked standard changed"))]


class ResourceFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field()
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *Resource.Kind.choices])
    principle = forms.ModelChoiceField(label=_("Principle"), queryset=Principle.objects.all(), required=False,
                                       empty_label=_("All principles"))
    standard = forms.ModelChoiceField(label=_("Standard"), queryset=Standard.objects.none(), required=False,
                                      empty_label=_("All standards"))
    audience = UnitChoiceField(label=_("For unit"), queryset=BusinessUnit.objects.filter(is_active=True),
                               required=False, empty_label=_("Any audience"),
                               help_text=_("Resources for this unit, the units above it, or everyone."))
    owner = forms.ChoiceField(label=_("Owner"), required=False,
                              choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("CoE staff (no owner)"))])
    owner_person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    # Set by a standard's page: the resources linked to it not checked since its current version.
    changed_standard = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1,
                                          max_value=2**31 - 1)
    freshness = forms.ChoiceField(label=_("Freshness"), required=False, choices=FRESHNESS_CHOICES)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Published and drafts")), ("published", _("Published")),
                                        ("draft", _("Drafts")), ("archived", _("Archived"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("", _("Best match, then title")), ("title", _("Title")),
                                      ("new", _("Newest first")), ("views", _("Most read")),
                                      ("review", _("Next review"))])

    ORDER = {"title": ["title", "pk"], "new": [F("published_at").desc(nulls_last=True), "-pk"],
             "views": ["-view_count", "title", "pk"], "review": [F("next_review_on").asc(nulls_last=True), "pk"]}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = Standard.objects.visible_to(user).order_by("code")  # type: ignore[attr-defined]
        if user.is_coe_staff:
            self.fields["freshness"].choices = [*FRESHNESS_CHOICES,  # type: ignore[attr-defined]
                                                ("unused", _("Stale and unread for 180 days"))]
        else:
            # Drafts are their owners'; archived resources are found through their links, not in lists.
            self.fields["status"].choices = [("", _("Published and my drafts")), ("published", _("Published")),  # type: ignore[attr-defined]
                                             ("draft", _("My drafts"))]


class BulkReviewForm(BootstrapFormMixin, forms.Form):
    """My reviews' actions on the resources ticked: confirm them all, or give them all to another owner."""

    ACTIONS = [("confirm", _("Confirm the selected")), ("reassign", _("Reassign the selected"))]

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    selected = ModelMultipleChoiceField(label=_("Resources"), queryset=Resource.objects.none(),
                                              widget=forms.CheckboxSelectMultiple,
                                              error_messages={"required": _("Tick at least one resource.")})
    still_holds = forms.BooleanField(
        label=_("Each one is still right, its impact statement still holds, and any linked standard that changed "
                "does not change it"), required=False)
    owner_email = forms.EmailField(label=_("New owner"), required=False, widget=PersonPicker())

    def __init__(self, *args, queue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].queryset = queue  # type: ignore[attr-defined]

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean(self):
        data = super().clean()
        if data.get("action") == "confirm" and not data.get("still_holds"):
            self.add_error("still_holds", _("Confirm that they all still hold, or review them one by one."))
        if data.get("action") == "reassign" and not data.get("owner_email"):
            self.add_error("owner_email", _("Enter the email address of the new owner."))
        return data


TEXT_MAX_LENGTH = 4000
# A target date further out than this is a typing slip, not a plan.
TARGET_WITHIN = timedelta(days=730)


class RequestForm(OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    """What someone asks the CoE for. The team starts as the person's own unit."""

    details = forms.CharField(label=_("More detail (optional)"), required=False, max_length=TEXT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Who will use it, when, and anything that already exists."))
    why = forms.CharField(label=_("Why it matters to customers"), max_length=TEXT_MAX_LENGTH,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=_("What customers go through today, and what would change for them."),
                          error_messages={"required": _("Say why it matters to customers: the CoE decides on it.")})

    class Meta:
        formfield_callback = model_form_field
        model = ContentRequest
        fields = ["need", "details", "team", "why", "urgency"]
        field_classes = {"team": UnitChoiceField}
        widgets = {"urgency": forms.RadioSelect}
        error_messages = {"need": {"required": _("Say what you need, in a sentence.")}}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        team = cast(forms.ModelChoiceField, self.fields["team"])
        team.queryset = BusinessUnit.objects.filter(is_active=True)
        team.empty_label = _("No one team")
        team.help_text = _("The team the content is for. It starts as your own.")
        if not self.is_bound and user.business_unit_id:
            self.initial.setdefault("team", user.business_unit_id)


class RequestFilterForm(BootstrapFormMixin, forms.Form):
    """The queue's filters for CoE staff; someone else's own list keeps the search and the status."""

    q = search_field(_("Search what was asked"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), ("open", _("Open: new or accepted")),
                                        *ContentRequest.Status.choices])
    urgency = forms.ChoiceField(label=_("How urgent"), required=False,
                                choices=[("", _("Any urgency")), *ContentRequest.Urgency.choices])
    team = UnitChoiceField(label=_("Team"), queryset=BusinessUnit.objects.all(), required=False,
                           empty_label=_("Any team"), help_text=_("With the teams below it."))
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    STAFF_ONLY = ("urgency", "team", "owner")

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.is_coe_staff:
            for name in self.STAFF_ONLY:
                del self.fields[name]
            return
        owners = User.objects.filter(pk__in=ContentRequest.objects.exclude(owner=None).values("owner")).exclude(
            pk=user.pk).order_by("display_name", "email").values_list("pk", "display_name")
        owner = cast(forms.ChoiceField, self.fields["owner"])
        owner.choices = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody yet")),
                         *((str(pk), name) for pk, name in owners)]


class AcceptForm(ServiceValuesMixin, BootstrapFormMixin, forms.Form):
    """Accept with an owner, who writes or finds the content, and a target date."""

    people_fields = {"owner_email": "owner"}

    owner_email = forms.EmailField(label=_("Owner"), widget=PersonPicker(),
                                   help_text=_("Who writes or finds the content. They are told."),
                                   error_messages={"required": _("Choose who writes or finds the content.")})
    target_on = day_field(_("Target date (optional)"), required=False)

    def __init__(self, *args, user: User, request: ContentRequest | None = None, **kwargs):
        kwargs.setdefault("prefix", "accept")
        super().__init__(*args, **kwargs)
        owner = request.owner if request and request.owner else user
        self.fields["owner_email"].initial = owner.email
        offer_lookup(self, user)

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean_target_on(self) -> date | None:
        value = self.cleaned_data["target_on"]
        today = timezone.localdate()
        if value is not None and value < today:
            raise forms.ValidationError(_("The target date can't be in the past."))
        if value is not None and value > today + TARGET_WITHIN:
            raise forms.ValidationError(_("Choose a date within the next two years."))
        return value


class AssignForm(AcceptForm):
    """Change an accepted request's owner or target date; it starts with the ones it has."""

    def __init__(self, *args, user: User, request: ContentRequest | None = None, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, user=user, request=request, **kwargs)
        self.fields["target_on"].initial = request.target_on if request else None

    def clean_target_on(self) -> date | None:
        # A date already set stays allowed when it has passed: the owner is late, not the form.
        initial = self.fields["target_on"].initial
        if self.data.get(self.add_prefix("target_on")) and self.cleaned_data["target_on"] == initial:
            return initial
        return super().clean_target_on()


class DeclineForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why it is declined"), max_length=TEXT_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The person who asked reads this. Point them to what already exists "
                                         "where you can."),
                             error_messages={"required": _("Say why, so the person who asked understands.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decline")
        super().__init__(*args, **kwargs)


class MergeForm(BootstrapFormMixin, forms.Form):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=ContentRequest.objects.none(),
                                  empty_label=_("Choose an open request"),
                                  help_text=_("An open request asking for the same thing. This one is delivered "
                                              "with it, and the person who asked is told."),
                                  error_messages={"required": _("Choose the request to merge into.")})

    def __init__(self, *args, request: ContentRequest, **kwargs):
        kwargs.setdefault("prefix", "merge")
        super().__init__(*args, **kwargs)
        into = cast(forms.ModelChoiceField, self.fields["into"])
        into.queryset = ContentRequest.objects.open().exclude(pk=request.pk).order_by("need", "pk")


class DeliverForm(BootstrapFormMixin, forms.Form):
    resource = forms.ModelChoiceField(label=_("Resource that answers it"), queryset=Resource.objects.none(),
                                      empty_label=_("Choose a published resource"),
                                      help_text=_("Everyone who asked for it is told, with a link."),
                                      error_messages={"required": _("Choose the published resource.")})

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("prefix", "deliver")
        super().__init__(*args, **kwargs)
        resource = cast(forms.ModelChoiceField, self.fields["resource"])
        resource.queryset = Resource.objects.published().visible_to(user).order_by("title", "pk")
