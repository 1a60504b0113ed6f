"""Working days: deadlines of hand-offs skip weekends and the public holidays in the database.

NumPy's business-day calendar does the counting (Monday to Friday, minus the holidays given).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np


def _holidays(holidays: Iterable[date]) -> np.ndarray:
    return np.array(sorted(set(holidays)), dtype="datetime64[D]")


def add_working_days(start: date, days: int, holidays: Iterable[date]) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count).

    Saturday, Sunday and any date in ``holidays`` are skipped. ``days == 0`` gives ``start``.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    # From a closed day, "roll backward" to the working day before it: counting starts after ``start``.
    moved = np.busday_offset(np.datetime64(start, "D"), days, roll="backward", holidays=_holidays(holidays))
    return moved.astype(date)  # type: ignore[no-any-return]


def working_days_between(start: date, end: date, holidays: Iterable[date]) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start, holidays)
    # busday_count counts [start, end); we want (start, end].
    counted = np.busday_count(np.datetime64(start, "D") + 1, np.datetime64(end, "D") + 1, holidays=_holidays(holidays))
    return int(counted)
