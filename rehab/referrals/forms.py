"""Forms of the plan, hand-offs and consents."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rehab.core.forms import EraDateField
from rehab.reference.models import Office, Province, ServiceOffer
from rehab.referrals.models import HandoffOutcome, ShareCategory, StageDomain


class ProvinceChoiceForm(forms.Form):
    """Which province's catalogue the hand-off form lists (the case office's by default)."""

    province = forms.RegexField(regex=r"^[0-9]{2}$", required=False)

    def clean_province(self) -> Province | None:
        code = self.cleaned_data["province"]
        return Province.objects.filter(code=code).first() if code else None


class StageForm(forms.Form):
    domain = forms.ChoiceField(label=_("Domain"), choices=StageDomain.choices)
    goal = forms.CharField(label=_("Goal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason: it is kept in the record.")},
    )


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        deadline = _("answer within %(days)d working days") % {"days": obj.respond_days}
        return f"{obj.office.name} — {obj.get_service_display()} ({deadline})"


class HandoffSendForm(forms.Form):
    offer = OfferChoiceField(
        label=_("Office and service"), queryset=ServiceOffer.objects.none(), empty_label=None, widget=forms.RadioSelect
    )
    request = forms.CharField(
        label=_("What do you ask the office to do?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    shared = forms.MultipleChoiceField(
        label=_("What is shared besides the name, date of birth and national ID"),
        choices=ShareCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Offence and health details go only to an office the person has consented to."),
    )
    respond_by = EraDateField(label=_("Answer by"), required=False, help_text=_("Empty: the office's standard deadline."))
    complete_by = EraDateField(label=_("Complete by"), required=False, help_text=_("Empty: the office's standard deadline."))
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, offers: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        if offers is not None:
            self.fields["offer"].queryset = offers  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *HandoffOutcome.choices])
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConsentForm(forms.Form):
    recipient = forms.ModelChoiceField(label=_("Recipient office"), queryset=Office.objects.none())
    categories = forms.MultipleChoiceField(
        label=_("What the person agrees to share"), choices=ShareCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    # A consent on file is recent: one given years ago is to be asked again.
    given_on = EraDateField(label=_("Given on"), earliest=lambda: timezone.localdate() - timedelta(days=5 * 365))

    def __init__(self, *args: Any, offices: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("given_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        if offices is not None:
            self.fields["recipient"].queryset = offices  # type: ignore[attr-defined]
