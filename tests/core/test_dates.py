from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from rehab.cases.forms import EraDateField
from rehab.core.dates import format_date, format_date_input, parse_date_any_era


@pytest.mark.parametrize(
    "typed",
    ["25/11/2569", "25/11/2026", "25-11-2569", "25.11.2026", "2026-11-25", " 25 / 11 / 2569 "],
)
def test_both_eras_and_common_separators_are_read(typed):
    assert parse_date_any_era(typed) == date(2026, 11, 25)


@pytest.mark.parametrize("typed", ["31/02/2569", "25/13/2026", "yesterday", "25/11/69", ""])
def test_impossible_or_ambiguous_dates_are_not_guessed(typed):
    assert parse_date_any_era(typed) is None


def test_thai_shows_the_buddhist_era_and_english_the_common_era():
    with translation.override("th"):
        assert format_date(date(2026, 11, 25)) == "25 พ.ย. 2569"
        assert format_date_input(date(2026, 11, 25)) == "25/11/2569"
    with translation.override("en"):
        assert format_date(date(2026, 11, 25)) == "25 Nov 2026"
        assert format_date_input(date(2026, 11, 25)) == "25/11/2026"


def test_the_form_field_explains_how_to_type_a_date():
    field = EraDateField()
    with pytest.raises(Exception) as error:
        field.clean("next Tuesday")
    assert "2569" in str(error.value)
