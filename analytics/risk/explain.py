"""Why a person scores what they score: per-feature contributions and readable reasons.

**Logistic model (exact).** The calibrated model is ``logit p = s · (b0 + Σ_blocks w_B · T_B(x)) + c``, where
``s, c`` are the sigmoid calibrator's parameters and every preprocessing block ``T_B`` reads one feature (or,
for the age × prior-convictions interaction, two). A feature's contribution is its interventional Shapley
value on the log-odds scale against the model's *background*, every training row: for a one-feature block
that is simply ``s · w_B · (T_B(x) − mean over the training rows of T_B)``, i.e. coefficient × (transformed
value minus the average transformed value); an interaction block's share is split between its two features by
the exact two-player Shapley formula. The contributions add up exactly: ``base + Σ contributions = logit p``,
where ``base`` is the average training log-odds. Only averages are needed, so the artifact keeps those
(:func:`background_statistics`) and no training rows.

**Gradient boosting (approximate).** For each feature, the contribution is ``logit p(x)`` minus the mean of
``logit p`` when that one feature is replaced by each of 50 training rows' values ("what if this were typical";
a boosting artifact therefore holds those 50 rows of features).
It is honest about the direction and rough size of each feature's effect, but the contributions do not add up
to the score and interactions are counted in both features. The product uses the logistic model.

Reasons are the contributions largest in absolute value (at least 0.05 log-odds), each turned into a sentence
from the feature's template (:func:`analytics.risk.features.format_reason`) with its direction; templates
may use any value of the row given (e.g. ``days_since_release`` for "no job 90 days after release") even when
it is not a model feature.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from .features import FEATURES, Language, format_reason, reason_row_fields

if TYPE_CHECKING:
    from .artifact import TrainedModel

MIN_CONTRIBUTION = 0.05
BOOSTING_BACKGROUND = 50
EPS = 1e-6

RAISES = _("raises risk")
LOWERS = _("lowers risk")
RAISES_TH = "เพิ่มความเสี่ยง"
LOWERS_TH = "ลดความเสี่ยง"


@dataclass(frozen=True)
class Reason:
    feature: str
    value: Any
    contribution: float  # log-odds
    direction: str  # "raises" | "lowers"
    text_en: str
    text_th: str

    def text(self, language: Language = "en") -> str:
        return self.text_th if language == "th" else self.text_en

    def sentence(self, language: Language = "en") -> str:
        """The reason with its direction: "3 missed appointments in the last 60 days (raises risk)"."""
        if language == "th":
            return f"{self.text_th} ({RAISES_TH if self.direction == 'raises' else LOWERS_TH})"
        with override("en"):
            return f"{self.text_en} ({RAISES if self.direction == 'raises' else LOWERS})"


@dataclass(frozen=True)
class Explanation:
    probability: float
    logit: float
    base_logit: float
    contributions: dict[str, float]
    reasons: list[Reason]
    method: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, to store next to a score."""
        data = asdict(self)
        data["reasons"] = [{**asdict(reason), "value": _plain(reason.value)} for reason in self.reasons]
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def _shapley_weights(k: int) -> dict[int, float]:
    return {size: math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k) for size in range(k)}


def _logistic_parts(estimator: Any) -> tuple[Any, np.ndarray, float, float, float]:
    """The fitted preprocessor, coefficients, intercept and the sigmoid calibrator's scale and offset."""
    calibrated = estimator.calibrated_classifiers_[0]
    calibrator = calibrated.calibrators[0]
    if not hasattr(calibrator, "a_"):
        raise ValueError("exact contributions need the sigmoid-calibrated logistic model")
    pipeline = calibrated.estimator
    classifier = pipeline.named_steps["model"]
    return (
        pipeline.named_steps["pre"],
        classifier.coef_[0],
        float(classifier.intercept_[0]),
        -float(calibrator.a_),
        -float(calibrator.b_),
    )


def _subset_key(subset: Iterable[int]) -> str:
    return ",".join(str(i) for i in subset)


