"""The audit log's filters."""

from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..lib.forms import BootstrapFormMixin, day_field, search_field
from ..models import AUDIT_VERBS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

def _verb_choices() -> list[tuple[str, "StrOrPromise"]]:
    """Read when a form is built: apps add their verbs when they are ready."""
    return [("", _("Any action")), *sorted(AUDIT_VERBS.items(), key=lambda item: str(item[1]))]


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    q = search_field(_("Object or email"))
    verb = forms.ChoiceField(label=_("Action"), required=False,
                             choices=_verb_choices)
    actor = search_field(_("Actor email"))
    since = day_field(_("From"), required=False)
    until = day_field(_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        example = date_format(timezone.localdate(), "DATE_FORMAT")
        for name in ("since", "until"):
            self.fields[name].help_text = _("For example, %(date)s") % {"date": example}

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
