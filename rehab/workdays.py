"""Working days: deadlines of hand-offs skip weekends and the public holidays in the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def add_working_days(start: date, days: int, holidays: Iterable[date]) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count).

    Saturday, Sunday and any date in ``holidays`` are skipped. ``days == 0`` gives ``start``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    closed = set(holidays)
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in closed:
            remaining -= 1
    return current


def working_days_between(start: date, end: date, holidays: Iterable[date]) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start, holidays)
    closed = set(holidays)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in closed:
            count += 1
    return count
