import functools
import re
import uuid
import zoneinfo

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import notifications
from .models import AUDIT_VERBS, BusinessUnit, NotificationPreference, Reminder, ReviewRecord, User
from .submissions import ONCE_FIELD, parse_token


@functools.cache
def _time_zone_choices() -> tuple[tuple[str, str], ...]:
    # available_timezones() walks the tz database on disk (about 40 ms), and the database only changes
    # with a package upgrade, which restarts the process: build the list once per process.
    return tuple((name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()))


def date_input() -> forms.DateInput:
    """The browser's date picker, showing and reading ISO dates."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# SQLite refuses a LIKE pattern over 50,000 bytes, and no name or title comes near this.
SEARCH_MAX_LENGTH = 200


def search_field(label: str | None = None) -> forms.CharField:
    """The free-text box of a filter form: too long a query is an error beside the box, not a 500."""
    return forms.CharField(label=label or _("Search"), required=False, max_length=SEARCH_MAX_LENGTH)


def active_person_by_email(email: str) -> User | None:
    """The active person with this address (any case); None for a blank; a clear error when nobody has it."""
    email = email.strip().lower()
    if not email:
        return None
    person = User.objects.active().filter(email__iexact=email).first()
    if person is None:
        raise forms.ValidationError(_("Nobody active has the address %(email)s.") % {"email": email})
    return person


# The widest key any of our databases holds (a 64-bit integer): SQLite raises OverflowError on a bigger one in
# "id IN (...)", which Django's choice fields don't catch.
LARGEST_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no table can hold before asking the database about them, as an invalid choice."""

    def _check_values(self, value):
        if not self.to_field_name:
            for pk in value if isinstance(value, list | tuple) else []:
                try:
                    number = int(str(pk))
                except ValueError:  # not a number at all: Django's own check refuses it
                    continue
                if abs(number) > LARGEST_ID:
                    raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                                params={"value": str(pk)[:20]})
        return super()._check_values(value)


def model_form_field(db_field, **kwargs):
    """Every model form's fields, as Django makes them, but many-to-many choices through the field above."""
    if isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    return db_field.formfield(**kwargs)


class OnceFormMixin:
    """A create form's one-time token, issued in a hidden field, so that the form sent twice saves one row.

    The view spends it with cxcoe.submissions.save_once; an edit form (an instance with a pk) has none, since
    saving the same values twice changes nothing. The token is kept as `submission_token`, out of
    cleaned_data, so that a view still passes `**form.cleaned_data` to its service.
    """

    submission_token: uuid.UUID | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is None or instance.pk is None:
            self.fields[ONCE_FIELD] = forms.CharField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)

    def add_prefix(self, field_name: str) -> str:
        # The same name whatever the form's prefix, so that @saves_once finds it before any form is built.
        return field_name if field_name == ONCE_FIELD else super().add_prefix(field_name)

    def clean(self):
        data = super().clean()
        self.submission_token = parse_token(data.pop(ONCE_FIELD, None))
        return data