def background_statistics(estimator: Any, blocks: Mapping[str, tuple[str, ...]], background: pd.DataFrame) -> dict[str, Any]:
    """What exact logistic contributions need from the background, as averages only: per one-feature block the
    mean of its transformed columns, per product block the mean product of each subset of its inputs. The
    artifact stores these instead of training rows (no person's record travels with the model)."""
    pre = _logistic_parts(estimator)[0]
    stats: dict[str, Any] = {"rows": len(background)}
    for block, inputs in blocks.items():
        transformer = pre.named_transformers_[block]
        if len(inputs) == 1:
            stats[block] = {
                "mean": np.asarray(transformer.transform(background[list(inputs)]), dtype=np.float64).mean(axis=0).tolist()
            }
            continue
        z = np.asarray(transformer[:-1].transform(background[list(inputs)]), dtype=np.float64)
        k = len(inputs)
        stats[block] = {
            "product_means": {
                _subset_key(subset): float(np.prod(z[:, list(subset)], axis=1).mean())
                for size in range(1, k + 1)
                for subset in itertools.combinations(range(k), size)
            }
        }
    return stats


def logistic_contributions(model: TrainedModel, frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Exact contributions of each feature (log-odds, calibrated scale), the base and the logit, per row."""
    pre, coef, intercept, scale, offset = _logistic_parts(model.estimator)
    stats = model.extra.get("background_stats") or background_statistics(
        model.estimator, model.blocks, model.frame(model.background)
    )
    out = pd.DataFrame(0.0, index=range(len(frame)), columns=model.features)
    base = intercept
    for block, inputs in model.blocks.items():
        transformer = pre.named_transformers_[block]
        weights = coef[pre.output_indices_[block]]
        if len(inputs) == 1:
            value = np.asarray(transformer.transform(frame[list(inputs)]), dtype=np.float64) @ weights
            mean = float(np.asarray(stats[block]["mean"]) @ weights)
            out[inputs[0]] += value - mean
            base += mean
            continue
        # A product block w · Π z_i: a coalition S of its inputs is worth w · Π_{i in S} z_i(x) · E_b[Π_{i not in S} z_i(b)].
        z_x = np.asarray(transformer[:-1].transform(frame[list(inputs)]), dtype=np.float64)
        product_means = stats[block]["product_means"]
        w = float(weights[0])
        k = len(inputs)

        def value_of(
            subset: tuple[int, ...], z_x: np.ndarray = z_x, means: dict[str, float] = product_means, w: float = w, k: int = k
        ) -> np.ndarray:
            from_x = np.prod(z_x[:, list(subset)], axis=1) if subset else np.ones(len(z_x))
            rest = [i for i in range(k) if i not in subset]
            return w * from_x * (means[_subset_key(rest)] if rest else 1.0)

        base += w * product_means[_subset_key(range(k))]
        weights_by_size = _shapley_weights(k)
        for i, name in enumerate(inputs):
            others = [j for j in range(k) if j != i]
            phi = np.zeros(len(frame))
            for size in range(k):
                for subset in itertools.combinations(others, size):
                    with_i = tuple(sorted((*subset, i)))
                    phi += weights_by_size[size] * (value_of(with_i) - value_of(subset))
            out[name] += phi
    out *= scale
    base_logit = scale * base + offset
    logit = base_logit + out.sum(axis=1).to_numpy()
    return out, np.full(len(frame), base_logit), logit


def boosting_contributions(
    model: TrainedModel, frame: pd.DataFrame, n_background: int = BOOSTING_BACKGROUND
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Approximate contributions for a non-linear model: logit(x) − mean logit(x with one feature replaced by
    background values). They do not add up to the score."""
    background = model.frame(model.background).iloc[:n_background]
    logit = _logit(model.estimator.predict_proba(frame)[:, 1])
    base = float(_logit(model.estimator.predict_proba(background)[:, 1]).mean())
    out = pd.DataFrame(0.0, index=range(len(frame)), columns=model.features)
    nb = len(background)
    for name in model.features:
        repeated = frame.loc[frame.index.repeat(nb)].reset_index(drop=True)
        repeated[name] = np.tile(background[name].to_numpy(), len(frame))
        replaced = _logit(model.estimator.predict_proba(repeated)[:, 1]).reshape(len(frame), nb).mean(axis=1)
        out[name] = logit - replaced
    return out, np.full(len(frame), base), logit


def contributions(
    model: TrainedModel, rows: pd.DataFrame | Iterable[Mapping[str, Any]], *, coerced: bool = False
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Each feature's contribution to each row's score. ``coerced``: the rows are ``model.frame``'s already."""
    frame = rows if coerced and isinstance(rows, pd.DataFrame) else model.frame(rows)
    if model.kind == "logistic":
        return logistic_contributions(model, frame)
    return boosting_contributions(model, frame)


def probabilities_and_contributions(model: TrainedModel, frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's calibrated probability and the features' contributions to it (``frame``: rows coerced by
    ``model.frame``). For the logistic model the probability is the sigmoid of the base plus the contributions,
    which is exact (the same as ``predict_proba`` to 1e-9: a test holds it), so the rows go through the
    model's transformers once rather than twice; for other models it is ``predict_proba``."""
    table, _base, logit = contributions(model, frame, coerced=True)
    if model.kind == "logistic":
        return 1.0 / (1.0 + np.exp(-logit)), table
    return model.estimator.predict_proba(frame)[:, 1], table


def explain(
    model: TrainedModel,
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    top: int = 3,
    min_contribution: float = MIN_CONTRIBUTION,
) -> list[Explanation]:
    """One :class:`Explanation` per row, with up to ``top`` reasons (largest absolute contributions first)."""
    if not isinstance(rows, pd.DataFrame):
        rows = list(rows)
    raw_records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(row) for row in rows]
    frame = model.frame(rows)
    table, base, logit = contributions(model, frame, coerced=True)
    method = "exact interventional Shapley (logistic)" if model.kind == "logistic" else "one-feature replacement (approximate)"
    names = list(model.features)
    values = table[names].to_numpy(dtype=np.float64)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
    records = frame.to_dict("records")
    explanations = []
    for position, record in enumerate(records):
        # The reason templates may mention values that are not model features (e.g. days since release).
        context = {**raw_records[position], **record}
        reasons: list[Reason] = []
        for index in order[position]:
            value = float(values[position, index])
            if abs(value) < min_contribution:
                break
            name = names[index]
            raw = record[name]
            reasons.append(
                Reason(
                    feature=name,
                    value=_plain(raw),
                    contribution=value,
                    direction="raises" if value > 0 else "lowers",
                    text_en=format_reason(name, raw, context, "en"),
                    text_th=format_reason(name, raw, context, "th"),
                )
            )
        explanations.append(
            Explanation(
                probability=float(1 / (1 + math.exp(-logit[position]))),
                logit=float(logit[position]),
                base_logit=float(base[position]),
                contributions=dict(zip(names, values[position].tolist(), strict=True)),
                reasons=reasons,
                method=method,
            )
        )
    return explanations


def reasons_json(
    model: TrainedModel,
    snapshots: pd.DataFrame,
    *,
    top: int = 3,
    min_contribution: float = MIN_CONTRIBUTION,
    frame: pd.DataFrame | None = None,
    table: pd.DataFrame | None = None,
) -> list[str]:
    """The reasons of many rows at once, each row's as the JSON text a stored score keeps:
    ``[{"feature", "direction", "value"[, "context"]}, ...]``, the same reasons as :func:`explain`.

    A stored reason is what its sentence is made of, not the sentence: the feature, its value, the
    direction and, where the feature's templates mention other values of the snapshot (e.g. "no job
    90 days after release"), those values as ``context``. :func:`reason_text` writes the sentence when
    somebody reads it, in their language; the nightly job formats nothing and writes a third of the
    bytes (two sentences in Thai and English made 440 bytes a score).

    For nightly scoring: the contributions are computed on the whole frame, the rows that show each
    feature are grouped by what their reason holds (the value, the values its sentence mentions, the
    direction), and each group's reason is serialised once: no loop over the rows.
    ``frame``: the rows already coerced by ``model.frame``, if at hand; ``table``: their contributions
    (:func:`contributions`), if at hand.
    """
    frame = model.frame(snapshots) if frame is None else frame
    if table is None:
        table, _base, _logit = contributions(model, frame, coerced=True)
    names = list(model.features)
    values = table[names].to_numpy(dtype=np.float64)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
    strongest = np.take_along_axis(values, order, axis=1)
    model_values = {name: frame[name].to_numpy() for name in names}
    raw = snapshots.reset_index(drop=True)

    def column(field: str) -> Any:
        if field in model_values:
            return model_values[field]
        return raw[field].to_numpy() if field in raw.columns else [None] * len(raw)

    # Each (row, rank) that shows a reason, by feature: a reason holds the feature's value, the values its
    # sentence mentions and the direction, so rows with the same key share it. Every distinct reason is
    # serialised once into ``catalog``, and a row is the tuple of its reasons' numbers there (0: none).
    n_rows, n_ranks = order.shape
    shown = np.cumprod(np.abs(strongest) >= min_contribution, axis=1).astype(bool)  # a weak reason ends the list
    codes = np.zeros((n_rows, n_ranks), dtype=np.int64)
    catalog = [""]
    for feature_index, name in enumerate(names):
        rows, ranks = np.nonzero(shown & (order == feature_index))
        if not len(rows):
            continue
        fields = reason_row_fields(name)
        value_of = np.asarray(model_values[name], dtype=object)[rows]
        field_of = {field: np.asarray(column(field), dtype=object)[rows] for field in fields}
        raises_of = strongest[rows, ranks] > 0
        keys = pd.DataFrame({"value": value_of, **{f"field_{field}": field_of[field] for field in fields}, "raises": raises_of})
        groups = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
        _unique, first_of_group = np.unique(groups, return_index=True)
        codes[rows, ranks] = len(catalog) + groups
        for position in first_of_group.tolist():
            reason = {
                "feature": name,
                "direction": "raises" if raises_of[position] else "lowers",
                "value": _plain(value_of[position]),
            }
            if fields:
                reason["context"] = {field: _plain(field_of[field][position]) for field in fields}
            catalog.append(json.dumps(reason, ensure_ascii=False, separators=(",", ":")))
    # Rows with the same reasons in the same order share their list's text, written once: a row's tuple
    # as one number in base len(catalog) (a lexicographic unique of the rows costs ten times more).
    if len(catalog) ** n_ranks < 2**63:
        key = np.zeros(n_rows, dtype=np.int64)
        for rank in range(n_ranks):
            key = key * len(catalog) + codes[:, rank]
        _keys, first_row, row_list = np.unique(key, return_index=True, return_inverse=True)
        lists = codes[first_row]
    else:
        lists, row_list = np.unique(codes, axis=0, return_inverse=True)
    texts = np.array(["[" + ",".join(catalog[code] for code in row if code) + "]" for row in lists.tolist()], dtype=object)
    return texts[row_list.reshape(-1)].tolist()


def reason_text(reason: Mapping[str, Any], language: Language = "en") -> str:
    """A stored reason's sentence (without its direction) in ``language``: written from its feature, value and
    context (:func:`reasons_json`), or, for scores stored before reasons were kept that way, the sentence
    stored with it. A feature the registry no longer has is named as it was stored."""
    if language in reason:  # stored with its sentences
        return str(reason[language])
    name = str(reason.get("feature", ""))
    if name not in FEATURES:
        return name
    return format_reason(name, reason.get("value"), reason.get("context") or {}, language)


__all__ = [
    "FEATURES",
    "Explanation",
    "Reason",
    "contributions",
    "explain",
    "probabilities_and_contributions",
    "reason_text",
    "reasons_json",
]
