"""The audit trail's filters: every parameter through a form (a NUL byte or an overlong value is refused, not a 500)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    type = forms.CharField(label=_("Record type"), required=False, max_length=50)
    id = forms.CharField(label=_("Record"), required=False, max_length=40)
