"""Validators of what people type: the Thai national ID, names, phone numbers.

The national ID: 13 digits, the last one a check digit, check = (11 - sum(d[i] * (13 - i) for i in 0..11)
% 11) % 10. A leading 0 is valid: stateless people and some foreign residents receive such numbers.
"""

from __future__ import annotations

import re
import unicodedata

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


# Right-to-left and other direction overrides make a name display as something else than it is (a name that
# reads "Somchai" in a list and sorts as another); no Thai or Latin name needs them.
_DIRECTION_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_name(value: str) -> None:
    """A person's name: letters, marks, spaces and the punctuation names have; no control or direction characters."""
    for character in str(value):
        if character in _DIRECTION_CONTROLS or unicodedata.category(character) in ("Cc", "Cf", "Co", "Cs"):
            raise ValidationError(
                _("A name cannot contain invisible control characters (the one at position %(position)d)."),
                code="control_character",
                params={"position": str(value).index(character) + 1},
            )
    if any(unicodedata.category(character) in ("So", "Sk", "Sm") for character in str(value)):
        raise ValidationError(_("A name cannot contain symbols or emoji."), code="symbol")


_PHONE = re.compile(r"^(?:0[0-9]{8,9}|\+[1-9][0-9]{7,14})$")


def normalize_phone(value: str) -> str:
    """Drop the spaces, dashes, dots and brackets people type between groups (081-234-5678)."""
    return re.sub(r"[\s\-.()\u00a0]", "", str(value))


def validate_phone(value: str) -> None:
    """A Thai number (0 and 8 or 9 more digits: 02-123-4567, 081-234-5678) or an international one (+66 81 234 5678)."""
    if value and not _PHONE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter a phone number as digits, for example 081-234-5678 or +66 81 234 5678."), code="invalid_phone"
        )
