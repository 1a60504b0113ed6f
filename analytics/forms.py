from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.models import FlagAction


class AcknowledgeForm(forms.Form):
    action = forms.ChoiceField(label=_("Action taken"), choices=[("", "—"), *FlagAction.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(forms.Form):
    note = forms.CharField(label=_("Why you disagree with the flag"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
