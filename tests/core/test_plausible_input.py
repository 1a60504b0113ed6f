"""Implausible values are refused with a reason: dates outside what is plausible for their field, names with
control or direction characters or emoji, phone numbers that are not numbers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rehab.cases.forms import ContactNoteForm, IntakeForm
from rehab.core.forms import EraDateField
from rehab.core.validators import validate_name, validate_phone
from rehab.referrals.forms import ConsentForm


@pytest.mark.parametrize("typed", ["31/12/9999", "01/01/0001", "15/06/1857", "1857-06-15"])
def test_a_date_outside_the_plausible_years_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        EraDateField().clean(typed)
    assert refused.value.code in ("too_early", "too_late")


def test_each_field_narrows_the_years_to_what_is_plausible_for_it():
    today = timezone.localdate()
    old = (today - timedelta(days=400)).strftime("%d/%m/%Y")
    note = ContactNoteForm({"kind": "phone", "contacted_on": old, "contacted_time": "10:00", "text": "x"})
    assert not note.is_valid() and "too far in the past" in str(note.errors["contacted_on"])
    consent = ConsentForm({"categories": ["contact"], "given_on": "01/01/0001"})
    assert not consent.is_valid() and "given_on" in consent.errors
    recent = (today - timedelta(days=3)).strftime("%d/%m/%Y")
    assert ContactNoteForm({"kind": "phone", "contacted_on": recent, "contacted_time": "10:00", "text": "x"}).is_valid()


@pytest.mark.django_db
def test_intake_refuses_a_supervision_end_read_as_the_year_9456_and_keeps_what_was_typed():
    form = IntakeForm(
        {
            "national_id": "1101700207030",
            "first_name_th": "สมชาย",
            "last_name_th": "ใจดี",
            "date_of_birth": "01/01/2530",
            "sex": "male",
            "release_type": "parole",
            "release_date": timezone.localdate().strftime("%d/%m/%Y"),
            "offence_category": "drugs",
            "sentence_months": "24",
            "prior_convictions": "0",
            "supervision_end_date": "31/12/9999",
        }
    )
    assert not form.is_valid()
    assert "too far ahead" in str(form.errors["supervision_end_date"])
    assert form["first_name_th"].value() == "สมชาย"


@pytest.mark.parametrize("name", ["สมชาย", "Somchai", "O'Neil", "Mary-Ann", "ณัฐพล", "Nguyễn"])
def test_real_names_pass(name):
    validate_name(name)


@pytest.mark.parametrize("name", ["Som\u202echai", "Som\u200fchai", "So\x00m", "Som\tchai", "สมชาย😀", "A+B"])
def test_control_direction_characters_and_symbols_in_names_are_refused(name):
    with pytest.raises(ValidationError):
        validate_name(name)


@pytest.mark.parametrize("phone", ["081-234-5678", "0812345678", "02 123 4567", "+66 81 234 5678", "(02) 123-4567", ""])
def test_phone_numbers_as_people_write_them_pass(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["call me", "0812-34", "08123456789012", "☎️ 0812345678", "+0 12345678"])
def test_text_and_emoji_are_no_phone_number(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_the_plausible_range_covers_every_real_date():
    field = EraDateField()
    assert field.clean("01/01/1900") == date(1900, 1, 1)
    assert field.clean("25/11/2569") == date(2026, 11, 25)
