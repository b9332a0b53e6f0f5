from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..lib.forms import BootstrapFormMixin, OnceFormMixin


class ImportForm(OnceFormMixin, BootstrapFormMixin, forms.Form):
    units_file = forms.FileField(
        label=_("Business units CSV"), required=False,
        help_text=_("Columns: code, name, parent_code, leader_emails (separated by ';')."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    people_file = forms.FileField(
        label=_("People CSV"), required=False,
        help_text=_("Columns: email, display_name, bu_code, job_title, roles (coe_staff)."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate people who are not in the people file"), required=False,
        help_text=_("Use with a full export of everyone. People not in the file lose access; their history stays. "
                    "You are never deactivated by your own import."),
    )

    def _clean_csv(self, name: str):
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Choose a .csv file."))
        if upload.size > settings.CXCOE_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("This file is %(size)s; the limit is %(limit)s.") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(settings.CXCOE_IMPORT_MAX_BYTES)})
        upload.seek(0)
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("This file is not UTF-8 text. Save it as \"CSV UTF-8\" and upload it again.")) from None
        if "\x00" in text:
            raise forms.ValidationError(_("This file is not CSV text."))
        if not text.strip():
            raise forms.ValidationError(_("This file is empty."))
        upload.seek(0)
        return upload

    def clean_units_file(self):
        return self._clean_csv("units_file")

    def clean_people_file(self):
        return self._clean_csv("people_file")

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("units_file") and not data.get("people_file"):
            raise forms.ValidationError(_("Choose a business units file, a people file, or both."))
        if data.get("deactivate_missing") and not data.get("people_file") and "people_file" not in self.errors:
            self.add_error("deactivate_missing", _("Deactivating missing people needs a people file: without one, "
                                                   "everyone would be missing."))
        return data
