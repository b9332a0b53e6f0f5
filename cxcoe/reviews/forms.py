"""Recording a review, on the page of any reviewable item."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import permissions, reviews
from ..lib.forms import BootstrapFormMixin, OnceFormMixin
from ..models import ReviewCycle, ReviewRecord

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise



class ReviewForm(OnceFormMixin, BootstrapFormMixin, forms.Form):
    """The outcomes `by` may choose for `item`, each explained. An app's subclass says what each outcome does to its
    kind of item in OUTCOME_HELP."""

    OUTCOME_HELP: dict[str, "StrOrPromise"] = {
        ReviewRecord.Outcome.CONFIRMED: _("Confirmed: it is still right; the next review is scheduled."),
        ReviewRecord.Outcome.UPDATED: _("Updated: you changed what needed changing."),
        ReviewRecord.Outcome.RETIRED: _("Retired: it no longer applies, and keeps its history."),
    }

    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReviewRecord.Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, item: ReviewCycle, by, **kwargs):
        super().__init__(*args, **kwargs)
        offered = ReviewRecord.Outcome.choices
        if not permissions.can_retire(by, item):
            offered = [choice for choice in offered if choice[0] != ReviewRecord.Outcome.RETIRED]
        # django-stubs types self.fields as dict[str, Field]: it does not know "outcome" is a ChoiceField.
        self.fields["outcome"].choices = offered  # type: ignore[attr-defined]
        self.outcome_help = [self.OUTCOME_HELP[value] for value, _label in offered]
        due = item.next_review_on
        horizon = timezone.localdate() + timedelta(days=reviews.REVIEW_HORIZON_DAYS)
        self.opens = self.is_bound or due is None or due <= horizon
