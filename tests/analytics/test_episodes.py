"""The episodes format: labels, censoring, and a clear error for each kind of bad input."""

from __future__ import annotations

import io
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.risk.episodes import EpisodeError, Label, episodes_from_frame, label_arrays, label_episode, read_episodes
from analytics.risk.features import format_reason
from analytics.risk.synthetic import make_episodes

D = date(2020, 1, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


# Labels -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reoffended", "followed", "expected"),
    [
        (day(10), day(20), Label.POSITIVE),  # reoffended within the horizon
        (day(365), day(400), Label.POSITIVE),  # on the last day of the horizon
        (day(0), day(400), Label.POSITIVE),  # on the release day
        (day(366), day(400), Label.NEGATIVE),  # the day after the horizon
        (None, day(365), Label.NEGATIVE),  # followed exactly the horizon, no reoffence
        (None, day(364), Label.CENSORED),  # followed one day short: unknown
        (None, day(0), Label.CENSORED),
        (day(500), day(100), Label.NEGATIVE),  # the first reoffence came after the horizon: none within it
    ],
)
def test_labels_for_a_one_year_horizon(reoffended, followed, expected):
    assert label_episode(D, reoffended, followed, 365) is expected


def test_a_snapshot_starts_the_horizon_and_excludes_those_who_already_reoffended():
    assert label_episode(D, day(100), day(900), 365, as_of=day(50)) is Label.POSITIVE
    assert label_episode(D, day(500), day(900), 365, as_of=day(200)) is Label.POSITIVE
    assert label_episode(D, day(600), day(900), 365, as_of=day(200)) is Label.NEGATIVE
    assert label_episode(D, day(40), day(900), 365, as_of=day(50)) is Label.NOT_AT_RISK
    assert label_episode(D, None, day(400), 365, as_of=day(50)) is Label.CENSORED


def test_with_the_full_horizon_a_short_follow_up_is_censored_however_it_ended():
    # Followed for 200 days from the snapshot: an early reoffence is known, a quiet year is not. Counting the
    # first and not the second would make recent snapshots look riskier than they are.
    assert label_episode(D, day(100), day(200), 365) is Label.POSITIVE
    assert label_episode(D, day(100), day(200), 365, full_horizon=True) is Label.CENSORED
    assert label_episode(D, None, day(200), 365, full_horizon=True) is Label.CENSORED
    # Followed for the whole year: the same outcomes either way.
    assert label_episode(D, day(100), day(365), 365, full_horizon=True) is Label.POSITIVE
    assert label_episode(D, None, day(365), 365, full_horizon=True) is Label.NEGATIVE
    assert label_episode(D, day(40), day(100), 365, as_of=day(50), full_horizon=True) is Label.NOT_AT_RISK


def test_episodes_with_the_full_horizon_keep_only_rows_followed_for_it(synthetic_frame):
    import pandas as pd

    frame = synthetic_frame.copy()
    short = (pd.to_datetime(frame["followed_until"]) - pd.to_datetime(frame["released_on"])).dt.days < 365
    assert short.any() and (short & frame["reoffended_on"].notna()).any()
    every = episodes_from_frame(frame, 365)
    full = episodes_from_frame(frame, 365, full_horizon=True)
    assert full.counts["labeled"] == int((~short).sum()) < every.counts["labeled"]
    assert full.counts["censored"] == int(short.sum())


@pytest.mark.parametrize(
    "args",
    [(D, day(-1), day(10), 365), (D, None, day(-1), 365), (D, None, day(10), 0), (D, None, day(10), 365, day(-3))],
)
def test_impossible_episodes_are_refused(args):
    with pytest.raises(ValueError):
        label_episode(*args)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3000), st.one_of(st.none(), st.integers(0, 3000)), st.integers(0, 3000), st.integers(0, 400)),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 1000),
    st.booleans(),
)
def test_the_vectorised_labels_agree_with_the_pure_function(rows, horizon, full_horizon):
    released, reoffended, followed, as_of = [], [], [], []
    expected = []
    for start, reoffence_after, follow_after, snapshot_after in rows:
        r = day(start)
        o = None if reoffence_after is None else r + timedelta(days=reoffence_after)
        f = r + timedelta(days=follow_after)
        s = r + timedelta(days=snapshot_after)
        released.append(r)
        reoffended.append(o)
        followed.append(f)
        as_of.append(s)
        expected.append(int(label_episode(r, o, f, horizon, as_of=s, full_horizon=full_horizon)))

    def arr(values):
        return np.array([np.datetime64(v, "D") if v else np.datetime64("NaT") for v in values], dtype="datetime64[D]")

    got = label_arrays(arr(released), arr(reoffended), arr(followed), horizon, arr(as_of), full_horizon=full_horizon)
    assert got.tolist() == expected


