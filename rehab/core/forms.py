"""Form fields every app shares: dates typed in either era (see rehab.core.dates)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rehab.core.dates import format_date, format_date_input, parse_date_any_era


class EraDateInput(forms.TextInput):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"placeholder": _("dd/mm/yyyy"), "inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return format_date_input(value)
        return super().format_value(value)


# No date this service records lies outside these years (a birth in 1900 is the earliest plausible one); a
# field narrows them further (``earliest``/``latest``, e.g. a contact note within the last year).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


class EraDateField(forms.DateField):
    """A date typed as day/month/year in the Buddhist Era (2569) or the Common Era (2026), within what is
    plausible for the field: 31/12/9999 is not read as a supervision ending in 9456."""

    widget = EraDateInput
    default_error_messages = {
        "invalid": _("Enter a date as day/month/year, for example 25/11/2569 (Buddhist Era) or 25/11/2026."),
        "too_early": _("This date is too far in the past to be right (the earliest is %(date)s): check the year."),
        "too_late": _("This date is too far ahead to be right (the latest is %(date)s): check the year."),
    }

    def __init__(
        self, *, earliest: Callable[[], date] | None = None, latest: Callable[[], date] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.earliest = earliest
        self.latest = latest

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        earliest = max(EARLIEST_DATE, self.earliest()) if self.earliest else EARLIEST_DATE
        latest = min(LATEST_DATE, self.latest()) if self.latest else LATEST_DATE
        if value < earliest:
            raise forms.ValidationError(
                self.error_messages["too_early"], code="too_early", params={"date": format_date(earliest)}
            )
        if value > latest:
            raise forms.ValidationError(self.error_messages["too_late"], code="too_late", params={"date": format_date(latest)})

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
