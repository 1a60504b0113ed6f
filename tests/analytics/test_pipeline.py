"""Folds, the model choice rule, and training end to end on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.risk.episodes import EpisodeError, episodes_from_frame
from analytics.risk.pipeline import PipelineConfig, choose_model, stratified_folds, time_folds, train


def test_time_folds_always_test_on_newer_releases():
    rng = np.random.default_rng(0)
    released = np.sort(np.datetime64("2018-01-01") + rng.integers(0, 2000, 1000).astype("timedelta64[D]"))
    y = rng.integers(0, 2, 1000)
    folds = time_folds(released, y, 4)
    assert len(folds) == 4
    for train_idx, test_idx in folds:
        assert released[train_idx].max() < released[test_idx].min()
    tested = np.concatenate([test for _, test in folds])
    assert len(tested) == len(set(tested.tolist()))  # each row tested at most once


def test_time_folds_need_distinct_dates():
    released = np.full(100, np.datetime64("2013-01-01"))
    with pytest.raises(EpisodeError, match="cannot split by release date"):
        time_folds(released, np.arange(100) % 2, 5)


def test_stratified_folds_are_fixed_by_the_seed_and_keep_people_together():
    y = np.arange(200) % 2
    first = stratified_folds(y, 5, 3)
    again = stratified_folds(y, 5, 3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again, strict=True))
    people = np.repeat(np.arange(50), 4)  # four snapshots per person
    for _, test in stratified_folds(np.repeat(np.arange(50) % 2, 4), 5, 0, people):
        everyone_tested = np.isin(people, people[test])
        assert set(np.flatnonzero(everyone_tested).tolist()) == set(test.tolist())


@pytest.mark.parametrize(
    ("boosting", "expected"),
    [
        ({"auc_mean": 0.75, "brier_mean": 0.19}, "boosting"),  # clearly better on both
        ({"auc_mean": 0.75, "brier_mean": 0.21}, "logistic"),  # better AUC, worse Brier
        ({"auc_mean": 0.705, "brier_mean": 0.19}, "logistic"),  # AUC gain within the margin
        ({"auc_mean": 0.69, "brier_mean": 0.21}, "logistic"),
    ],
)
def test_the_choice_rule_prefers_the_transparent_model(boosting, expected):
    chosen, reason = choose_model({"logistic": {"auc_mean": 0.70, "brier_mean": 0.20}, "boosting": boosting})
    assert chosen == expected
    assert "AUC" in reason and "Brier" in reason


def test_training_compares_both_candidates_on_the_same_folds(synthetic_frame):
    episodes = episodes_from_frame(synthetic_frame, 365)
    quick = PipelineConfig(boosting={"learning_rate": 0.1, "max_iter": 40, "max_depth": 3, "min_samples_leaf": 50})
    model = train(episodes, split="stratified", n_folds=3, seed=1, config=quick)
    assert set(model.comparison) == {"logistic", "boosting"}
    assert model.comparison["logistic"]["calibration"] == "sigmoid"
    assert model.comparison["boosting"]["calibration"] == "isotonic"
    assert model.metrics["auc"] > 0.65  # the synthetic signal is learnable
    assert model.metrics["n"] == len(episodes)  # stratified folds test every row once
    assert 0.15 < model.metrics["at_threshold"]["flag_rate"] < 0.35
    assert model.kind in {"logistic", "boosting"} and model.choice_reason