def test_censored_rows_are_excluded_and_counted(synthetic_frame):
    frame = synthetic_frame.copy()
    episodes = read_episodes(io.StringIO(frame.to_csv(index=False)), 365)
    counts = episodes.counts
    assert counts["censored"] > 0
    assert counts["labeled"] == counts["positives"] + counts["negatives"] == len(episodes)
    assert counts["rows"] == counts["labeled"] + counts["censored"] + counts["not_at_risk"] == len(frame)
    assert episodes.y.sum() == counts["positives"]


def test_features_are_mapped_by_name_and_other_columns_reported(synthetic_frame):
    frame = synthetic_frame.assign(race="x", notes="free text")
    episodes = read_episodes(io.StringIO(frame.to_csv(index=False)), 365, ["race"])
    assert "race" not in episodes.features and "race" in episodes.groups.columns
    assert episodes.ignored_columns == ["notes"]
    assert {"sex", "age_band", "region", "race"} <= set(episodes.groups.columns)
    assert episodes.X["employed"].isin([0.0, 1.0]).all()  # yes/no read as booleans


def test_a_group_column_is_never_a_feature_even_when_the_registry_knows_it(synthetic_frame):
    episodes = read_episodes(io.StringIO(synthetic_frame.to_csv(index=False)), 365, ["region"])
    assert "region" not in episodes.features
    assert "region" in episodes.groups.columns


# Bad input --------------------------------------------------------------------------------------------------

HEADER = "released_on,reoffended_on,followed_until,age_at_release,prior_convictions"


def good_rows(n: int = 120) -> list[str]:
    """n/2 positives and n/2 negatives, all followed for two years."""
    rows = []
    for i in range(n):
        reoffended = "2020-03-01" if i % 2 else ""
        rows.append(f"2020-01-01,{reoffended},2022-01-01,{20 + i % 40},{i % 5}")
    return rows


def read(lines: list[str], horizon: int = 365, groups=()):
    return read_episodes(io.StringIO("\n".join(lines) + "\n"), horizon, groups)


def test_good_rows_read():
    episodes = read([HEADER, *good_rows()])
    assert len(episodes) == 120 and episodes.y.sum() == 60


def test_missing_required_columns_are_named():
    with pytest.raises(EpisodeError) as error:
        read(["released_on,age_at_release", "2020-01-01,30"])
    assert "reoffended_on" in str(error.value) and "followed_until" in str(error.value)
    assert error.value.columns == ["reoffended_on", "followed_until"]


def test_unparseable_dates_name_their_lines():
    rows = good_rows()
    rows[0] = "01/02/2020,,2022-01-01,30,1"  # line 2
    rows[9] = "2020-01-01,soon,2022-01-01,30,1"  # line 11
    rows[20] = "2020-13-01,,2022-01-01,30,1"  # line 22
    with pytest.raises(EpisodeError) as error:
        read([HEADER, *rows])
    message = str(error.value)
    assert "column released_on: not a YYYY-MM-DD date on lines 2, 22" in message
    assert "column reoffended_on: not a YYYY-MM-DD date on line 11" in message
    assert "'01/02/2020'" in message  # shows what it found
    assert error.value.lines == [2, 11, 22]


def test_many_bad_lines_are_summarised():
    rows = [row.replace("2020-01-01,", "x,", 1) for row in good_rows()]
    with pytest.raises(EpisodeError) as error:
        read([HEADER, *rows])
    assert "on lines 2, 3, 4, 5, 6 and 115 more" in str(error.value)


def test_line_numbers_count_blank_lines_as_in_the_file():
    rows = good_rows()
    with pytest.raises(EpisodeError) as error:
        read([HEADER, rows[0], "", rows[1], "2020-01-01,,bad,30,1"])
    assert "line 5" in str(error.value)


