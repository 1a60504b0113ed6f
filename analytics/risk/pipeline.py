"""Training: the scikit-learn pipelines, the cross-validated comparison, the choice, the final fit.

Two candidates share the same features and folds:

- ``logistic`` (the transparent model): one preprocessing block per feature (numeric and boolean: median
  imputation, ``log1p`` for counts, then a cubic B-spline basis with 5 knots at quantiles of the training
  values for age and prior convictions, standard scaling for the rest; categorical: one-hot, unseen codes
  ignored) plus the product of standardised ``log1p`` age and prior convictions, into an L2-regularised
  logistic regression (C=1);
- ``boosting``: histogram gradient boosting on the raw numbers and one-hot codes (shallow trees, strong
  minimum leaf size, fixed seed).

Both are calibrated with ``CalibratedClassifierCV(ensemble=False)``: the model is fitted on all training rows
and a calibrator is fitted on its 5-fold cross-validated predictions. The logistic model gets the *sigmoid*
(Platt) calibrator: two parameters, hard to overfit, and a sigmoid of a linear score is still a logistic
model, so its explanations stay exact. Boosting gets *isotonic* calibration (it corrects any monotone
distortion of tree scores) when there are at least 2,000 training rows, sigmoid below that, where isotonic
steps overfit.

Choice: the transparent model is preferred; gradient boosting is chosen only when it is clearly better in
the same folds: mean AUC higher by more than 0.01 *and* a lower mean Brier score.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, SplineTransformer, StandardScaler

from . import metrics as m
from .episodes import EpisodeError, Episodes
from .features import FEATURES, INTERACTIONS

if TYPE_CHECKING:
    from .artifact import TrainedModel

CANDIDATES = ("logistic", "boosting")
MISSING_CODE = "(missing)"


@dataclass(frozen=True)
class PipelineConfig:
    """Hyperparameters (fixed, not tuned on the evaluation folds) and the operating rule."""

    C: float = 1.0
    splines: bool = True
    spline_knots: int = 5
    interactions: tuple[tuple[str, str], ...] = INTERACTIONS
    boosting: dict[str, Any] = field(
        default_factory=lambda: {
            "learning_rate": 0.05,
            "max_iter": 150,
            "max_depth": 3,
            "min_samples_leaf": 50,
            "l2_regularization": 1.0,
        }
    )
    calibration_folds: int = 5
    isotonic_min_rows: int = 2000
    # The operating threshold: the probability above which the top `flag_rate` of the training predictions
    # lie (the "high" tier); `medium_rate` likewise for the "medium" tier. A fixed `threshold` overrides it.
    flag_rate: float = 0.25
    medium_rate: float = 0.50
    threshold: float | None = None
    auc_margin: float = 0.01
    background_rows: int = 50  # training rows kept for approximate (boosting) explanations; none for logistic
    ece_bins: int = 10

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["interactions"] = [list(pair) for pair in self.interactions]
        return data


# Pipelines -------------------------------------------------------------------------------------------------


def _product(X: Any) -> np.ndarray:
    return np.prod(np.asarray(X, dtype=np.float64), axis=1, keepdims=True)


def _product_name(transformer: Any, input_features: Sequence[str]) -> np.ndarray:
    return np.asarray(["*".join(input_features)], dtype=object)


def _categorical_block() -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CODE)),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )


def interaction_pairs(features: Sequence[str], config: PipelineConfig) -> list[tuple[str, str]]:
    return [(a, b) for a, b in config.interactions if a in features and b in features]


def build_preprocessor(
    features: Sequence[str], kind: str, config: PipelineConfig
) -> tuple[ColumnTransformer, dict[str, tuple[str, ...]]]:
    """The ColumnTransformer for a candidate, and its blocks: block name → the input features it reads.

    Every block reads one feature, except the interaction blocks which read two; explanations rely on this.
    """
    transformers: list[tuple[str, Any, list[str]]] = []
    blocks: dict[str, tuple[str, ...]] = {}
    for name in features:
        feature = FEATURES[name]
        if feature.kind == "categorical":
            step: Any = _categorical_block()
        elif kind == "boosting":
            step = "passthrough"
        else:
            steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
            if feature.transform == "log1p":
                steps.append(("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")))
            if feature.spline and config.splines:
                steps.append(
                    ("spline", SplineTransformer(n_knots=config.spline_knots, degree=3, knots="quantile", include_bias=False))
                )
            else:
                steps.append(("scale", StandardScaler()))
            step = Pipeline(steps)
        transformers.append((name, step, [name]))
        blocks[name] = (name,)
    if kind == "logistic":
        for a, b in interaction_pairs(features, config):
            block = f"{a}_x_{b}"
            step = Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median")),
                    ("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one")),
                    ("scale", StandardScaler()),
                    ("product", FunctionTransformer(_product, feature_names_out=_product_name)),
                ]
            )
            transformers.append((block, step, [a, b]))
            blocks[block] = (a, b)
    return ColumnTransformer(transformers, remainder="drop"), blocks


def calibration_method(kind: str, n_rows: int, config: PipelineConfig) -> str:
    return "isotonic" if kind == "boosting" and n_rows >= config.isotonic_min_rows else "sigmoid"


def build_estimator(
    kind: str, features: Sequence[str], config: PipelineConfig, *, n_rows: int, seed: int
) -> CalibratedClassifierCV:
    """A calibrated candidate, unfitted."""
    preprocessor, _ = build_preprocessor(features, kind, config)
    if kind == "logistic":
        classifier: Any = LogisticRegression(C=config.C, max_iter=5000)
    elif kind == "boosting":
        classifier = HistGradientBoostingClassifier(**config.boosting, random_state=seed)
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(CANDIDATES)}")
    pipeline = Pipeline([("pre", preprocessor), ("model", classifier)])
    return CalibratedClassifierCV(
        pipeline,
        method=calibration_method(kind, n_rows, config),
        cv=StratifiedKFold(config.calibration_folds, shuffle=True, random_state=seed),
        ensemble=False,
    )


# Folds -----------------------------------------------------------------------------------------------------

Fold = tuple[np.ndarray, np.ndarray]


def stratified_folds(y: np.ndarray, n_folds: int, seed: int, groups: np.ndarray | None = None) -> list[Fold]:
    """K stratified folds with a fixed seed (rows of one person together when ``groups`` is given)."""
    if n_folds < 2:
        raise ValueError("at least 2 folds are needed")
    dummy = np.zeros(len(y))
    if groups is not None:
        splitter: Any = StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)
        return [(train, test) for train, test in splitter.split(dummy, y, groups)]
    splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    return [(train, test) for train, test in splitter.split(dummy, y)]


def time_folds(released_on: np.ndarray, y: np.ndarray, n_folds: int) -> list[Fold]:
    """Forward-chaining folds by release date: the rows are cut at release-date quantiles into ``n_folds + 1``
    periods; fold *k* trains on every period before period *k + 1* and tests on period *k + 1*. A model is
    therefore always tested on releases newer than any it learned from; the last fold is the classic
    "train on older, test on newest" split."""
    if n_folds < 1:
        raise ValueError("at least 1 fold is needed")
    days = released_on.astype("datetime64[D]").astype(np.int64)
    cuts = sorted({int(np.quantile(days, k / (n_folds + 1), method="higher")) for k in range(1, n_folds + 1)})
    folds = []
    for index, cut in enumerate(cuts):
        end = cuts[index + 1] if index + 1 < len(cuts) else None
        train = np.flatnonzero(days < cut)
        test = np.flatnonzero((days >= cut) & (days < end)) if end is not None else np.flatnonzero(days >= cut)
        if len(train) and len(test) and len(np.unique(y[train])) == 2 and len(np.unique(y[test])) == 2:
            folds.append((train, test))
    if not folds:
        raise EpisodeError(
            ["cannot split by release date: the releases span too few distinct dates to train on older and test on newer ones"]
        )
    return folds


# Cross-validation ------------------------------------------------------------------------------------------


@dataclass
class CVResult:
    """Held-out predictions of one model over a set of folds."""

    name: str
    p: np.ndarray  # NaN where a row was never tested (time folds never test the oldest period)
    flagged: np.ndarray
    tested: np.ndarray
    fold_metrics: list[dict[str, Any]]
    thresholds: list[float]
    seconds: float
    folds: list[Fold] = field(default_factory=list)
    train_predictions: list[np.ndarray] = field(default_factory=list)  # per fold, to set other operating points

    def flags_at(self, flag_rates: Sequence[float]) -> np.ndarray:
        """Flags at another operating point: in each fold, the top ``flag_rates[k]`` of that fold's *training*
        predictions set the threshold applied to its test rows."""
        flagged = np.zeros(len(self.p), dtype=bool)
        for (_, test), train_p, rate in zip(self.folds, self.train_predictions, flag_rates, strict=True):
            flagged[test] = self.p[test] >= m.threshold_for_flag_rate(train_p, rate)
        return flagged

    def summary(self) -> dict[str, Any]:
        aucs = [f["auc"] for f in self.fold_metrics if f["auc"] is not None]
        briers = [f["brier"] for f in self.fold_metrics if f["brier"] is not None]
        return {
            "auc_mean": float(np.mean(aucs)) if aucs else None,
            "auc_sd": float(np.std(aucs, ddof=1)) if len(aucs) > 1 else None,
            "brier_mean": float(np.mean(briers)) if briers else None,
            "brier_sd": float(np.std(briers, ddof=1)) if len(briers) > 1 else None,
            "folds": self.fold_metrics,
            "thresholds": self.thresholds,
            "seconds": round(self.seconds, 2),
        }

    def evaluate(self, y: np.ndarray, groups: pd.DataFrame | None = None, n_bins: int = m.DEFAULT_BINS) -> dict[str, Any]:
        mask = self.tested
        result = m.evaluate(
            y[mask],
            self.p[mask],
            self.flagged[mask],
            None if groups is None else groups[mask].reset_index(drop=True),
            n_bins=n_bins,
        )
        result["cross_validation"] = self.summary()
        return result


def cross_validate(
    make_estimator: Callable[[], Any],
    X: pd.DataFrame,
    y: np.ndarray,
    folds: Sequence[Fold],
    *,
    name: str = "model",
    flag_rate: float = 0.25,
    threshold: float | None = None,
) -> CVResult:
    """Fit a fresh estimator per fold and predict its test rows.

    Each fold's threshold is chosen on that fold's *training* predictions (the probability above which the top
    ``flag_rate`` lie), or fixed by ``threshold``, and applied to its test rows: no test row informs its own
    threshold.
    """
    started = time.perf_counter()
    p = np.full(len(y), np.nan)
    flagged = np.zeros(len(y), dtype=bool)
    tested = np.zeros(len(y), dtype=bool)
    fold_metrics = []
    thresholds = []
    train_predictions = []
    for train, test in folds:
        estimator = make_estimator()
        estimator.fit(X.iloc[train], y[train])
        p_train = estimator.predict_proba(X.iloc[train])[:, 1]
        train_predictions.append(p_train)
        cut = threshold if threshold is not None else m.threshold_for_flag_rate(p_train, flag_rate)
        p_test = estimator.predict_proba(X.iloc[test])[:, 1]
        p[test] = p_test
        flagged[test] = p_test >= cut
        tested[test] = True
        thresholds.append(float(cut))
        fold_metrics.append({"n": len(test), "auc": m.auc(y[test], p_test), "brier": m.brier(y[test], p_test)})
    return CVResult(
        name, p, flagged, tested, fold_metrics, thresholds, time.perf_counter() - started, list(folds), train_predictions
    )


def choose_model(summaries: dict[str, dict[str, Any]], auc_margin: float = 0.01) -> tuple[str, str]:
    """The documented rule: keep the transparent model unless boosting is clearly better (AUC by more than
    ``auc_margin`` *and* a lower Brier score), comparing means over the same folds."""
    if "logistic" not in summaries:
        name = next(iter(summaries))
        return name, f"{name} was the only candidate"
    if "boosting" not in summaries:
        return "logistic", "logistic was the only candidate"
    lr, gb = summaries["logistic"], summaries["boosting"]
    gain = gb["auc_mean"] - lr["auc_mean"]
    brier_better = gb["brier_mean"] < lr["brier_mean"]
    facts = (
        f"mean AUC {gb['auc_mean']:.4f} (boosting) vs {lr['auc_mean']:.4f} (logistic), difference {gain:+.4f}; "
        f"mean Brier {gb['brier_mean']:.4f} vs {lr['brier_mean']:.4f}"
    )
    if gain > auc_margin and brier_better:
        return (
            "boosting",
            f"gradient boosting is clearly better ({facts}): it beats the logistic model by more than {auc_margin} AUC "
            "with a lower Brier score",
        )
    why = f"its AUC gain is not above {auc_margin}" if gain <= auc_margin else "its Brier score is not lower"
    return "logistic", f"the transparent logistic model is kept because gradient boosting is not clearly better: {why} ({facts})"


# Training --------------------------------------------------------------------------------------------------


def make_folds(episodes: Episodes, split: str, n_folds: int, seed: int) -> list[Fold]:
    if split == "time":
        return time_folds(episodes.released_on, episodes.y, n_folds)
    if split == "stratified":
        if min(int(episodes.y.sum()), int(len(episodes.y) - episodes.y.sum())) < n_folds:
            raise EpisodeError([f"too few outcomes for {n_folds} folds"])
        return stratified_folds(episodes.y, n_folds, seed, episodes.person_ids)
    raise ValueError(f"unknown split {split!r}: expected 'time' or 'stratified'")


def train(
    episodes: Episodes,
    *,
    split: str = "time",
    n_folds: int = 5,
    seed: int = 0,
    config: PipelineConfig | None = None,
    candidates: Sequence[str] = CANDIDATES,
) -> TrainedModel:
    """Compare the candidates in cross-validation, choose one by the rule, evaluate it (overall and per group),
    refit it on every labeled row and return a :class:`~analytics.risk.artifact.TrainedModel`.

    ``split="time"`` (the product: train on older, test on newer releases) or ``"stratified"`` (external data:
    stratified K-fold with ``seed``; the same folds for every candidate).
    """
    from . import artifact  # imported here: the artifact module needs this one's results, not the reverse

    config = config or PipelineConfig()
    started = time.perf_counter()
    unknown = [name for name in candidates if name not in CANDIDATES]
    if unknown or not candidates:
        raise ValueError(f"unknown candidates {unknown}; expected some of {', '.join(CANDIDATES)}")
    folds = make_folds(episodes, split, n_folds, seed)
    n = len(episodes)
    results = {}
    for kind in candidates:

        def factory(kind: str = kind) -> CalibratedClassifierCV:
            return build_estimator(kind, episodes.features, config, n_rows=n, seed=seed)

        results[kind] = cross_validate(
            factory, episodes.X, episodes.y, folds, name=kind, flag_rate=config.flag_rate, threshold=config.threshold
        )
    summaries = {kind: result.summary() for kind, result in results.items()}
    chosen, reason = choose_model(summaries, config.auc_margin)
    evaluation = results[chosen].evaluate(episodes.y, episodes.groups, config.ece_bins)
    comparison = {}
    for kind, result in results.items():
        held_out = result.tested
        comparison[kind] = {
            "calibration": calibration_method(kind, n, config),
            "auc_pooled": m.auc(episodes.y[held_out], result.p[held_out]),
            "ece": m.expected_calibration_error(episodes.y[held_out], result.p[held_out], config.ece_bins),
            **{k: v for k, v in summaries[kind].items() if k != "folds"},
        }

    final = build_estimator(chosen, episodes.features, config, n_rows=n, seed=seed)
    final.fit(episodes.X, episodes.y)
    p_all = final.predict_proba(episodes.X)[:, 1]
    if config.threshold is not None:
        thresholds = {
            "high": float(config.threshold),
            "medium": min(float(config.threshold), m.threshold_for_flag_rate(p_all, config.medium_rate)),
        }
    else:
        thresholds = {
            "high": m.threshold_for_flag_rate(p_all, config.flag_rate),
            "medium": m.threshold_for_flag_rate(p_all, config.medium_rate),
        }
    _, blocks = build_preprocessor(episodes.features, chosen, config)
    extra: dict[str, Any] = {}
    if chosen == "logistic":
        # Exact explanations need only averages over the training rows: keep those, not people's records.
        from .explain import background_statistics

        extra["background_stats"] = background_statistics(final, blocks, episodes.X)
        background = episodes.X.iloc[:0]
    else:
        take = np.random.default_rng(seed).choice(n, size=min(n, config.background_rows), replace=False)
        background = episodes.X.iloc[np.sort(take)].reset_index(drop=True)
    return artifact.TrainedModel(
        estimator=final,
        kind=chosen,
        features=list(episodes.features),
        blocks=blocks,
        horizon_days=episodes.horizon_days,
        hyperparameters={
            **config.as_dict(),
            "calibration": calibration_method(chosen, n, config),
            "split": split,
            "folds": len(folds),
            "seed": seed,
        },
        thresholds=thresholds,
        metrics=evaluation,
        comparison=comparison,
        choice_reason=reason,
        data=episodes.summary(),
        background=background,
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        library_versions={"scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
        training_seconds=round(time.perf_counter() - started, 2),
        extra=extra,
    )
