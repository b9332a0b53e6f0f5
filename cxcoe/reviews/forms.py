"""Recording a review, on the page of any reviewable item."""


from django import forms
from django.utils.translation import gettext_lazy as _

from ..lib.forms import BootstrapFormMixin, OnceFormMixin
from ..models import ReviewRecord


class ReviewForm(OnceFormMixin, BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewRecord.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, can_retire: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_retire:
            # django-stubs types self.fields as dict[str, Field]: it does not know "outcome" is a ChoiceField.
            self.fields["outcome"].choices = [  # type: ignore[attr-defined]
                choice for choice in ReviewRecord.Outcome.choices if choice[0] != ReviewRecord.Outcome.RETIRED]
