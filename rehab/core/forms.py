"""Form fields every app shares: dates typed in either era (see rehab.core.dates)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rehab.core.dates import format_date_input, parse_date_any_era


class EraDateInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"placeholder": _("dd/mm/yyyy"), "inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return format_date_input(value)
        return super().format_value(value)


class EraDateField(forms.DateField):
    """A date typed as day/month/year in the Buddhist Era (2569) or the Common Era (2026)."""

    widget = EraDateInput
    default_error_messages = {
        "invalid": _("Enter a date as day/month/year, for example 25/11/2569 (Buddhist Era) or 25/11/2026."),
    }

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        parsed = parse_date_any_era(str(value))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed
