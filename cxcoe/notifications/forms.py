"""The inbox's filters, email preferences and the operations page's filters."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import notifications
from ..lib.forms import BootstrapFormMixin
from ..models import NotificationPreference, Reminder


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

    def __init__(self, *args, **kwargs) -> None:
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
