"""Features as of a date: pure helpers that never look past the snapshot date.

The database side turns a case's history into plain lists (appointments, employment spells, programme
completions, hand-offs, assessments) and calls :func:`snapshot_features` for each snapshot date. Every helper
here ignores whatever is dated after ``as_of``, so adding later events can never change a snapshot; the
tests prove it with hypothesis.

"Dated" must mean *known*: an event should be dated by when the system learned it (or the caller should drop
events recorded after ``as_of``), otherwise a missed appointment entered a month late would leak into an
earlier snapshot.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

Event = tuple[date, str]
Spell = tuple[date, date | None]

NEEDS_DOMAINS = ("education", "work", "health", "housing", "documents", "legal", "family")


def count_events(events: Iterable[Event], as_of: date, window_days: int | None = None, kind: str | None = None) -> int:
    """How many events (of ``kind``, or of any kind) are dated in the window ending on ``as_of``.

    The window is ``(as_of - window_days, as_of]``: the last ``window_days`` days including ``as_of`` itself;
    ``window_days=None`` counts everything up to ``as_of``. Events after ``as_of`` are never counted.
    """
    if window_days is not None and window_days < 0:
        raise ValueError("window_days must be zero or positive")
    start = None if window_days is None else as_of - timedelta(days=window_days)
    return sum(
        1
        for day, event_kind in events
        if day <= as_of and (start is None or day > start) and (kind is None or event_kind == kind)
    )


def any_event(events: Iterable[Event], as_of: date, kind: str | None = None) -> bool:
    """Whether at least one event (of ``kind``) is dated on or before ``as_of``."""
    return count_events(events, as_of, None, kind) > 0


def employment_as_of(spells: Iterable[Spell], as_of: date) -> tuple[bool, int]:
    """(in work on ``as_of``, days in work up to and including ``as_of``).

    A spell is (first day, last day or ``None`` while it lasts). Spells starting after ``as_of`` are ignored
    and a spell's days after ``as_of`` are not counted; overlapping spells count each day once.
    """
    clipped = []
    for start, end in spells:
        if start > as_of:
            continue
        last = as_of if end is None or end > as_of else end
        if last >= start:
            clipped.append((start, last))
    clipped.sort()
    days = 0
    employed = False
    current: tuple[date, date] | None = None
    for start, last in clipped:
        if current is not None and start <= current[1] + timedelta(days=1):
            current = (current[0], max(current[1], last))
            continue
        if current is not None:
            days += (current[1] - current[0]).days + 1
        current = (start, last)
    if current is not None:
        days += (current[1] - current[0]).days + 1
        employed = current[1] == as_of
    return employed, days


def latest_as_of(records: Iterable[tuple[date, T]], as_of: date) -> T | None:
    """The value of the latest record dated on or before ``as_of`` (e.g. the latest assessment's needs)."""
    best: tuple[date, T] | None = None
    for day, value in records:
        if day <= as_of and (best is None or day >= best[0]):
            best = (day, value)
    return None if best is None else best[1]


def snapshot_features(
    *,
    released_on: date,
    as_of: date,
    static: Mapping[str, Any] | None = None,
    appointments: Iterable[Event] = (),
    employment: Iterable[Spell] = (),
    programmes: Iterable[Event] = (),
    handoffs: Iterable[Event] = (),
    assessments: Iterable[tuple[date, Iterable[str]]] = (),
) -> dict[str, Any]:
    """One feature snapshot of a case on ``as_of``, in the registry's names.

    - ``static``: facts fixed at release (``age_at_release``, ``sex``, ``prior_convictions``, ``sentence_months``,
      ``offence_category``, ``release_type``, ``region``), copied as they are;
    - ``appointments``: (date, ``"attended"`` | ``"missed"`` | other); cancelled ones simply don't count;
    - ``employment``: spells (start, end or None);
    - ``programmes``: (date, ``"completed"`` | other);
    - ``handoffs``: (date, ``"completed"`` | other);
    - ``assessments``: (date, needs domains found), the latest one up to ``as_of`` wins.
    """
    if as_of < released_on:
        raise ValueError("a snapshot cannot be taken before the release date")
    appointments = list(appointments)
    employed, days_employed = employment_as_of(employment, as_of)
    needs = latest_as_of([(day, frozenset(domains)) for day, domains in assessments], as_of)
    snapshot: dict[str, Any] = dict(static or {})
    snapshot.update(
        {
            "days_since_release": (as_of - released_on).days,
            "missed_appointments_60d": count_events(appointments, as_of, 60, "missed"),
            "attended_appointments_60d": count_events(appointments, as_of, 60, "attended"),
            "employed": employed,
            "days_employed": days_employed,
            "programme_completed": any_event(programmes, as_of, "completed"),
            "handoffs_completed": count_events(handoffs, as_of, None, "completed"),
        }
    )
    for domain in NEEDS_DOMAINS:
        snapshot[f"needs_{domain}"] = None if needs is None else domain in needs
    return snapshot


def snapshot_checksum(snapshot: Mapping[str, Any]) -> str:
    """SHA-256 of a snapshot's canonical JSON (sorted keys; NaN as null): equal snapshots, equal checksums, so a
    scoring job can skip a case whose features have not changed since its last score."""

    def plain(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, date):
            return value.isoformat()
        if hasattr(value, "item"):  # numpy scalars
            return plain(value.item())
        if isinstance(value, frozenset | set):
            return sorted(value)
        return value

    text = json.dumps({str(k): plain(v) for k, v in snapshot.items()}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
