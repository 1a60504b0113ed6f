from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from rehab.core.validators import mask_national_id, national_id_check_digit, normalize_national_id, validate_national_id

twelve_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)


def _error_code(value: str) -> str | None:
    try:
        validate_national_id(value)
    except ValidationError as error:
        return error.code
    return None


@given(twelve_digits)
def test_every_number_with_its_check_digit_is_valid(first_twelve):
    assert _error_code(first_twelve + str(national_id_check_digit(first_twelve))) is None


@given(twelve_digits, st.integers(min_value=1, max_value=9))
def test_any_other_last_digit_is_refused_as_a_wrong_check_digit(first_twelve, shift):
    wrong = (national_id_check_digit(first_twelve) + shift) % 10
    assert _error_code(first_twelve + str(wrong)) == "wrong_check_digit"


@given(st.text(alphabet="0123456789", min_size=0, max_size=30).filter(lambda s: len(s) != 13))
def test_a_number_of_the_wrong_length_says_so(digits):
    assert _error_code(digits) in {"wrong_length", "not_digits"}  # the empty string has no digits at all
    if digits:
        assert _error_code(digits) == "wrong_length"


@given(twelve_digits, st.sampled_from(list("aZก๑.,/+_")), st.integers(min_value=0, max_value=12))
def test_a_number_with_other_characters_says_so(first_twelve, intruder, position):
    valid = first_twelve + str(national_id_check_digit(first_twelve))
    assert _error_code(valid[:position] + intruder + valid[position + 1 :]) == "not_digits"


def test_a_leading_zero_is_valid_because_stateless_people_receive_such_numbers():
    number = "0" + "12345678901"
    validate_national_id(number + str(national_id_check_digit(number)))


def test_the_known_check_digit_of_a_published_example():
    # 1-1037-02071-81-1 is the example number printed on Thai ID card specimens.
    validate_national_id("1-1037-02071-81-1")
    assert normalize_national_id("1 1037 02071 81 1") == "1103702071811"


def test_the_error_messages_explain_the_failure_in_words():
    with pytest.raises(ValidationError) as wrong_length:
        validate_national_id("12345")
    assert "13" in wrong_length.value.messages[0] and "5" in wrong_length.value.messages[0]


def test_masking_keeps_only_the_last_four_digits():
    assert mask_national_id("1103702071811") == "•••••••••1811"
