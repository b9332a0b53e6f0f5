"""Forms of the standards app: standards and their versions, principles, communication plans and the calendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cxcoe.lib.editor import MarkdownTextarea
from cxcoe.lib.forms import (
    BootstrapFormMixin,
    OnceFormMixin,
    ServiceValuesMixin,
    active_person_by_email,
    date_input,
    model_form_field,
    search_field,
)
from cxcoe.lib.pickers import PersonPicker, UnitMultipleChoiceField, offer_lookup
from cxcoe.lib.ranges import VERSION_NUMBER
from cxcoe.models import BusinessUnit, ReviewRecord, User
from cxcoe.reviews.forms import ReviewForm

from .models import Communication, CommunicationPlan, Principle, Standard, StandardVersion


class StandardSettingsForm(ServiceValuesMixin, OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    """Who owns, approves and must acknowledge a standard, and its review schedule. Its text is in versions."""

    owner_email = forms.EmailField(label=_("Owner"), required=False, widget=PersonPicker(),
                                   help_text=_("Keeps it right and reviews it. Empty: CoE staff do."))
    approver_email = forms.EmailField(
        label=_("Approver"), required=False, widget=PersonPicker(),
        help_text=_("A leader or CoE staff member who approves new versions. Empty: any CoE staff member."))

    people_fields = {"owner_email": "owner", "approver_email": "approver"}

    class Meta:
        formfield_callback = model_form_field
        model = Standard
        fields = ["code", "principle", "audience_units", "audience_role", "requires_acknowledgement", "ack_days",
                  "joiner_ack_days", "review_interval_days", "next_review_on"]
        widgets = {"next_review_on": date_input()}
        field_classes = {"audience_units": UnitMultipleChoiceField}
        help_texts = {"next_review_on": _("Set when the first version is approved; change it to move the review.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        principles = Principle.objects.active()
        if self.instance.principle_id:
            principles = Principle.objects.filter(pk=self.instance.principle_id) | principles
        self.fields["principle"].queryset = principles
        self.fields["audience_units"].queryset = BusinessUnit.objects.filter(is_active=True)
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["owner_email"].initial = self.instance.owner.email if self.instance.owner else ""
            self.fields["approver_email"].initial = self.instance.approver.email if self.instance.approver else ""
        else:
            del self.fields["next_review_on"]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not self.instance.pk and Standard.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Another standard already has the code %(code)s.") % {"code": code})
        return code

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean_approver_email(self) -> User | None:
        approver = active_person_by_email(self.cleaned_data["approver_email"])
        if approver is not None and not (approver.is_coe_staff or approver.is_leader):
            raise forms.ValidationError(_("The approver must be a leader or a member of CoE staff."))
        return approver

    def clean_next_review_on(self):
        value = self.cleaned_data.get("next_review_on")
        today = timezone.localdate()
        if value is not None and not today - timedelta(days=3650) <= value <= today + timedelta(days=1095):
            raise forms.ValidationError(_("Choose a date within the next three years."))
        return value

    def clean(self):
        data = super().clean()
        interval = data.get("review_interval_days")
        if interval is not None and not 30 <= interval <= 1095:
            self.add_error("review_interval_days", _("Choose between 30 days and 3 years (1095 days)."))
        return data


class VersionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        formfield_callback = model_form_field
        model = StandardVersion
        fields = ["title", "statement", "rationale_customers", "rationale_employees", "rationale_business", "metric",
                  "target", "data_source", "change_summary", "needs_reacknowledgement"]
        widgets = {
            "statement": MarkdownTextarea(attrs={"rows": 4}),
            "rationale_customers": MarkdownTextarea(attrs={"rows": 3}),
            "rationale_employees": MarkdownTextarea(attrs={"rows": 3}),
            "rationale_business": MarkdownTextarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, first_version: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rationale_customers"].required = True
        self.fields["rationale_customers"].help_text = _("Start here: every standard exists for a customer.")
        if first_version:
            # Nothing to compare with or to acknowledge again on a first version.
            del self.fields["change_summary"]
            del self.fields["needs_reacknowledgement"]
        else:
            self.fields["change_summary"].required = True


class ApproveForm(BootstrapFormMixin, forms.Form):
    effective_on = forms.DateField(label=_("Effective from"), required=False, widget=date_input(),
                                   help_text=_("Empty: today."))
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean_effective_on(self):
        value = self.cleaned_data["effective_on"]
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The effective date can't be in the past."))
        if value is not None and value > timezone.localdate() + timedelta(days=366):
            raise forms.ValidationError(_("Choose a date within the next year."))
        return value


class SendBackForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=_("What needs to change"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": _("Say what needs to change, so the author can fix it.")})

    def __init__(self, *args, **kwargs):
        # Shown beside the approve form, which has a "comment" field too: element ids must differ.
        kwargs.setdefault("auto_id", "send_back_%s")
        super().__init__(*args, **kwargs)


class RetireForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("Why it is retired"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Say why, for the people who read its history later.")})


class StandardReviewForm(ReviewForm):
    OUTCOME_HELP = {
        ReviewRecord.Outcome.CONFIRMED: _("Confirmed keeps it as it is: still right for customers, measured and "
                                          "achievable."),
        ReviewRecord.Outcome.UPDATED: _("Updated opens a new draft for you to write."),
        ReviewRecord.Outcome.RETIRED: _("Retired withdraws it: pending acknowledgements end, its history stays."),
    }


class StandardFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field()
    principle = forms.ModelChoiceField(label=_("Principle"), queryset=Principle.objects.all(), required=False,
                                       empty_label=_("All principles"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), ("awaiting", _("Waiting for approval")),
                                        *Standard.Status.choices])
    owner = forms.ChoiceField(label=_("Owner"), required=False,
                              choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("CoE staff (no owner)"))])
    review = forms.ChoiceField(label=_("Review"), required=False,
                               choices=[("", _("Any")), ("stale", _("Stale")),
                                        ("soon", _("Due within 30 days")), ("ok", _("Up to date"))])
    ack = forms.ChoiceField(label=_("Acknowledgement"), required=False,
                            choices=[("", _("Any")), ("required", _("Needs acknowledgement")),
                                     ("pending_me", _("Pending for me")), ("overdue", _("Overdue")),
                                     ("none", _("No acknowledgement"))])
    approver = forms.ChoiceField(label=_("Approver"), required=False,
                                 choices=[("", _("Anyone")), ("me", _("Me")), ("others", _("Someone else"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("code", _("Code")), ("title", _("Title")), ("review", _("Next review")),
                                      ("new", _("Newest first"))])

    ORDER = {"code": ["code"], "title": ["title", "code"], "review": [F("next_review_on").asc(nulls_last=True), "code"],
             "new": ["-created_at", "code"]}


class AcknowledgementFilterForm(BootstrapFormMixin, forms.Form):
    """The acknowledgement list's filters: whose (one person, or the people of one unit and, with `level`, the
    units below it; both are set by the link that leads here) and which."""

    status = forms.ChoiceField(label=_("Show"), required=False,
                               choices=[("", _("Every request")), ("pending", _("Not yet acknowledged")),
                                        ("overdue", _("Overdue")), ("acknowledged", _("Acknowledged"))])
    level = forms.ChoiceField(label=_("People"), required=False,
                              choices=[("all", _("This unit and every unit below")), ("own", _("This unit alone"))])
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=VERSION_NUMBER[0], max_value=VERSION_NUMBER[1])
    b = forms.IntegerField(min_value=VERSION_NUMBER[0], max_value=VERSION_NUMBER[1])


# Principles


class PrincipleForm(OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    class Meta:
        formfield_callback = model_form_field
        model = Principle
        fields = ["title", "statement", "explanation", "examples"]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "explanation": MarkdownTextarea(attrs={"rows": 6}),
            "examples": MarkdownTextarea(attrs={"rows": 6}),
        }

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        # The database only refuses the exact same title; "We make it easy" and "we make it easy" are one too.
        if Principle.objects.filter(title__iexact=title).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another principle already has this title."))
        return title

    def clean_statement(self) -> str:
        return " ".join(self.cleaned_data["statement"].split())


class ArchiveForm(forms.Form):
    archived = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


# Communication plans and the calendar


class PlanForm(ServiceValuesMixin, OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    people_fields = {"owner_email": "owner"}

    owner_email = forms.EmailField(label=_("Owner"), widget=PersonPicker(),
                                   help_text=_("Email address of the person who runs this plan and gets its "
                                               "reminders."))

    class Meta:
        formfield_callback = model_form_field
        model = CommunicationPlan
        fields = ["title", "objective", "audience_units", "audience_role", "standards", "principles", "starts_on",
                  "ends_on"]
        widgets = {
            "objective": MarkdownTextarea(attrs={"rows": 5}),
            "standards": forms.SelectMultiple(attrs={"size": 6}),
            "principles": forms.SelectMultiple(attrs={"size": 6}),
            "starts_on": date_input(),
            "ends_on": date_input(),
        }
        field_classes = {"audience_units": UnitMultipleChoiceField}
        help_texts = {
            "audience_units": _("People in these units and every unit below them. None: the whole organization."),
            "standards": _("Optional. Hold Ctrl (⌘ on a Mac) to pick several."),
            "principles": _("Optional. Hold Ctrl (⌘ on a Mac) to pick several."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance
        linked_standards = Q(pk__in=plan.standards.values("pk")) if plan.pk else Q(pk__in=[])
        linked_principles = Q(pk__in=plan.principles.values("pk")) if plan.pk else Q(pk__in=[])
        linked_units = Q(pk__in=plan.audience_units.values("pk")) if plan.pk else Q(pk__in=[])
        # Archived units, retired standards and archived principles are offered only when already linked.
        self._choices("audience_units").queryset = BusinessUnit.objects.filter(
            Q(is_active=True) | linked_units).order_by("path")
        # Only standards the editor may read: a plan owner outside CoE staff must not see others' drafts.
        self._choices("standards").queryset = Standard.objects.visible_to(user).filter(
            ~Q(status=Standard.Status.RETIRED) | linked_standards).order_by("code")
        self._choices("principles").queryset = Principle.objects.filter(
            Q(is_archived=False) | linked_principles).order_by("position", "pk")
        self.fields["owner_email"].initial = (plan.owner if plan.owner_id else user).email
        offer_lookup(self, user)

    def _choices(self, name: str) -> forms.ModelMultipleChoiceField:
        return cast(forms.ModelMultipleChoiceField, self.fields[name])

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean_standards(self) -> list[Standard]:
        # Links to standards the editor can't read (a CoE draft, say) are not offered, and stay as they are.
        offered = self._choices("standards").queryset
        hidden = self.instance.standards.exclude(pk__in=offered.values("pk")) \
            if self.instance.pk and offered is not None else Standard.objects.none()
        return [*self.cleaned_data["standards"], *hidden]

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date."))
        elif starts_on and ends_on and self.instance.pk:
            outside = (self.instance.communications.scheduled()
                       .filter(Q(scheduled_on__lt=starts_on) | Q(scheduled_on__gt=ends_on))
                       .order_by("scheduled_on").first())
            if outside is not None:
                field = "starts_on" if outside.scheduled_on < starts_on else "ends_on"
                self.add_error(field, _("\u201c%(title)s\u201d is on %(date)s, outside these dates. Move or cancel "
                                        "it first.") % {"title": outside.title,
                                                        "date": date_format(outside.scheduled_on)})
        return data


class CommunicationForm(ServiceValuesMixin, OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    people_fields = {"owner_email": "owner"}

    owner_email = forms.EmailField(label=_("Owner"), widget=PersonPicker(),
                                   help_text=_("Email address of the person who prepares it and is reminded "
                                               "until it is ready."))

    class Meta:
        formfield_callback = model_form_field
        model = Communication
        fields = ["title", "channel", "scheduled_on", "message"]
        widgets = {"scheduled_on": date_input(), "message": MarkdownTextarea(attrs={"rows": 8})}

    def __init__(self, *args, plan: CommunicationPlan, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        offer_lookup(self, user)
        current_owner = self.instance.owner if self.instance.owner_id else plan.owner
        self.fields["owner_email"].initial = current_owner.email
        self.fields["scheduled_on"].help_text = _("Between %(start)s and %(end)s, the plan's dates.") % {
            "start": date_format(plan.starts_on), "end": date_format(plan.ends_on)}
        self.fields["channel"].help_text = _("Email can be sent to the plan's audience by cxcoe itself.")

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean_scheduled_on(self) -> date:
        scheduled_on = self.cleaned_data["scheduled_on"]
        if not self.plan.starts_on <= scheduled_on <= self.plan.ends_on:
            raise forms.ValidationError(
                _("Choose a date within the plan, from %(start)s to %(end)s.") % {
                    "start": date_format(self.plan.starts_on), "end": date_format(self.plan.ends_on)})
        return scheduled_on


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Communication.Status.choices)


class PlanFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field()
    state = forms.ChoiceField(label=_("Show"), required=False,
                              choices=[("active", _("Active plans")), ("archived", _("Archived plans")),
                                       ("all", _("All plans"))])
    owner = forms.ChoiceField(label=_("Owner"), required=False,
                              choices=[("", _("Anyone")), ("me", _("Me"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("-starts", _("Newest first")), ("starts", _("Oldest first")),
                                      ("title", _("Title")), ("ends", _("Ending soonest"))])


class CalendarFilterForm(BootstrapFormMixin, forms.Form):
    month = forms.CharField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All channels")), *Communication.Channel.choices])
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    due = forms.ChoiceField(label=_("Show"), required=False,
                            choices=[("", _("The month")), ("overdue", _("Past their date, not sent")),
                                     ("week", _("Due in the next 7 days"))])

    def clean_month(self) -> date | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            if not 1900 <= year <= 2999:  # keeps the previous and next months valid dates too
                raise ValueError
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None
