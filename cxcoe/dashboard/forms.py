"""The forms of the pages that read across every app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..lib.forms import SEARCH_MAX_LENGTH, BootstrapFormMixin


class SearchForm(BootstrapFormMixin, forms.Form):
    """The site search: the top bar's box and the search page's own send the same `q`."""

    q = forms.CharField(label=_("Search for"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.SearchInput(attrs={"autocomplete": "off"}))
