"""Features as of a date never see the future: adding events after the snapshot date changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.risk.asof import count_events, employment_as_of, latest_as_of, snapshot_features

BASE = date(2022, 1, 1)
KINDS = ("missed", "attended", "cancelled", "completed")

days = st.integers(0, 800).map(lambda n: BASE + timedelta(days=n))
events = st.lists(st.tuples(days, st.sampled_from(KINDS)), max_size=40)
spells = st.lists(
    st.tuples(days, st.one_of(st.none(), st.integers(0, 400))).map(
        lambda t: (t[0], None if t[1] is None else t[0] + timedelta(days=t[1]))
    ),
    max_size=6,
)


def after(as_of: date, offsets: list[int], kinds: list[str]) -> list[tuple[date, str]]:
    return [(as_of + timedelta(days=1 + offset), kind) for offset, kind in zip(offsets, kinds, strict=False)]


future_offsets = st.lists(st.integers(0, 500), max_size=20)
future_kinds = st.lists(st.sampled_from(KINDS), min_size=20, max_size=20)


def test_the_window_is_the_last_n_days_including_the_snapshot_day():
    as_of = date(2022, 3, 1)
    history = [
        (as_of, "missed"),
        (as_of - timedelta(days=59), "missed"),
        (as_of - timedelta(days=60), "missed"),
        (as_of + timedelta(days=1), "missed"),
    ]
    assert count_events(history, as_of, 60, "missed") == 2
    assert count_events(history, as_of, None, "missed") == 3
    assert count_events(history, as_of, 60, "attended") == 0
    assert count_events(history, as_of) == 3


def test_employment_counts_days_up_to_the_snapshot_once():
    as_of = date(2022, 1, 31)
    assert employment_as_of([(date(2022, 1, 1), None)], as_of) == (True, 31)
    assert employment_as_of([(date(2022, 1, 1), date(2022, 1, 10)), (date(2022, 1, 5), date(2022, 1, 20))], as_of) == (False, 20)
    assert employment_as_of([(date(2022, 2, 1), None)], as_of) == (False, 0)
    assert employment_as_of([(date(2022, 1, 30), date(2022, 3, 1))], as_of) == (True, 2)


def test_a_snapshot_before_release_is_refused():
    with pytest.raises(ValueError):
        snapshot_features(released_on=BASE, as_of=BASE - timedelta(days=1))


@settings(max_examples=300, deadline=None)
@given(
    events,
    days,
    st.one_of(st.none(), st.integers(0, 120)),
    st.one_of(st.none(), st.sampled_from(KINDS)),
    future_offsets,
    future_kinds,
)
def test_count_events_ignores_anything_after_as_of(history, as_of, window, kind, offsets, kinds):
    before = count_events(history, as_of, window, kind)
    assert count_events(history + after(as_of, offsets, kinds), as_of, window, kind) == before


@settings(max_examples=200, deadline=None)
@given(spells, days, st.lists(st.tuples(st.integers(1, 300), st.one_of(st.none(), st.integers(0, 300))), max_size=5))
def test_employment_ignores_spells_starting_after_as_of(history, as_of, later):
    future = [(as_of + timedelta(days=s), None if e is None else as_of + timedelta(days=s + e)) for s, e in later]
    assert employment_as_of(history + future, as_of) == employment_as_of(history, as_of)


@settings(max_examples=200, deadline=None)
@given(spells, days)
def test_employment_does_not_depend_on_how_a_running_spell_ends_later(history, as_of):
    """A spell known to end after as_of looks, on as_of, exactly like one still running."""
    running = [(start, None if end is not None and end > as_of else end) for start, end in history]
    assert employment_as_of(history, as_of) == employment_as_of(running, as_of)


@settings(max_examples=150, deadline=None)
@given(
    days,
    events,
    spells,
    events,
    events,
    st.lists(st.tuples(days, st.frozensets(st.sampled_from(["education", "work", "health", "family"]))), max_size=5),
    future_offsets,
    future_kinds,
)
def test_a_whole_snapshot_never_changes_when_future_events_are_added(
    as_of, appointments, employment, programmes, handoffs, assessments, offsets, kinds
):
    released = BASE
    as_of = max(as_of, released)
    kwargs = {"released_on": released, "as_of": as_of, "static": {"age_at_release": 30, "sex": "M"}}
    now = snapshot_features(
        appointments=appointments,
        employment=employment,
        programmes=programmes,
        handoffs=handoffs,
        assessments=assessments,
        **kwargs,
    )
    future = after(as_of, offsets, kinds)
    later = snapshot_features(
        appointments=appointments + future,
        employment=employment + [(as_of + timedelta(days=1 + o), None) for o in offsets],
        programmes=programmes + future,
        handoffs=handoffs + future,
        assessments=assessments + [(as_of + timedelta(days=1 + o), frozenset({"work"})) for o in offsets],
        **kwargs,
    )
    assert later == now


def test_the_latest_assessment_up_to_the_date_wins():
    records = [(date(2022, 1, 1), "a"), (date(2022, 2, 1), "b"), (date(2022, 3, 1), "c")]
    assert latest_as_of(records, date(2022, 2, 15)) == "b"
    assert latest_as_of(records, date(2021, 12, 31)) is None


def test_a_snapshot_uses_the_registry_names():
    snap = snapshot_features(
        released_on=BASE,
        as_of=BASE + timedelta(days=90),
        static={"age_at_release": 21},
        appointments=[
            (BASE + timedelta(days=80), "missed"),
            (BASE + timedelta(days=85), "missed"),
            (BASE + timedelta(days=10), "missed"),
        ],
        employment=[],
        programmes=[(BASE + timedelta(days=30), "completed")],
        assessments=[(BASE, {"work", "health"})],
    )
    assert snap["missed_appointments_60d"] == 2
    assert snap["days_since_release"] == 90
    assert snap["employed"] is False and snap["days_employed"] == 0
    assert snap["programme_completed"] is True
    assert snap["needs_work"] is True and snap["needs_family"] is False


def test_the_snapshot_checksum_ignores_key_order_and_sees_any_change():
    from analytics.risk.asof import snapshot_checksum

    a = {"age_at_release": 30, "employed": True, "missed_appointments_60d": 2, "needs_work": None}
    b = dict(reversed(list(a.items())))
    assert snapshot_checksum(a) == snapshot_checksum(b)
    assert snapshot_checksum(a) != snapshot_checksum({**a, "missed_appointments_60d": 3})
    assert snapshot_checksum({"x": float("nan")}) == snapshot_checksum({"x": None})
