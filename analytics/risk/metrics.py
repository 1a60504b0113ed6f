"""Metrics of a risk model: discrimination, calibration, error rates at the operating threshold, per group.

- **AUC**: the probability that a random positive is ranked above a random negative (ties count half).
- **Brier score**: the mean squared difference between the predicted probability and the outcome (lower is
  better; 0.25 is what a constant 0.5 scores).
- **ECE** (expected calibration error): predictions are sorted and cut into ``n_bins`` (default 10)
  *equal-mass* bins (each holds the same number of people, ±1), and ECE is the size-weighted mean of
  ``|observed rate - mean predicted|`` over the bins. Equal-mass bins are used because risk predictions pile
  up at low values, where equal-width bins would leave most bins nearly empty and noisy.
- **At the operating threshold** a person is flagged when the predicted probability is at or above it.
  False positive rate = flagged among those who did not reoffend; false negative rate = not flagged among those
  who did; flag rate = flagged among all. Calibration per group = mean predicted vs observed rate.

All functions return plain Python numbers (``None`` where a value is undefined, e.g. AUC with one class), so
results go to JSON as they are.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from sklearn.metrics import brier_score_loss, roc_auc_score

MIN_GROUP_N = 50
DEFAULT_BINS = 10


def _clean(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _arrays(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=np.float64).ravel()
    p_arr = np.asarray(p, dtype=np.float64).ravel()
    if y_arr.shape != p_arr.shape:
        raise ValueError(f"{len(y_arr)} outcomes but {len(p_arr)} predictions")
    return y_arr, p_arr


def auc(y: Any, p: Any) -> float | None:
    y_arr, p_arr = _arrays(y, p)
    if len(np.unique(y_arr)) < 2:
        return None
    return float(roc_auc_score(y_arr, p_arr))


def brier(y: Any, p: Any) -> float | None:
    y_arr, p_arr = _arrays(y, p)
    if len(y_arr) == 0:
        return None
    return float(brier_score_loss(y_arr, p_arr))


def _equal_mass_bins(p: np.ndarray, n_bins: int) -> list[np.ndarray]:
    order = np.argsort(p, kind="mergesort")
    return [chunk for chunk in np.array_split(order, min(n_bins, len(p))) if len(chunk)]


def calibration_curve(y: Any, p: Any, n_bins: int = DEFAULT_BINS) -> list[dict[str, float]]:
    """Points of the calibration plot: one per equal-mass bin (mean predicted, observed rate, size)."""
    y_arr, p_arr = _arrays(y, p)
    if len(y_arr) == 0:
        return []
    return [
        {
            "mean_predicted": float(p_arr[chunk].mean()),
            "observed": float(y_arr[chunk].mean()),
            "n": len(chunk),
            "p_min": float(p_arr[chunk].min()),
            "p_max": float(p_arr[chunk].max()),
        }
        for chunk in _equal_mass_bins(p_arr, n_bins)
    ]


def expected_calibration_error(y: Any, p: Any, n_bins: int = DEFAULT_BINS) -> float | None:
    """ECE over ``n_bins`` equal-mass bins (see the module doc)."""
    y_arr, p_arr = _arrays(y, p)
    if len(y_arr) == 0:
        return None
    total = len(y_arr)
    return float(
        sum(len(chunk) / total * abs(y_arr[chunk].mean() - p_arr[chunk].mean()) for chunk in _equal_mass_bins(p_arr, n_bins))
    )


def threshold_for_flag_rate(p: Any, flag_rate: float) -> float:
    """The probability at or above which the top ``flag_rate`` share of these predictions lie."""
    if not 0 < flag_rate < 1:
        raise ValueError("flag_rate must be between 0 and 1")
    p_arr = np.asarray(p, dtype=np.float64).ravel()
    return float(np.quantile(p_arr, 1 - flag_rate, method="higher"))


def rates(y: Any, flagged: Any, p: Any | None = None) -> dict[str, Any]:
    """Error rates of a set of flags, and calibration-in-the-large when predictions ``p`` are given."""
    y_arr = np.asarray(y, dtype=np.float64).ravel()
    flags = np.asarray(flagged, dtype=bool).ravel()
    positives = int(y_arr.sum())
    negatives = int(len(y_arr) - positives)
    row: dict[str, Any] = {
        "n": len(y_arr),
        "positives": positives,
        "negatives": negatives,
        "flagged": int(flags.sum()),
        "flag_rate": _clean(flags.mean()) if len(flags) else None,
        "fpr": _clean((flags & (y_arr == 0)).sum() / negatives) if negatives else None,
        "fnr": _clean((~flags & (y_arr == 1)).sum() / positives) if positives else None,
        "ppv": _clean((flags & (y_arr == 1)).sum() / flags.sum()) if flags.sum() else None,
        "observed": _clean(y_arr.mean()) if len(y_arr) else None,
    }
    if p is not None:
        p_arr = np.asarray(p, dtype=np.float64).ravel()
        row["mean_predicted"] = _clean(p_arr.mean()) if len(p_arr) else None
    return row


def group_rates(y: Any, p: Any, flagged: Any, groups: Sequence[Any] | pd.Series) -> list[dict[str, Any]]:
    """:func:`rates` for each value of one group column, with AUC where the group has both outcomes."""
    y_arr, p_arr = _arrays(y, p)
    flags = np.asarray(flagged, dtype=bool).ravel()
    values = np.asarray(pd.Series(list(groups)).astype(str))
    rows = []
    for value in sorted(set(values.tolist())):
        mask = values == value
        row = {"group": value, **rates(y_arr[mask], flags[mask], p_arr[mask]), "auc": auc(y_arr[mask], p_arr[mask])}
        row["small"] = row["n"] < MIN_GROUP_N
        rows.append(row)
    return rows


def fairness_tables(y: Any, p: Any, flagged: Any, groups: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """:func:`group_rates` for every column of ``groups`` (one table per audit column)."""
    return {column: group_rates(y, p, flagged, groups[column]) for column in groups.columns}


def evaluate(
    y: Any,
    p: Any,
    flagged: Any,
    groups: pd.DataFrame | None = None,
    *,
    n_bins: int = DEFAULT_BINS,
) -> dict[str, Any]:
    """Every metric of one set of held-out predictions, as a JSON-ready dict."""
    y_arr, p_arr = _arrays(y, p)
    result: dict[str, Any] = {
        "n": len(y_arr),
        "auc": auc(y_arr, p_arr),
        "brier": brier(y_arr, p_arr),
        "ece": expected_calibration_error(y_arr, p_arr, n_bins),
        "ece_bins": n_bins,
        "calibration_curve": calibration_curve(y_arr, p_arr, n_bins),
        "at_threshold": rates(y_arr, flagged, p_arr),
    }
    if groups is not None and len(groups.columns):
        result["fairness"] = fairness_tables(y_arr, p_arr, flagged, groups)
    return result


# The quality gate -----------------------------------------------------------------------------------------

MIN_AUC = 0.65
MAX_ECE = 0.05
MAX_RATE_RATIO = 2.0
MIN_EVALUATED = 100


def quality_check(
    metrics: Mapping[str, Any], *, min_auc: float = MIN_AUC, max_ece: float = MAX_ECE, min_evaluated: int = MIN_EVALUATED
) -> list[str]:
    """The failures that stop a model from being approved (an empty list: it passes).

    ``metrics`` is an :func:`evaluate` result (held-out predictions). The messages are in the active language
    (the model registry stores them in English and shows them in the reader's). Fairness disparities are not failures
    but warnings (:func:`quality_warnings`): a manager must read them on the model card before approving.
    """
    failures = []
    value = metrics.get("auc")
    if value is None:
        failures.append(_("AUC is undefined (the evaluation data have a single outcome)"))
    elif value < min_auc:
        failures.append(_("AUC %(auc).3f is below the minimum %(minimum).2f") % {"auc": value, "minimum": min_auc})
    value = metrics.get("ece")
    if value is None:
        failures.append(_("expected calibration error is missing"))
    elif value > max_ece:
        failures.append(
            _("expected calibration error %(ece).3f is above the maximum %(maximum).2f") % {"ece": value, "maximum": max_ece}
        )
    n = metrics.get("n") or 0
    if n < min_evaluated:
        failures.append(
            _("evaluated on %(n)d outcomes only (at least %(minimum)d are needed)") % {"n": n, "minimum": min_evaluated}
        )
    return failures


def quality_warnings(
    metrics: Mapping[str, Any], *, max_ratio: float = MAX_RATE_RATIO, min_group_n: int = MIN_GROUP_N
) -> list[str]:
    """Fairness warnings: within a group column, a group's false positive (or false negative) rate more than
    ``max_ratio`` times another's, counting groups with at least ``min_group_n`` people."""
    warnings = []
    for column, table in (metrics.get("fairness") or {}).items():
        for rate, name in (("fpr", "false positive rate"), ("fnr", "false negative rate")):
            eligible = [row for row in table if row["n"] >= min_group_n and row.get(rate) is not None]
            if len(eligible) < 2:
                continue
            low = min(eligible, key=lambda row: row[rate])
            high = max(eligible, key=lambda row: row[rate])
            if high[rate] > max_ratio * low[rate]:
                warnings.append(
                    f"{column}: the {name} of {high['group']} is {high[rate]:.1%} (n={high['n']}) against {low[rate]:.1%} "
                    f"for {low['group']} (n={low['n']}), more than {max_ratio:g} times as high"
                )
    return warnings


def quality_report(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Both lists, and whether the model may be approved (no failures)."""
    failures = quality_check(metrics)
    return {"passed": not failures, "failures": failures, "warnings": quality_warnings(metrics)}
