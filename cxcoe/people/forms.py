"""The forms of the people, units and profile pages."""

import functools
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from ..lib.forms import (
    BootstrapFormMixin,
    OnceFormMixin,
    ServiceValuesMixin,
    active_person_by_email,
    date_input,
    model_form_field,
    search_field,
)
from ..lib.pickers import PeoplePicker, PersonPicker, UnitChoiceField, split_emails
from ..models import BusinessUnit, ReviewRecord, User
from ..reviews.forms import ReviewForm


@functools.cache
def _time_zone_choices() -> tuple[tuple[str, str], ...]:
    # available_timezones() walks the tz database on disk (about 40 ms), and the database only changes
    # with a package upgrade, which restarts the process: build the list once per process.
    return tuple((name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()))


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)

    class Meta:
        formfield_callback = model_form_field
        model = User
        fields = ["display_name", "job_title", "time_zone", "date_style"]
        labels = {"date_style": _("Dates")}
        help_texts = {"date_style": _("How every date reads across cxcoe, in its emails and in date boxes.")}
        widgets = {"date_style": forms.RadioSelect}


class PersonForm(BootstrapFormMixin, forms.ModelForm):
    is_coe_staff = forms.BooleanField(
        label=_("CoE staff"),
        required=False,
        help_text=_("Runs the CX Center of Excellence: manages people, content and programs."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)

    class Meta:
        formfield_callback = model_form_field
        model = User
        fields = ["display_name", "email", "business_unit", "job_title", "time_zone"]
        field_classes = {"business_unit": UnitChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business_unit"].queryset = BusinessUnit.objects.filter(is_active=True)
        self.fields["business_unit"].required = True
        self.fields["is_coe_staff"].initial = self.instance.is_coe_staff

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another person already uses this email address."))
        return email


class UnitForm(ServiceValuesMixin, OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    people_fields = {"owner_email": "owner", "leader_emails": "leaders"}

    # Email addresses rather than a list of everyone: an organization has tens of thousands of people.
    leader_emails = forms.CharField(
        label=_("Leaders"),
        required=False,
        widget=PeoplePicker(),
        help_text=_("Email addresses of the people who lead this unit, separated by commas or new lines."),
    )

    owner_email = forms.EmailField(
        label=_("Review owner"),
        required=False,
        widget=PersonPicker(),
        help_text=_("Confirms every so often that this unit's details are right. Empty: CoE staff do."),
    )

    class Meta:
        formfield_callback = model_form_field
        model = BusinessUnit
        fields = ["code", "name", "parent", "is_active", "review_interval_days", "next_review_on"]
        help_texts = {"code": _("A stable key used by imports, such as SAL-01. It cannot change later.")}
        widgets = {"next_review_on": date_input()}
        field_classes = {"parent": UnitChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = BusinessUnit.objects.all()
        if self.instance.pk:
            self.fields["code"].disabled = True
            parents = parents.exclude(path__startswith=self.instance.path)
            self.fields["leader_emails"].initial = "\n".join(self.instance.leaders.values_list("email", flat=True))
            self.fields["owner_email"].initial = self.instance.owner.email if self.instance.owner else ""
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("None (top level)")
        self.fields["review_interval_days"].required = False

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_owner_email(self) -> User | None:
        return active_person_by_email(self.cleaned_data["owner_email"])

    def clean_review_interval_days(self) -> int:
        days = self.cleaned_data["review_interval_days"]
        if days is None:
            return self.instance.review_interval_days
        if not 7 <= days <= 1095:
            raise forms.ValidationError(_("Choose between 7 days and 3 years (1095 days)."))
        return days

    def clean_leader_emails(self) -> list[User]:
        emails = split_emails(self.cleaned_data["leader_emails"])
        leaders = list(User.objects.active().filter(email__in=emails))
        if unknown := sorted(set(emails) - {leader.email for leader in leaders}):
            raise forms.ValidationError(_("Nobody active has the address %(emails)s.") % {"emails": ", ".join(unknown)})
        return leaders


class DeactivateForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=200)


class PeopleFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field()
    unit = UnitChoiceField(label=_("Business unit"), queryset=BusinessUnit.objects.all(), required=False,
                           empty_label=_("All units"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("active", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))])
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("Any role")), ("coe_staff", _("CoE staff")), ("leader", _("Leader"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("name", _("Name")), ("unit", _("Unit")), ("-joined", _("Newest first"))])


class UnitReviewForm(ReviewForm):
    OUTCOME_HELP = {
        ReviewRecord.Outcome.CONFIRMED: _("Confirmed: its name, place, leaders and people are still right."),
        ReviewRecord.Outcome.UPDATED: _("Updated: you corrected what was wrong, on its edit page or by an import."),
        ReviewRecord.Outcome.RETIRED: _("Retired archives the unit: it keeps its history but leaves dashboards "
                                        "and reminders."),
    }
