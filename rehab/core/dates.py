"""Dates as Thai users read and type them: Buddhist Era (year + 543) in Thai, both eras accepted."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import timezone, translation

BE_OFFSET = 543
# A four-digit year from 2400 on is read as Buddhist Era: no released person was born before 1857.
BE_THRESHOLD = 2400

THAI_MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
ENGLISH_MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

_DMY = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def uses_buddhist_era() -> bool:
    return (translation.get_language() or "th").startswith("th")


def parse_date_any_era(text: str) -> date | None:
    """Read 25/11/2569, 25/11/2026, 25-11-2569 or 2026-11-25. None when it is not a date."""
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO.match(text)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    if year >= BE_THRESHOLD:
        year -= BE_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date_input(value: date) -> str:
    """The way a form shows a date back: dd/mm/yyyy in the user's era."""
    year = value.year + BE_OFFSET if uses_buddhist_era() else value.year
    return f"{value.day:02d}/{value.month:02d}/{year}"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if uses_buddhist_era():
        return f"{value.day} {THAI_MONTHS_SHORT[value.month - 1]} {value.year + BE_OFFSET}"
    return f"{value.day} {ENGLISH_MONTHS_SHORT[value.month - 1]} {value.year}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_date(local.date())} {local:%H:%M}"
