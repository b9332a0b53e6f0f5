"""The audit log's filters."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..lib.forms import BootstrapFormMixin, search_field
from ..models import AUDIT_VERBS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# How the app writes a date ("1 Dec 2026", DATE_FORMAT), the month in full, and ISO (what a date picker sends).
DAY_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d"]


def _verb_choices() -> list[tuple[str, "StrOrPromise"]]:
    """Read when a form is built: apps add their verbs when they are ready."""
    return [("", _("Any action")), *sorted(AUDIT_VERBS.items(), key=lambda item: str(item[1]))]


def read_day(text: str) -> date | None:
    for day_format in DAY_FORMATS:
        try:
            return datetime.strptime(text.strip(), day_format).date()  # noqa: DTZ007 (a day, not a moment)
        except ValueError:
            continue
    return None


class DayInput(forms.DateInput):
    """A text box for a date as the app writes it: a date it reads (ISO too) shows as "1 Dec 2026", anything else
    as it was typed, beside the reason it was refused."""

    input_type = "text"

    def format_value(self, value):
        if isinstance(value, str):
            value = read_day(value) or value
        return date_format(value, "DATE_FORMAT") if isinstance(value, date) else super().format_value(value)


def day_field(label: "StrOrPromise") -> forms.DateField:
    return forms.DateField(label=label, required=False, input_formats=DAY_FORMATS,
                           widget=DayInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                           error_messages={"invalid": _("Enter a date like 1 Dec 2026.")})


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field(_("Object or email"))
    verb = forms.ChoiceField(label=_("Action"), required=False,
                             choices=_verb_choices)
    actor = search_field(_("Actor email"))
    since = day_field(_("From"))
    until = day_field(_("To"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        example = date_format(timezone.localdate(), "DATE_FORMAT")
        for name in ("since", "until"):
            self.fields[name].help_text = _("For example, %(date)s") % {"date": example}

    def full_clean(self):
        super().full_clean()
        # The hint says the format the message asks for: a screen reader reads both with the field.
        for name in {"since", "until"} & set(self.errors):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_errors id_{name}_helptext"

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