def test_a_buddhist_era_year_is_explained():
    rows = good_rows()
    rows[3] = "2563-01-01,,2565-01-01,30,1"
    with pytest.raises(EpisodeError, match="Buddhist Era year") as error:
        read([HEADER, *rows])
    assert error.value.lines == [5]


def test_a_reoffence_before_release_is_refused():
    rows = good_rows()
    rows[4] = "2020-01-01,2019-12-31,2022-01-01,30,1"
    with pytest.raises(EpisodeError, match="reoffended_on is before released_on on line 6"):
        read([HEADER, *rows])


def test_follow_up_ending_before_release_is_refused():
    rows = good_rows()
    rows[7] = "2020-01-01,,2019-06-01,30,1"
    with pytest.raises(EpisodeError, match="followed_until is before released_on on line 9"):
        read([HEADER, *rows])


def test_blank_required_dates_are_refused():
    rows = good_rows()
    rows[1] = ",,2022-01-01,30,1"
    with pytest.raises(EpisodeError, match="column released_on: blank on line 3"):
        read([HEADER, *rows])


def test_bad_feature_values_name_column_and_lines():
    rows = good_rows()
    rows[2] = "2020-01-01,,2022-01-01,thirty,1"
    rows[5] = "2020-01-01,,2022-01-01,30,-2"
    with pytest.raises(EpisodeError) as error:
        read([HEADER, *rows])
    assert "column age_at_release: expected a number on line 4" in str(error.value)
    assert "column prior_convictions: a count cannot be negative, on line 7" in str(error.value)


def test_a_ragged_row_is_named():
    with pytest.raises(EpisodeError, match="line 3: wrong number of fields"):
        read([HEADER, good_rows()[0], "2020-01-01,,2022-01-01,30"])


def test_too_few_outcomes_says_how_many_there_are():
    rows = good_rows(60)  # 30 positives, 30 negatives
    with pytest.raises(EpisodeError) as error:
        read([HEADER, *rows])
    message = str(error.value)
    assert "too few outcomes" in message and "30 positive and 30 negative" in message and "at least 50" in message


def test_too_few_outcomes_after_censoring_counts_the_censored():
    rows = [row.replace("2022-01-01", "2020-02-01") for row in good_rows()]  # a month of follow-up
    with pytest.raises(EpisodeError) as error:
        read([HEADER, *rows])
    assert "0 negative" in str(error.value) and "60 of 120 rows are censored" in str(error.value)


def test_an_unknown_group_column_is_named():
    with pytest.raises(EpisodeError, match="unknown group column: race") as error:
        read([HEADER, *good_rows()], groups=["race"])
    assert error.value.columns == ["race"]


def test_no_feature_columns_is_refused():
    with pytest.raises(EpisodeError, match="no feature columns"):
        read(["released_on,reoffended_on,followed_until", "2020-01-01,,2022-01-01"])


def test_an_empty_file_is_refused():
    with pytest.raises(EpisodeError, match="empty"):
        read([""])


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(EpisodeError, match="file not found"):
        read_episodes(tmp_path / "nope.csv", 365)


# Reasons ----------------------------------------------------------------------------------------------------


def test_reason_templates_read_naturally_in_both_languages():
    assert format_reason("missed_appointments_60d", 3) == "3 missed appointments in the last 60 days"
    assert format_reason("missed_appointments_60d", 1) == "1 missed appointment in the last 60 days"
    assert format_reason("missed_appointments_60d", 3, language="th") == "ขาดนัด 3 ครั้งในช่วง 60 วันที่ผ่านมา"
    assert format_reason("employed", 0.0, {"days_since_release": 90}) == "no job 90 days after release"
    assert format_reason("employed", 0.0, {"days_since_release": 90}, "th") == "ยังไม่มีงานทำหลังพ้นโทษ 90 วัน"
    assert format_reason("employed", 0.0) == "not in work"
    assert format_reason("employed", 1.0) == "in work"
    assert format_reason("age_at_release", 21.0) == "age under 25"
    assert format_reason("age_at_release", 21.0, language="th") == "อายุต่ำกว่า 25 ปี"
    assert format_reason("prior_convictions", 4.0) == "4 prior convictions"
    assert format_reason("prior_convictions", float("nan")) == "prior convictions: unknown"


def test_the_synthetic_generator_is_deterministic():
    assert make_episodes(50, seed=3).equals(make_episodes(50, seed=3))
