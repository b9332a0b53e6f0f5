from django import forms
from django.utils.translation import gettext_lazy as _

from cxcoe.forms import BootstrapFormMixin

from .models import Principle


class PrincipleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Principle
        fields = ["title", "statement", "explanation", "examples"]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "explanation": forms.Textarea(attrs={"rows": 6}),
            "examples": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        # The database only refuses the exact same title; "We make it easy" and "we make it easy" are one too.
        if Principle.objects.filter(title__iexact=title).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another principle already has this title."))
        return title

    def clean_statement(self) -> str:
        return " ".join(self.cleaned_data["statement"].split())


class ArchiveForm(forms.Form):
    archived = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
