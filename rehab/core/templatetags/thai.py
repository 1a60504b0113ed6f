from __future__ import annotations

from datetime import date, datetime

from django import template

from rehab.core.dates import format_date, format_datetime

register = template.Library()


@register.filter
def thdate(value: date | datetime | None) -> str:
    """A date in the user's language and era: 25 พ.ย. 2569 in Thai, 25 Nov 2026 in English."""
    return format_date(value)


@register.filter
def thdatetime(value: datetime | None) -> str:
    """A moment in Bangkok time, in the user's language and era."""
    return format_datetime(value)
