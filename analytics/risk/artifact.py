"""The trained model as one object, and its artifact: bytes with a SHA-256 checksum.

The database side stores the bytes (e.g. in a ``BinaryField`` or a file) and the checksum with the model
version, and loads the model with :func:`load_model`, which verifies the checksum *before* unpickling: bytes
that do not match are never deserialised. Pickles run code when loaded, so only artifacts this system wrote
(and whose checksum it recorded) may be loaded.
"""

from __future__ import annotations

import hashlib
import io
import math
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from django.utils.translation import override

from .episodes import frame_from_records
from .features import feature_table
from .metrics import quality_report

FORMAT_VERSION = 1
TIERS = ("low", "medium", "high")


class ArtifactError(ValueError):
    """An artifact that does not match its checksum, or cannot be loaded by this installation."""


@dataclass
class TrainedModel:
    estimator: Any  # fitted CalibratedClassifierCV(ensemble=False)
    kind: str  # "logistic" | "boosting"
    features: list[str]
    blocks: dict[str, tuple[str, ...]]
    horizon_days: int
    hyperparameters: dict[str, Any]
    thresholds: dict[str, float]  # {"high": operating threshold, "medium": ...}
    metrics: dict[str, Any]  # held-out evaluation of the chosen model, incl. "fairness" tables
    comparison: dict[str, Any]
    choice_reason: str
    data: dict[str, Any]  # row counts, data range (released_from/to), features, group columns
    background: pd.DataFrame  # boosting only: training rows that explanations compare a person with (empty for logistic)
    trained_at: str
    library_versions: dict[str, str]
    training_seconds: float = 0.0
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)  # "background_stats" (logistic explanations)

    # Scoring ----------------------------------------------------------------------------------------------

    def frame(self, rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
        """Feature snapshots (a DataFrame or dicts in the registry's names) in the model's column order."""
        return frame_from_records(rows, self.features)

    def predict_proba(self, rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Calibrated probabilities of reoffending within ``horizon_days``, one per row."""
        frame = self.frame(rows)
        if len(frame) == 0:
            return np.zeros(0)
        return self.estimator.predict_proba(frame)[:, 1]

    def tier(self, probability: float) -> str:
        """``low``, ``medium`` or ``high`` by the model's stored thresholds."""
        if probability >= self.thresholds["high"]:
            return "high"
        if probability >= self.thresholds["medium"]:
            return "medium"
        return "low"

    def tiers(self, probabilities: Iterable[float]) -> list[str]:
        return [self.tier(float(p)) for p in probabilities]

    def explain(self, rows: pd.DataFrame | Iterable[Mapping[str, Any]], top: int = 3) -> list[Any]:
        from .explain import explain

        return explain(self, rows, top=top)

    # Governance ---------------------------------------------------------------------------------------------

    @property
    def fairness(self) -> dict[str, Any]:
        return self.metrics.get("fairness", {})

    def quality(self) -> dict[str, Any]:
        """The quality gate on the held-out metrics: ``passed``, ``failures`` (block approval), ``warnings``."""
        return quality_report(self.metrics)

    def model_card(self) -> dict[str, Any]:
        """Everything a manager reads before approving, JSON-ready."""
        return _json_ready(
            {
                "format_version": self.format_version,
                "kind": self.kind,
                "choice_reason": self.choice_reason,
                "horizon_days": self.horizon_days,
                "trained_at": self.trained_at,
                "data": self.data,
                "features": feature_table(self.features),
                "hyperparameters": self.hyperparameters,
                "thresholds": self.thresholds,
                "metrics": {k: v for k, v in self.metrics.items() if k != "fairness"},
                "fairness": self.fairness,
                "comparison": self.comparison,
                "quality": self.quality(),
                "library_versions": self.library_versions,
                "training_seconds": self.training_seconds,
            }
        )

    def registry_fields(self) -> dict[str, Any]:
        """The values of a model-registry row (the field names of ``analytics.models.RiskModelVersion``),
        including the artifact bytes and checksum."""
        from datetime import date

        data, checksum = self.to_bytes()
        with override("en"):  # stored in English; pages show the checks in the reader's language
            card = self.model_card()
        return {
            "kind": self.kind,
            "horizon_days": self.horizon_days,
            "data_from": date.fromisoformat(self.data["released_from"]),
            "data_to": date.fromisoformat(self.data["released_to"]),
            "rows": int(self.data["labeled"]),
            "features": list(self.features),
            "hyperparameters": card["hyperparameters"],
            "metrics": card["metrics"],
            "fairness": card["fairness"],
            "calibration": {
                "curve": card["metrics"]["calibration_curve"],
                "ece": card["metrics"]["ece"],
                "bins": card["metrics"]["ece_bins"],
            },
            "quality_failures": card["quality"]["failures"],
            "thresholds": dict(self.thresholds),
            "artifact": data,
            "artifact_sha256": checksum,
        }

    # Artifact -----------------------------------------------------------------------------------------------

    def to_bytes(self) -> tuple[bytes, str]:
        return dump_model(self)


def dump_model(model: TrainedModel) -> tuple[bytes, str]:
    """The model as bytes and their SHA-256 (hex)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    data = buffer.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def load_model(data: bytes, sha256: str, *, allow_version_mismatch: bool = False) -> TrainedModel:
    """Verify the checksum, then load. Raises :class:`ArtifactError` on a mismatch (tampered or truncated bytes)
    and on a different scikit-learn version (whose pickles may not load or may predict differently), unless
    ``allow_version_mismatch``."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256.strip().lower():
        raise ArtifactError(f"artifact checksum mismatch: expected {sha256}, got {actual}; the bytes were changed or truncated")
    try:
        model = joblib.load(io.BytesIO(data))  # the checksum was verified above: only our own artifacts
    except (pickle.UnpicklingError, EOFError, ValueError, AttributeError, ModuleNotFoundError) as exc:
        raise ArtifactError(f"artifact cannot be loaded: {exc}") from exc
    if not isinstance(model, TrainedModel):
        raise ArtifactError(f"artifact holds a {type(model).__name__}, not a TrainedModel")
    trained_with = model.library_versions.get("scikit-learn")
    if trained_with != sklearn.__version__ and not allow_version_mismatch:
        raise ArtifactError(f"artifact was trained with scikit-learn {trained_with}, this installation has {sklearn.__version__}")
    return model


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
