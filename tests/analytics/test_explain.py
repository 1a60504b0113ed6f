"""Explanations of the logistic model on synthetic data whose true effects are known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.risk.explain import contributions, explain, reason_text, reasons_json
from analytics.risk.synthetic import TRUE_EFFECTS

PERSON = {
    "age_at_release": 30,
    "sex": "M",
    "prior_convictions": 1,
    "sentence_months": 24,
    "offence_category": "property",
    "release_type": "parole",
    "region": "north",
    "missed_appointments_60d": 1,
    "attended_appointments_60d": 2,
    "employed": 0,
    "programme_completed": 0,
}


def person(**changes):
    return {**PERSON, **changes}


def test_contributions_add_up_to_the_calibrated_score(logistic_model, synthetic_frame):
    rows = synthetic_frame.head(25)
    table, base, logit = contributions(logistic_model, rows)
    p = logistic_model.predict_proba(rows)
    assert np.allclose(base + table.sum(axis=1).to_numpy(), logit)
    assert np.allclose(1 / (1 + np.exp(-logit)), p, atol=1e-9)


def test_the_signs_follow_the_true_effects(logistic_model):
    high, low = explain(
        logistic_model,
        [
            person(missed_appointments_60d=4, employed=0, age_at_release=19, prior_convictions=6),
            person(missed_appointments_60d=0, employed=1, age_at_release=60, prior_convictions=0, programme_completed=1),
        ],
        top=11,
        min_contribution=0.0,
    )
    assert high.probability > low.probability
    assert TRUE_EFFECTS["missed_appointments_60d"] > 0 and TRUE_EFFECTS["employed"] < 0
    assert high.contributions["missed_appointments_60d"] > 0
    assert high.contributions["employed"] > 0  # not working raises risk
    assert high.contributions["age_at_release"] > 0  # young raises risk
    assert high.contributions["prior_convictions"] > 0
    assert low.contributions["employed"] < 0
    assert low.contributions["programme_completed"] < 0
    assert low.contributions["age_at_release"] < 0
    # features without a true effect matter much less than the real ones
    assert abs(high.contributions["region"]) < abs(high.contributions["missed_appointments_60d"])


def test_top_reasons_are_readable_sentences_in_both_languages(logistic_model):
    (explanation,) = explain(
        logistic_model, [person(missed_appointments_60d=4, employed=0, days_since_release=90, age_at_release=44)], top=3
    )
    assert len(explanation.reasons) == 3
    by_feature = {reason.feature: reason for reason in explanation.reasons}
    missed = by_feature["missed_appointments_60d"]
    assert missed.direction == "raises"
    assert missed.sentence() == "4 missed appointments in the last 60 days (raises risk)"
    assert missed.sentence("th") == "ขาดนัด 4 ครั้งในช่วง 60 วันที่ผ่านมา (เพิ่มความเสี่ยง)"
    contributions_sorted = [abs(r.contribution) for r in explanation.reasons]
    assert contributions_sorted == sorted(contributions_sorted, reverse=True)
    assert explanation.method.startswith("exact")
    assert by_feature["employed"].sentence() == "no job 90 days after release (raises risk)"
    assert by_feature["employed"].sentence("th") == "ยังไม่มีงานทำหลังพ้นโทษ 90 วัน (เพิ่มความเสี่ยง)"


def test_a_stored_reason_holds_its_facts_and_is_written_out_when_read(logistic_model):
    import json

    import pandas as pd

    row = person(missed_appointments_60d=4, employed=0, days_since_release=90, age_at_release=44)
    (stored,) = [json.loads(text) for text in reasons_json(logistic_model, pd.DataFrame([row]), top=3)]
    by_feature = {reason["feature"]: reason for reason in stored}
    # The facts, not the sentences: the sentence is written in the reader's language when shown.
    assert by_feature["missed_appointments_60d"] == {"feature": "missed_appointments_60d", "direction": "raises", "value": 4.0}
    assert by_feature["employed"]["context"] == {"days_since_release": 90}
    assert reason_text(by_feature["employed"], "en") == "no job 90 days after release"
    assert reason_text(by_feature["employed"], "th") == "ยังไม่มีงานทำหลังพ้นโทษ 90 วัน"
    assert reason_text(by_feature["missed_appointments_60d"], "th") == "ขาดนัด 4 ครั้งในช่วง 60 วันที่ผ่านมา"


def test_reasons_stored_before_keep_their_sentences():
    earlier = {"feature": "age_at_release", "direction": "raises", "en": "age 19-22", "th": "อายุ 19-22 ปี"}
    assert reason_text(earlier, "en") == "age 19-22" and reason_text(earlier, "th") == "อายุ 19-22 ปี"
    # A feature a later registry dropped is named as stored rather than breaking the case page.
    assert reason_text({"feature": "retired_feature", "direction": "raises", "value": 1}, "th") == "retired_feature"


def test_a_lowering_reason_says_so(logistic_model):
    (explanation,) = explain(
        logistic_model, [person(missed_appointments_60d=0, employed=1, programme_completed=1, age_at_release=62)], top=3
    )
    assert explanation.reasons
    assert all(reason.direction == "lowers" for reason in explanation.reasons)
    texts = [reason.sentence() for reason in explanation.reasons]
    assert "in work (lowers risk)" in texts or "age over 45 (lowers risk)" in texts
    assert any("ลดความเสี่ยง" in reason.sentence("th") for reason in explanation.reasons)


def test_small_contributions_are_not_reasons(logistic_model):
    (explanation,) = explain(logistic_model, [PERSON], top=20, min_contribution=0.2)
    assert all(abs(reason.contribution) >= 0.2 for reason in explanation.reasons)


def test_an_explanation_is_json_ready(logistic_model):
    import json

    (explanation,) = explain(logistic_model, [person(employed=None)])
    data = explanation.as_dict()
    json.dumps(data)
    assert math.isclose(data["probability"], explanation.probability)


def test_boosting_explanations_are_documented_as_approximate(synthetic_frame):
    from analytics.risk.episodes import episodes_from_frame
    from analytics.risk.pipeline import PipelineConfig, train

    episodes = episodes_from_frame(synthetic_frame.head(1200), 365)
    quick = PipelineConfig(boosting={"max_iter": 30, "max_depth": 3, "min_samples_leaf": 50})
    model = train(episodes, split="stratified", n_folds=2, seed=0, config=quick, candidates=("boosting",))
    (explanation,) = explain(model, [person(missed_appointments_60d=5)], top=2)
    assert explanation.method.startswith("one-feature replacement")
    assert explanation.probability == pytest.approx(model.predict_proba([person(missed_appointments_60d=5)])[0], abs=1e-6)
