"""Metrics on small examples whose answers are known by hand, and the quality gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.risk import metrics as m


def test_a_perfect_ranker_has_auc_one_and_a_reversed_one_zero():
    y = [0, 0, 0, 1, 1]
    assert m.auc(y, [0.1, 0.2, 0.3, 0.8, 0.9]) == 1.0
    assert m.auc(y, [0.9, 0.8, 0.7, 0.2, 0.1]) == 0.0
    assert m.auc([1, 1], [0.2, 0.3]) is None  # one class: undefined


def test_brier_by_hand():
    assert m.brier([0, 1], [0.0, 1.0]) == 0.0
    assert m.brier([0, 1], [0.5, 0.5]) == pytest.approx(0.25)
    assert m.brier([1, 0, 1], [0.9, 0.2, 0.6]) == pytest.approx((0.01 + 0.04 + 0.16) / 3)


def test_a_perfectly_calibrated_predictor_has_zero_ece():
    # Two equal-mass bins: 10 people at 0.2 of whom 2 reoffend, 10 at 0.7 of whom 7 do.
    p = [0.2] * 10 + [0.7] * 10
    y = [1, 1] + [0] * 8 + [1] * 7 + [0] * 3
    assert m.expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.0)
    curve = m.calibration_curve(y, p, n_bins=2)
    assert [(round(c["mean_predicted"], 3), round(c["observed"], 3), c["n"]) for c in curve] == [(0.2, 0.2, 10), (0.7, 0.7, 10)]


def test_a_calibrated_predictor_on_many_draws_has_small_ece():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 50_000)
    y = rng.random(50_000) < p
    ece = m.expected_calibration_error(y, p)
    assert ece is not None and ece < 0.01


def test_ece_of_an_overconfident_predictor_by_hand():
    # Everyone predicted 0.9, half reoffend: ECE = |0.5 - 0.9| = 0.4 whatever the bins.
    assert m.expected_calibration_error([0, 1] * 50, [0.9] * 100) == pytest.approx(0.4)


def test_equal_mass_bins_hold_the_same_number_of_people():
    p = np.r_[np.full(90, 0.01), np.linspace(0.5, 0.99, 10)]
    curve = m.calibration_curve(np.zeros(100), p, n_bins=10)
    assert [c["n"] for c in curve] == [10] * 10


def test_the_threshold_flags_the_requested_share():
    p = np.arange(100) / 100
    t = m.threshold_for_flag_rate(p, 0.25)
    assert (p >= t).mean() == pytest.approx(0.25)


def test_rates_per_group_by_hand():
    #            group a (4 people)        group b (4 people)
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    p = np.array([0.9, 0.2, 0.8, 0.1, 0.7, 0.6, 0.3, 0.2])
    flagged = p >= 0.5
    groups = pd.DataFrame({"sex": ["a"] * 4 + ["b"] * 4})
    table = {row["group"]: row for row in m.fairness_tables(y, p, flagged, groups)["sex"]}
    a, b = table["a"], table["b"]
    assert (a["n"], a["positives"], a["negatives"], a["flagged"]) == (4, 2, 2, 2)
    assert a["fpr"] == 0.5  # 1 of 2 non-reoffenders flagged
    assert a["fnr"] == 0.5  # 1 of 2 reoffenders missed
    assert a["flag_rate"] == 0.5
    assert a["observed"] == 0.5 and a["mean_predicted"] == pytest.approx(0.5)
    assert b["fpr"] == pytest.approx(1 / 3) and b["fnr"] == 0.0 and b["flag_rate"] == 0.5
    assert b["mean_predicted"] == pytest.approx(0.45) and b["observed"] == 0.25
    assert a["small"] and b["small"]


def test_evaluate_is_json_ready():
    import json

    y = [0, 1, 0, 1]
    p = [0.1, 0.9, 0.4, 0.6]
    result = m.evaluate(y, p, np.array(p) >= 0.5, pd.DataFrame({"g": ["x", "x", "y", "y"]}))
    json.dumps(result)
    assert result["auc"] == 1.0 and result["at_threshold"]["fpr"] == 0.0


def good_metrics(**changes):
    metrics = {"n": 1000, "auc": 0.72, "ece": 0.02, "fairness": {}}
    metrics.update(changes)
    return metrics


def test_the_quality_gate_passes_a_good_model():
    assert m.quality_check(good_metrics()) == []


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"auc": 0.6}, "AUC 0.600 is below the minimum 0.65"),
        ({"ece": 0.08}, "expected calibration error 0.080 is above the maximum 0.05"),
        ({"n": 40}, "evaluated on 40 outcomes only"),
        ({"auc": None}, "AUC is undefined"),
    ],
)
def test_the_quality_gate_names_each_failure(changes, needle):
    failures = m.quality_check(good_metrics(**changes))
    assert any(needle in failure for failure in failures), failures


def test_a_false_positive_disparity_is_a_warning_not_a_failure():
    fairness = {
        "region": [
            {"group": "north", "n": 200, "fpr": 0.30, "fnr": 0.4},
            {"group": "south", "n": 150, "fpr": 0.10, "fnr": 0.5},
            {"group": "tiny", "n": 10, "fpr": 0.0, "fnr": 0.45},  # too small to compare
        ]
    }
    metrics = good_metrics(fairness=fairness)
    assert m.quality_check(metrics) == []
    warnings = m.quality_warnings(metrics)
    assert len(warnings) == 1
    assert "region: the false positive rate of north is 30.0% (n=200) against 10.0% for south (n=150)" in warnings[0]
    report = m.quality_report(metrics)
    assert report["passed"] and report["warnings"] == warnings


def test_no_warning_when_rates_are_within_the_ratio():
    fairness = {"sex": [{"group": "F", "n": 100, "fpr": 0.15, "fnr": 0.5}, {"group": "M", "n": 900, "fpr": 0.2, "fnr": 0.45}]}
    assert m.quality_warnings(good_metrics(fairness=fairness)) == []
