"""What every app's forms build on: Bootstrap classes, the one-time token of create forms, date inputs, the
search box of filter forms, and model fields sized to what a database key can hold."""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.utils import ErrorDict
from django.utils.formats import date_format, get_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ..models import User
from .editor import PREVIEW_FIELD, MarkdownTextarea
from .submissions import ONCE_FIELD, parse_token
from .text import MARKDOWN_MAX_LENGTH

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # The mixins below always come before a Form or ModelForm: mypy checks their methods against BaseForm's.
    _FormMixinBase = forms.BaseForm
else:
    _FormMixinBase = object


def read_day(text: str) -> date | None:
    """A date typed in one of the formats date boxes accept (cxcoe/formats), or None."""
    for day_format in get_format("DATE_INPUT_FORMATS"):
        try:
            return datetime.strptime(text.strip(), day_format).date()  # noqa: DTZ007 (a day, not a moment)
        except ValueError:
            continue
    return None


class DayInput(forms.DateInput):
    """A text box for a date in the person's own date style ("1 Dec 2026", "Dec 1, 2026" or "2026-12-01"), rather
    than the browser's picker, which shows the browser's own format (mm/dd/yyyy in the US). It reads a date in
    any of the styles, with the month short or in full; a date it reads shows in the person's style, anything
    else as it was typed, beside the reason it was refused."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, str):
            value = read_day(value) or value
        return date_format(value, "DATE_FORMAT") if isinstance(value, date) else super().format_value(value)


def date_input() -> DayInput:
    return DayInput()


def _date_example() -> str:
    return _("Enter a date like %(example)s.") % {"example": date_format(date(2026, 12, 1), "DATE_FORMAT")}


def day_field(label: "StrOrPromise", **kwargs) -> forms.DateField:
    """A date field with the app's date box, and an error that shows a date in the person's own style."""
    return forms.DateField(label=label, widget=DayInput(),
                           error_messages={"invalid": lazy(_date_example, str)()}, **kwargs)


# SQLite refuses a LIKE pattern over 50,000 bytes, and no name or title comes near this.
SEARCH_MAX_LENGTH = 200


def search_field(label: "StrOrPromise | None" = None) -> forms.CharField:
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
    """Every model form's fields, as Django makes them, but many-to-many choices through the field above, and
    addresses typed without a scheme read as https (Django 6's default)."""
    if isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")  # an address typed without its scheme
    return db_field.formfield(**kwargs)


class ServiceValuesMixin(_FormMixinBase):
    """A form whose cleaned_data is what its service takes, so that a view passes `**form.cleaned_data` as it is.

    Fields that take people's addresses (`owner_email`, `leader_emails`) clean to the people, and end up under
    the names the model and the service use (`owner`, `leaders`): `people_fields` maps one to the other.
    A disabled field (a code shown but not changed once saved) is left out, as it is not a value to save.
    """

    people_fields: dict[str, str] = {}

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if field.disabled:
                data.pop(name, None)
        for field_name, name in self.people_fields.items():
            if field_name in data:
                data[name] = data.pop(field_name)
        return data


class OnceFormMixin(_FormMixinBase):
    """A create form's one-time token, issued in a hidden field, so that the form sent twice saves one row.

    The view spends it with cxcoe.lib.submissions.save_once; an edit form (an instance with a pk) has none, since
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


class BootstrapFormMixin(_FormMixinBase):
    """Give every widget Bootstrap's classes, and mark invalid fields for styling and screen readers.

    An invalid field is described by its error and its help text both (`<auto_id>_errors`, then
    `<auto_id>_helptext`, as partials/_field.html writes them; a prefixed form's ids carry its prefix, so two
    forms on one page don't share an id): the hint still says what to type.

    A request sent with a Markdown editor's Preview button (cxcoe.lib.editor.PREVIEW_FIELD) saves nothing, whatever
    its view: every form of it is `is_preview`, has no errors and is not valid, so the view shows it again as typed,
    each MarkdownTextarea with its preview.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_preview = self.is_bound and PREVIEW_FIELD in self.data
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, MarkdownTextarea):
                widget.label, widget.previewing = field.label or "", self.is_preview
                if isinstance(field, forms.CharField) and field.max_length is None:
                    field.max_length = MARKDOWN_MAX_LENGTH
                    field.validators.append(MaxLengthValidator(MARKDOWN_MAX_LENGTH))
                    widget.attrs["maxlength"] = str(MARKDOWN_MAX_LENGTH)
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def is_valid(self) -> bool:
        return not self.is_preview and super().is_valid()

    def full_clean(self):
        if self.is_preview:
            self._errors, self.cleaned_data = ErrorDict(), {}
            return
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid"
                attrs["aria-invalid"] = "true"
                auto_id = self[name].auto_id or f"id_{name}"
                described_by = [f"{auto_id}_errors"]
                if self.fields[name].help_text:
                    described_by.append(f"{auto_id}_helptext")
                attrs["aria-describedby"] = " ".join(described_by)


