class BootstrapFormMixin:
    """Give every widget Bootstrap's classes, and mark invalid fields for styling and screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}_errors"


class ProfileForm(BootstrapFormMixin, forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)

    class Meta:
        formfield_callback = model_form_field
        model = User
        fields = ["display_name", "job_title", "time_zone"]


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


class UnitForm(OnceFormMixin, BootstrapFormMixin, forms.ModelForm):
    # Email addresses rather than a list of everyone: an organization has tens of thousands of people.
    leader_emails = forms.CharField(
        label=_("Leaders"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Email addresses of the people who lead this unit, separated by commas or new lines."),
    )

    owner_email = forms.EmailField(
        label=_("Review owner"),
        required=False,
        help_text=_("Confirms every so often that this unit's details are right. Empty: CoE staff do."),
    )

    class Meta:
        formfield_callback = model_form_field
        model = BusinessUnit
        fields = ["code", "name", "parent", "is_active", "review_interval_days", "next_review_on"]
        help_texts = {"code": _("A stable key used by imports, such as SAL-01. It cannot change later.")}
        widgets = {"next_review_on": date_input()}

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
        emails = list(dict.fromkeys(part.lower() for part in re.split(r"[\s,;]+", self.cleaned_data["leader_emails"])
                                    if part))
        leaders = list(User.objects.active().filter(email__in=emails))
        if unknown := sorted(set(emails) - {leader.email for leader in leaders}):
            raise forms.ValidationError(_("Nobody active has the address %(emails)s.") % {"emails": ", ".join(unknown)})
        return leaders


class DeactivateForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=200)


class PeopleFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field()
    unit = forms.ModelChoiceField(label=_("Business unit"), queryset=BusinessUnit.objects.all(), required=False,
                                  empty_label=_("All units"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("active", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))])
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("Any role")), ("coe_staff", _("CoE staff")), ("leader", _("Leader"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("name", _("Name")), ("unit", _("Unit")), ("-joined", _("Newest first"))])


def _verb_choices() -> list[tuple[str, str]]:
    """Read when a form is built: apps add their verbs when they are ready."""
    return [("", _("Any action")), *sorted(AUDIT_VERBS.items(), key=lambda item: str(item[1]))]


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field(_("Object or email"))
    verb = forms.ChoiceField(label=_("Action"), required=False,
                             choices=_verb_choices)
    actor = search_field(_("Actor email"))
    since = forms.DateField(label=_("From"), required=False, widget=date_input())
    until = forms.DateField(label=_("To"), required=False, widget=date_input())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


class ReviewForm(OnceFormMixin, BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewRecord.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, can_retire: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_retire:
            self.fields["outcome"].choices = [choice for choice in ReviewRecord.Outcome.choices
                                              if choice[0] != ReviewRecord.Outcome.RETIRED]


def _kind_choices(empty_label) -> list[tuple[str, str]]:
    """The registered kinds by label, read when a form is built: after every app has registered its kinds."""
    kinds = sorted(notifications.KINDS.values(), key=lambda kind: str(kind.label))
    return [("", empty_label), *((kind.name, kind.label) for kind in kinds)]


class NotificationFilterForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=lambda: _kind_choices(_("All kinds")))
    unread = forms.BooleanField(label=_("Unread only"), required=False)


class _PerKindDeliveryFields(forms.Form):
    """One delivery select per registered kind that people may tune (important kinds are always emailed at once).

    The fields are added here, under BootstrapFormMixin in the MRO, so that the mixin styles them too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_names: dict[str, str] = {}  # field name -> kind name
        choices = [("", _("Use my default")), *NotificationPreference.Delivery.choices]
        for kind in sorted(notifications.KINDS.values(), key=lambda kind: str(kind.label)):
            if kind.important:
                continue
            name = "kind_" + re.sub(r"\W", "_", kind.name)
            self.kind_names[name] = kind.name
            self.fields[name] = forms.ChoiceField(label=kind.label, required=False, choices=choices)


class NotificationPreferencesForm(BootstrapFormMixin, _PerKindDeliveryFields):
    default = forms.ChoiceField(
        label=_("Email me"), choices=NotificationPreference.Delivery.choices,
        help_text=_("For every kind of notification, unless you choose otherwise below."),
    )

    def __init__(self, *args, current: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.fields["default"].initial = current.get("", NotificationPreference.Delivery.IMMEDIATE)
        for field_name, kind_name in self.kind_names.items():
            self.fields[field_name].initial = current.get(kind_name, "")

    def kind_fields(self) -> list:
        return [self[name] for name in self.kind_names]

    def important_kinds(self) -> list[notifications.Kind]:
        important = (kind for kind in notifications.KINDS.values() if kind.important)
        return sorted(important, key=lambda kind: str(kind.label))

    def deliveries(self) -> dict[str, str]:
        """{kind name: delivery, or "" for "use my default"} from the cleaned data."""
        return {kind_name: self.cleaned_data[field_name] for field_name, kind_name in self.kind_names.items()}


class ReminderFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Reminder.Status.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=lambda: _kind_choices(_("All kinds")))
