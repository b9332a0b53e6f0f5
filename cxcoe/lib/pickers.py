"""The pickers: business units from the tree, and people from the directory, both searchable.

Each is a plain control first: a unit picker is a native select whose options are indented by depth, a person
picker an email box (a textarea of addresses when it takes several). static/js/pickers.js turns them into Tom Select
search boxes (static/vendor/tom-select, from package.json through bin/tom-select). The widgets' Media loads both,
so only pages whose form has a picker pay for them: base.html renders the media of the forms a page shows.

- `UnitChoiceField` / `UnitMultipleChoiceField`: a ModelChoiceField of units, shown as the tree (`UnitPicker`,
  `UnitsPicker`). Their options are read in one query, and search the unit's name, code and the names above it
  (Acme and Sales for EMEA). A model form gets them with `Meta.field_classes = {"parent": UnitChoiceField}`.
- `PersonPicker` (one address) / `PeoplePicker` (several, the value a list of addresses as `split_emails` reads
  it): the value stays what was typed, so the form's `clean_*_email` works as before; the search asks
  `person-lookup`, which CoE staff may use. `offer_lookup(form, user)` leaves the plain box to anyone else.
"""

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .. import permissions
from ..models import BusinessUnit, User
from .forms import ModelMultipleChoiceField

# Deferred like base.html's own scripts, so they run in order once the page is read. (django-stubs still types
# Media's scripts as paths; Django takes Script objects since 5.2.)
_SCRIPTS: list = [forms.Script("vendor/tom-select/tom-select.popular.min.js", defer=True),
                  forms.Script("js/pickers.js", defer=True)]
TOM_SELECT = forms.Media(css={"all": ["vendor/tom-select/tom-select.bootstrap5.min.css", "css/pickers.css"]},
                         js=_SCRIPTS)

# How the units above one read in its option and in the search: Acme, a single right-pointing angle quote, Sales.
PLACE_SEPARATOR = " \u203a "
INDENT = "\u00a0\u00a0\u00a0"  # no-break spaces: a native select shows them


def tree_order(unit: BusinessUnit) -> list[str]:
    """Parents before their children, siblings by code: the order of `path`, whatever the database's collation."""
    return [*unit.ancestor_codes(), unit.code]


class UnitChoiceIterator(ModelChoiceIterator):
    """The field's units in tree order, each labelled with its name indented by its depth, and carrying its code and
    the names above it for the search. One query, and one more only when an archived unit sits above an offered
    one."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        units = sorted(self.queryset.only("pk", "code", "name", "path", "depth"), key=tree_order)
        names = {unit.code: unit.name for unit in units}
        if missing := {code for unit in units for code in unit.ancestor_codes()} - names.keys():
            names |= dict(BusinessUnit.objects.filter(code__in=missing).values_list("code", "name"))
        top = min((unit.depth for unit in units), default=0)
        for unit in units:
            unit.above = PLACE_SEPARATOR.join(names.get(code, code) for code in unit.ancestor_codes())
            label = INDENT * (unit.depth - top) + unit.name
            yield ModelChoiceIteratorValue(self.field.prepare_value(unit), unit), label


class UnitPicker(forms.Select):
    """One unit from the tree. Each option carries the unit's code, depth and the names above it for the search."""

    media = TOM_SELECT

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-unit-picker": "", **(attrs or {})}, choices)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"] |= {"data-no-results": _("No unit matches."), "data-remove-label": _("Remove")}
        return context

    def render(self, name, value, attrs=None, renderer=None):
        """What Django's select template writes, written here: 500 units through its option template took a tenth
        of a second a page (bench/pages.py, the people list)."""
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (option["value"], flatatt(option["attrs"]), option["label"])
            for _group, group_options, _index in widget["optgroups"] for option in group_options))
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if unit := getattr(value, "instance", None):
            option["attrs"] |= {"data-code": unit.code, "data-depth": unit.depth}
            if unit.above:
                option["attrs"]["data-above"] = unit.above
        return option


class UnitsPicker(UnitPicker, forms.SelectMultiple):
    """Several units from the tree; without JavaScript, a list box of eight rows."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"size": 8, **(attrs or {})}, choices)


class UnitChoiceField(forms.ModelChoiceField):
    iterator = UnitChoiceIterator
    widget = UnitPicker


class UnitMultipleChoiceField(ModelMultipleChoiceField):
    iterator = UnitChoiceIterator
    widget = UnitsPicker


def split_emails(text: str) -> list[str]:
    """The addresses in a box of several (commas, semicolons, spaces or new lines between them), lower case and each
    once, in the order given."""
    return list(dict.fromkeys(part.lower() for part in re.split(r"[\s,;]+", text or "") if part))


def _is_address(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


class _PersonLookup:
    """What both person pickers add to their box: where to search, the people it holds already (name and
    address), and the words the search box says. `searchable` False leaves the plain box, without Tom Select."""

    searchable = True
    many = False

    @property
    def media(self):
        return TOM_SELECT if self.searchable else forms.Media()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)  # type: ignore[misc]
        if self.searchable:
            typed = (context["widget"]["value"] or "").strip()
            # One address is kept whole, as typed: an invalid one comes back beside its error as it was.
            emails = split_emails(typed) if self.many else [typed.lower()] if typed else []
            # Only what can be an address is looked up (a NUL character, say, is refused by PostgreSQL).
            known = [email for email in emails if _is_address(email)]
            names = dict(User.objects.annotate(address=Lower("email")).filter(address__in=known)
                         .values_list("address", "display_name")) if known else {}
            context["widget"]["attrs"] |= {
                "data-person-picker": "many" if self.many else "one",
                "data-lookup-url": reverse("person-lookup"),
                "data-people": json.dumps([{"email": email, "name": names.get(email, "")} for email in emails]),
                "data-no-results": _("Nobody active matches. Type a whole address to use it as it is."),
                "data-use-address": _("Use"),
                "data-remove-label": _("Remove"),
            }
        return context


class PersonPicker(_PersonLookup, forms.EmailInput):
    """One person, by email address: searches the directory by name or address as it is typed."""


class PeoplePicker(_PersonLookup, forms.Textarea):
    """Several people, their addresses one a line (commas and semicolons also separate them)."""

    many = True

    def __init__(self, attrs=None):
        super().__init__({"rows": 3, **(attrs or {})})


def offer_lookup(form: forms.BaseForm, user: User) -> None:
    """Person pickers search the directory only for those who may look people up; anyone else types an address."""
    if not permissions.can_look_up_people(user):
        for field in form.fields.values():
            if isinstance(field.widget, _PersonLookup):
                field.widget.searchable = False
