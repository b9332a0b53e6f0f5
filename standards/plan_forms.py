"""Forms of communication plans, their communications and the calendar."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cxcoe.forms import BootstrapFormMixin
from cxcoe.models import BusinessUnit, User

from .models import Communication, CommunicationPlan, Principle, Standard

DATE_WIDGET = {"type": "date"}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")


def _active_person(email: str) -> User:
    email = email.strip().lower()
    person = User.objects.active().filter(email__iexact=email).first()
    if person is None:
        raise forms.ValidationError(_("Nobody active has the address %(email)s.") % {"email": email})
    return person


class PlanForm(BootstrapFormMixin, forms.ModelForm):
    owner_email = forms.EmailField(label=_("Owner"),
                                   help_text=_("Email address of the person who runs this plan and gets its "
                                               "reminders."))

    class Meta:
        model = CommunicationPlan
        fields = ["title", "objective", "audience_units", "audience_role", "standards", "principles", "starts_on",
                  "ends_on"]
        widgets = {
            "objective": forms.Textarea(attrs={"rows": 5}),
            "audience_units": forms.SelectMultiple(attrs={"size": 6}),
            "standards": forms.SelectMultiple(attrs={"size": 6}),
            "principles": forms.SelectMultiple(attrs={"size": 6}),
            "starts_on": _date_input(),
            "ends_on": _date_input(),
        }
        help_texts = {
            "audience_units": _("People in these units and every unit below them. None: the whole organization. "
                                "Hold Ctrl (⌘ on a Mac) to pick several."),
            "standards": _("Optional. Hold Ctrl (⌘ on a Mac) to pick several."),
            "principles": _("Optional. Hold Ctrl (⌘ on a Mac) to pick several."),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance
        linked_standards = Q(pk__in=plan.standards.values("pk")) if plan.pk else Q(pk__in=[])
        linked_principles = Q(pk__in=plan.principles.values("pk")) if plan.pk else Q(pk__in=[])
        linked_units = Q(pk__in=plan.audience_units.values("pk")) if plan.pk else Q(pk__in=[])
        # Archived units, retired standards and archived principles are offered only when already linked.
        self.fields["audience_units"].queryset = BusinessUnit.objects.filter(
            Q(is_active=True) | linked_units).order_by("path")
        # Only standards the editor may read: a plan owner outside CoE staff must not see others' drafts.
        self.fields["standards"].queryset = Standard.objects.visible_to(user).filter(
            ~Q(status=Standard.Status.RETIRED) | linked_standards).order_by("code")
        self.fields["principles"].queryset = Principle.objects.filter(
            Q(is_archived=False) | linked_principles).order_by("position", "pk")
        self.fields["owner_email"].initial = (plan.owner if plan.owner_id else user).email

    def clean_owner_email(self) -> User:
        return _active_person(self.cleaned_data["owner_email"])

    def clean_standards(self) -> list[Standard]:
        # Links to standards the editor can't read (a CoE draft, say) are not offered, and stay as they are.
        hidden = self.instance.standards.exclude(pk__in=self.fields["standards"].queryset.values("pk")) \
            if self.instance.pk else Standard.objects.none()
        return [*self.cleaned_data["standards"], *hidden]

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date."))
        elif starts_on and ends_on and self.instance.pk:
            outside = (self.instance.communications.scheduled()
                       .filter(Q(scheduled_on__lt=starts_on) | Q(scheduled_on__gt=ends_on))
                       .order_by("scheduled_on").first())
            if outside is not None:
                field = "starts_on" if outside.scheduled_on < starts_on else "ends_on"
                self.add_error(field, _("\u201c%(title)s\u201d is on %(date)s, outside these dates. Move or cancel "
                                        "it first.") % {"title": outside.title,
                                                        "date": date_format(outside.scheduled_on)})
        return data


class CommunicationForm(BootstrapFormMixin, forms.ModelForm):
    owner_email = forms.EmailField(label=_("Owner"),
                                   help_text=_("Email address of the person who prepares it and is reminded "
                                               "until it is ready."))

    class Meta:
        model = Communication
        fields = ["title", "channel", "scheduled_on", "message"]
        widgets = {"scheduled_on": _date_input(), "message": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, plan: CommunicationPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        current_owner = self.instance.owner if self.instance.owner_id else plan.owner
        self.fields["owner_email"].initial = current_owner.email
        self.fields["scheduled_on"].help_text = _("Between %(start)s and %(end)s, the plan's dates.") % {
            "start": date_format(plan.starts_on), "end": date_format(plan.ends_on)}
        self.fields["channel"].help_text = _("Email can be sent to the plan's audience by cxcoe itself.")

    def clean_owner_email(self) -> User:
        return _active_person(self.cleaned_data["owner_email"])

    def clean_scheduled_on(self) -> date:
        scheduled_on = self.cleaned_data["scheduled_on"]
        if not self.plan.starts_on <= scheduled_on <= self.plan.ends_on:
            raise forms.ValidationError(
                _("Choose a date within the plan, from %(start)s to %(end)s.") % {
                    "start": date_format(self.plan.starts_on), "end": date_format(self.plan.ends_on)})
        return scheduled_on


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Communication.Status.choices)


class PlanFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("Show"), required=False,
                              choices=[("active", _("Active plans")), ("archived", _("Archived plans")),
                                       ("all", _("All plans"))])
    owner = forms.ChoiceField(label=_("Owner"), required=False,
                              choices=[("", _("Anyone")), ("me", _("Me"))])
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("-starts", _("Newest first")), ("starts", _("Oldest first")),
                                      ("title", _("Title")), ("ends", _("Ending soonest"))])


class CalendarFilterForm(BootstrapFormMixin, forms.Form):
    month = forms.CharField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All channels")), *Communication.Channel.choices])
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def clean_month(self) -> date | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            if not 1900 <= year <= 2999:  # keeps the previous and next months valid dates too
                raise ValueError
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None
