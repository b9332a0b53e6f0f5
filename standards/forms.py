from datetime import timedelta

from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxcoe.forms import BootstrapFormMixin, ReviewForm
from cxcoe.models import BusinessUnit, User

from .models import Principle, Standard, StandardVersion

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def active_person(email: str) -> User | None:
    email = email.strip().lower()
    if not email:
        return None
    person = User.objects.active().filter(email__iexact=email).first()
    if person is None:
        raise forms.ValidationError(_("Nobody active has the address %(email)s.") % {"email": email})
    return person


class StandardSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """Who owns, approves and must acknowledge a standard, and its review schedule. Its text is in versions."""

    owner_email = forms.EmailField(label=_("Owner"), required=False,
                                   help_text=_("Keeps it right and reviews it. Empty: CoE staff do."))
    approver_email = forms.EmailField(
        label=_("Approver"), required=False,
        help_text=_("A leader or CoE staff member who approves new versions. Empty: any CoE staff member."))

    class Meta:
        model = Standard
        fields = ["code", "principle", "audience_units", "audience_role", "requires_acknowledgement", "ack_days",
                  "joiner_ack_days", "review_interval_days", "next_review_on"]
        widgets = {"next_review_on": DATE_INPUT, "audience_units": forms.SelectMultiple(attrs={"size": 6})}
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
        return active_person(self.cleaned_data["owner_email"])

    def clean_approver_email(self) -> User | None:
        approver = active_person(self.cleaned_data["approver_email"])
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

    def apply_people(self, standard: Standard) -> Standard:
        standard.owner = self.cleaned_data["owner_email"]
        standard.approver = self.cleaned_data["approver_email"]
        return standard


class VersionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = StandardVersion
        fields = ["title", "statement", "rationale_customers", "rationale_employees", "rationale_business", "metric",
                  "target", "data_source", "change_summary", "needs_reacknowledgement"]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 4}),
            "rationale_customers": forms.Textarea(attrs={"rows": 3}),
            "rationale_employees": forms.Textarea(attrs={"rows": 3}),
            "rationale_business": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, first_version: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rationale_customers"].required = True
        self.fields["rationale_customers"].help_text = _("Start here: every standard exists for a customer. Markdown.")
        if first_version:
            # Nothing to compare with or to acknowledge again on a first version.
            del self.fields["change_summary"]
            del self.fields["needs_reacknowledgement"]
        else:
            self.fields["change_summary"].required = True


class ApproveForm(BootstrapFormMixin, forms.Form):
    effective_on = forms.DateField(label=_("Effective from"), required=False, widget=DATE_INPUT,
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
    pass


class StandardFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
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
                                     ("pending_me", _("Pending for me")), ("none", _("No acknowledgement"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("code", _("Code")), ("title", _("Title")), ("review", _("Next review")),
                                      ("new", _("Newest first"))])

    ORDER = {"code": ["code"], "title": ["title", "code"], "review": [F("next_review_on").asc(nulls_last=True), "code"],
             "new": ["-created_at", "code"]}


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)
