"""The model artifact: checksum round trip, tamper detection, and what it records."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from analytics.risk.artifact import ArtifactError, TrainedModel, dump_model, load_model


def test_round_trip_keeps_predictions_and_metadata(logistic_model, synthetic_frame):
    data, checksum = logistic_model.to_bytes()
    assert checksum == hashlib.sha256(data).hexdigest()
    loaded = load_model(data, checksum)
    assert isinstance(loaded, TrainedModel)
    rows = synthetic_frame.head(50)
    assert np.array_equal(loaded.predict_proba(rows), logistic_model.predict_proba(rows))
    assert loaded.features == logistic_model.features
    assert loaded.horizon_days == 365
    assert loaded.thresholds == logistic_model.thresholds
    assert loaded.metrics == logistic_model.metrics


def test_the_same_model_serialises_to_the_same_checksum(logistic_model):
    assert dump_model(logistic_model)[1] == dump_model(logistic_model)[1]


def test_a_changed_byte_is_detected_before_loading(logistic_model):
    data, checksum = logistic_model.to_bytes()
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0x01
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        load_model(bytes(tampered), checksum)
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        load_model(data[:-10], checksum)
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        load_model(data, "0" * 64)


def test_a_different_library_version_is_refused_unless_allowed(logistic_model):
    logistic_model_copy = load_model(*logistic_model.to_bytes())
    logistic_model_copy.library_versions = {**logistic_model_copy.library_versions, "scikit-learn": "0.1"}
    data, checksum = dump_model(logistic_model_copy)
    with pytest.raises(ArtifactError, match=r"scikit-learn 0\.1"):
        load_model(data, checksum)
    assert load_model(data, checksum, allow_version_mismatch=True).kind == "logistic"


def test_the_model_records_what_a_model_card_needs(logistic_model):
    card = logistic_model.model_card()
    json.dumps(card)
    assert card["kind"] == "logistic"
    assert card["horizon_days"] == 365
    assert card["data"]["labeled"] > 0 and card["data"]["released_from"] < card["data"]["released_to"]
    assert {row["name"] for row in card["features"]} == set(logistic_model.features)
    assert card["hyperparameters"]["calibration"] == "sigmoid"
    assert card["hyperparameters"]["split"] == "time"
    assert set(card["thresholds"]) == {"high", "medium"}
    assert card["thresholds"]["high"] >= card["thresholds"]["medium"]
    assert {"auc", "brier", "ece", "calibration_curve", "at_threshold"} <= set(card["metrics"])
    assert {"sex", "age_band", "region"} <= set(card["fairness"])
    assert card["quality"]["passed"] is (not card["quality"]["failures"])


def test_tiers_follow_the_thresholds(logistic_model):
    high, medium = logistic_model.thresholds["high"], logistic_model.thresholds["medium"]
    assert logistic_model.tier(high) == "high"
    assert logistic_model.tier((high + medium) / 2) == "medium"
    assert logistic_model.tier(medium / 2) == "low"
    assert logistic_model.tiers([0.0, 1.0]) == ["low", "high"]


def test_scoring_accepts_snapshots_as_dicts_with_missing_values(logistic_model):
    p = logistic_model.predict_proba([{"age_at_release": 25, "employed": True}, {}])
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))


def test_registry_fields_fill_a_model_version_row(logistic_model):
    fields = logistic_model.registry_fields()
    assert fields["data_from"] <= fields["data_to"]
    assert fields["rows"] == logistic_model.data["labeled"]
    assert fields["quality_failures"] == logistic_model.quality()["failures"]
    assert load_model(fields["artifact"], fields["artifact_sha256"]).features == logistic_model.features
    json.dumps({k: v for k, v in fields.items() if k not in {"artifact", "data_from", "data_to"}})
