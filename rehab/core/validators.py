"""The Thai national ID number: 13 digits, the last one a check digit.

check = (11 - sum(d[i] * (13 - i) for i in 0..11) % 11) % 10. A leading 0 is valid: stateless
people and some foreign residents receive such numbers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def national_id_check_digit(first_twelve: str) -> int:
    total = sum(int(digit) * (13 - position) for position, digit in enumerate(first_twelve))
    return (11 - total % 11) % 10


def normalize_national_id(value: str) -> str:
    """Drop the spaces and dashes people type between groups (1-2345-67890-12-3)."""
    return "".join(ch for ch in str(value) if ch not in " -\u00a0\t")


def validate_national_id(value: str) -> None:
    number = normalize_national_id(value)
    if not number.isascii() or not number.isdigit():
        raise ValidationError(_("A national ID has digits only (0-9); this one has other characters."), code="not_digits")
    if len(number) != 13:
        raise ValidationError(
            _("A national ID has 13 digits; this one has %(count)d."),
            code="wrong_length",
            params={"count": len(number)},
        )
    if national_id_check_digit(number[:12]) != int(number[12]):
        raise ValidationError(
            _("The last digit does not match the check digit of the first twelve: please check the number for a typo."),
            code="wrong_check_digit",
        )


def mask_national_id(value: str) -> str:
    """Show only the last four digits, for places that need to tell people apart, not identify them."""
    return "•" * 9 + value[-4:] if len(value) == 13 else "•" * len(value)
