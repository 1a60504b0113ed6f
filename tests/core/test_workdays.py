from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rehab.core.workdays import add_working_days, working_days_between
from rehab.reference.selectors import deadline_after

SONGKRAN = [date(2026, 4, 13), date(2026, 4, 14), date(2026, 4, 15)]


def test_a_friday_plus_one_working_day_is_the_monday():
    assert add_working_days(date(2026, 11, 27), 1, []) == date(2026, 11, 30)


def test_a_weekend_start_counts_from_monday():
    assert add_working_days(date(2026, 11, 28), 1, []) == date(2026, 11, 30)


def test_songkran_is_skipped():
    # Friday 10 April 2026 + 3 working days: Mon 13 - Wed 15 are Songkran, so Thu 16, Fri 17, Mon 20.
    assert add_working_days(date(2026, 4, 10), 3, SONGKRAN) == date(2026, 4, 20)


def test_zero_days_is_the_same_day_and_negative_is_refused():
    assert add_working_days(date(2026, 4, 10), 0, []) == date(2026, 4, 10)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 4, 10), -1, [])


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=0, max_value=60))
def test_the_result_is_a_working_day_exactly_n_working_days_later(start, days):
    end = add_working_days(start, days, SONGKRAN)
    assert working_days_between(start, end, SONGKRAN) == days
    if days:
        assert end.weekday() < 5 and end not in SONGKRAN


@pytest.mark.django_db
def test_deadlines_use_the_holidays_in_the_database():
    # Loaded by migration 0005: Thursday 30 July 2026 is Buddhist Lent Day, Tuesday 28 and Wednesday 29 are holidays too.
    assert deadline_after(date(2026, 7, 27), 2) == date(2026, 8, 3)  # Mon 27 + 2: Fri 31, Mon 3 Aug
