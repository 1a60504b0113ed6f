"""Historical release episodes: the CSV format, its loader and the outcome labels.

One row per episode (or per feature snapshot of an episode). Required columns:

- ``released_on``: the release date, ``YYYY-MM-DD`` (Gregorian);
- ``reoffended_on``: the date of the first new offence after release, blank if none is known;
- ``followed_until``: the last date the person was followed (end of supervision or of the data).

Optional columns: ``as_of`` (the snapshot date when a file holds several snapshots of one episode: the
horizon then starts there; default: the release date), ``person_id`` (rows of one person are kept in the same
cross-validation fold), any feature of :data:`~analytics.risk.features.FEATURES` by its name, and audit group
columns named by the caller (never features). Any other column is ignored and reported.

Labels for a horizon of H days (see :func:`label_episode`): positive when the reoffence falls within H days of
the start; negative when there was none within H days and the person was followed for at least H days;
otherwise censored (too short a follow-up to know) and excluded from training and evaluation.

With ``full_horizon`` every row followed for less than H days is censored, however it ended. That is right
where the follow-up of every row runs to the end of the data, not to the reoffence: the product's own training
on its cases, followed until today. There, the recent snapshots kept otherwise are exactly those that ended in
an early reoffence (their quiet neighbours are censored), the newest releases look far riskier than they are,
and a model tested on them (the split by release date) looks miscalibrated: on a 10,000-person demo, ECE 0.039
with them and 0.008 without. A file that ends a person's follow-up at the reoffence must not use it: it
would censor the early reoffences instead. External files keep the rule above by default.
"""

from __future__ import annotations

import csv
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .features import FEATURES, Feature, age_band

REQUIRED_COLUMNS = ("released_on", "reoffended_on", "followed_until")
OPTIONAL_COLUMNS = ("as_of", "person_id")
DERIVED_GROUPS = ("sex", "age_band", "region")
MISSING_GROUP = "(missing)"
SHOW_LINES = 5

__all__ = [
    "FEATURES",
    "REQUIRED_COLUMNS",
    "EpisodeError",
    "Episodes",
    "Label",
    "episodes_from_frame",
    "frame_from_records",
    "label_episode",
    "read_episodes",
]


class EpisodeError(ValueError):
    """Bad episodes input, with the file lines (header = line 1) and columns at fault."""

    def __init__(self, problems: Sequence[str], *, lines: Iterable[int] = (), columns: Iterable[str] = ()):
        self.problems = list(problems)
        self.lines = sorted(set(lines))
        self.columns = list(dict.fromkeys(columns))
        super().__init__("; ".join(self.problems))


class Label(enum.IntEnum):
    POSITIVE = 1
    NEGATIVE = 0
    CENSORED = -1  # followed for less than the horizon without a reoffence: outcome unknown
    NOT_AT_RISK = -2  # reoffended before the snapshot date


def label_episode(
    released_on: date,
    reoffended_on: date | None,
    followed_until: date,
    horizon_days: int,
    as_of: date | None = None,
    *,
    full_horizon: bool = False,
) -> Label:
    """The outcome of one episode (or snapshot) for a horizon of ``horizon_days`` days.

    The horizon starts at ``as_of`` (default: the release date). A reoffence counts when dated from the start to
    the start + ``horizon_days`` inclusive. ``reoffended_on`` is the first reoffence, so a reoffence after the
    horizon also proves there was none within it, whatever ``followed_until`` says. ``full_horizon``: a row
    followed for less than the horizon is censored whatever happened (see the module's docstring).
    """
    if horizon_days <= 0:
        raise ValueError("horizon_days must be positive")
    if reoffended_on is not None and reoffended_on < released_on:
        raise ValueError("reoffended_on is before released_on")
    if followed_until < released_on:
        raise ValueError("followed_until is before released_on")
    start = released_on if as_of is None else as_of
    if start < released_on:
        raise ValueError("as_of is before released_on")
    if reoffended_on is not None:
        if reoffended_on < start:
            return Label.NOT_AT_RISK
        if full_horizon and (followed_until - start).days < horizon_days:
            return Label.CENSORED
        if (reoffended_on - start).days <= horizon_days:
            return Label.POSITIVE
        return Label.NEGATIVE
    if (followed_until - start).days >= horizon_days:
        return Label.NEGATIVE
    return Label.CENSORED


def label_arrays(
    released_on: np.ndarray,
    reoffended_on: np.ndarray,
    followed_until: np.ndarray,
    horizon_days: int,
    as_of: np.ndarray | None = None,
    *,
    full_horizon: bool = False,
) -> np.ndarray:
    """:func:`label_episode` over arrays of ``datetime64[D]`` (``NaT`` for no reoffence); returns Label values."""
    start = released_on if as_of is None else np.where(np.isnat(as_of), released_on, as_of)
    has_reoffence = ~np.isnat(reoffended_on)
    days_to_reoffence = (reoffended_on - start).astype("timedelta64[D]").astype("float64")
    days_to_reoffence[~has_reoffence] = np.nan
    days_followed = (followed_until - start).astype("timedelta64[D]").astype("int64")
    labels = np.full(len(released_on), int(Label.CENSORED), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        labels[has_reoffence & (days_to_reoffence > horizon_days)] = Label.NEGATIVE
        labels[has_reoffence & (days_to_reoffence <= horizon_days)] = Label.POSITIVE
        labels[has_reoffence & (days_to_reoffence < 0)] = Label.NOT_AT_RISK
    labels[~has_reoffence & (days_followed >= horizon_days)] = Label.NEGATIVE
    if full_horizon:
        labels[(days_followed < horizon_days) & (labels != Label.NOT_AT_RISK)] = Label.CENSORED
    return labels


@dataclass
class Episodes:
    """Labeled episodes ready for training: features, outcomes and audit groups of the labeled rows only."""

    X: pd.DataFrame
    y: np.ndarray
    released_on: np.ndarray  # datetime64[D]
    groups: pd.DataFrame
    lines: np.ndarray
    horizon_days: int
    features: list[str]
    counts: dict[str, int]
    person_ids: np.ndarray | None = None
    group_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dropped_features: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, index: np.ndarray) -> Episodes:
        return Episodes(
            X=self.X.iloc[index].reset_index(drop=True),
            y=self.y[index],
            released_on=self.released_on[index],
            groups=self.groups.iloc[index].reset_index(drop=True),
            lines=self.lines[index],
            horizon_days=self.horizon_days,
            features=list(self.features),
            counts=dict(self.counts),
            person_ids=None if self.person_ids is None else self.person_ids[index],
            group_columns=list(self.group_columns),
            ignored_columns=list(self.ignored_columns),
            dropped_features=dict(self.dropped_features),
        )

    def summary(self) -> dict[str, Any]:
        released = self.released_on[~np.isnat(self.released_on)]
        return {
            "horizon_days": self.horizon_days,
            **self.counts,
            "released_from": str(released.min()) if len(released) else None,
            "released_to": str(released.max()) if len(released) else None,
            "features": list(self.features),
            "group_columns": list(self.groups.columns),
            "ignored_columns": list(self.ignored_columns),
            "dropped_features": dict(self.dropped_features),
        }


def _lines_text(lines: Sequence[int], word: str = "line") -> str:
    shown = ", ".join(str(line) for line in lines[:SHOW_LINES])
    more = f" and {len(lines) - SHOW_LINES} more" if len(lines) > SHOW_LINES else ""
    return f"{word}{'s' if len(lines) > 1 else ''} {shown}{more}"


def _read_csv(source: str | Path | IO[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """All cells as stripped strings, with each record's line number in the file (header = line 1)."""
    if isinstance(source, str | Path):
        try:
            with open(source, encoding="utf-8-sig", newline="") as handle:
                return _read_rows(handle)
        except FileNotFoundError as exc:
            raise EpisodeError([f"file not found: {source}"]) from exc
        except UnicodeDecodeError as exc:
            raise EpisodeError([f"{source} is not UTF-8 text: {exc.reason} at byte {exc.start}"]) from exc
    return _read_rows(source)


def _read_rows(handle: IO[str]) -> tuple[pd.DataFrame, np.ndarray]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise EpisodeError(["the file is empty: its first line must be the header"]) from None
    except csv.Error as exc:
        raise EpisodeError([f"line 1: {exc}"], lines=[1]) from None
    if not any(cell.strip() for cell in header):
        raise EpisodeError(["the file is empty: its first line must be the header"], lines=[1])
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    duplicates = sorted({name for name in names if names.count(name) > 1 and name})
    if duplicates:
        raise EpisodeError([f"duplicate columns in the header: {', '.join(duplicates)}"], lines=[1], columns=duplicates)
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[int] = []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                ragged.append(reader.line_num)
                continue
            rows.append([cell.strip() for cell in record])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise EpisodeError([f"line {reader.line_num}: {exc}"], lines=[reader.line_num]) from None
    if ragged:
        raise EpisodeError(
            [f"{_lines_text(ragged)}: wrong number of fields (the header has {len(names)})"],
            lines=ragged,
        )
    frame = pd.DataFrame(rows, columns=names, dtype=object)
    return frame, np.asarray(lines, dtype=np.int64)


def _parse_date(value: Any) -> date | str | None:
    """A date, ``None`` for blank, or an error text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return "not a YYYY-MM-DD date"
    if parsed.year >= 2400:
        return "looks like a Buddhist Era year (use the Gregorian year: subtract 543)"
    return parsed


class _Problems:
    """Collects every problem of a file before raising one error that names them all."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.lines: list[int] = []
        self.columns: list[str] = []

    def add(self, text: str, lines: Iterable[int] = (), columns: Iterable[str] = ()) -> None:
        self.texts.append(text)
        self.lines.extend(int(line) for line in lines)
        self.columns.extend(columns)

    def raise_if_any(self) -> None:
        if self.texts:
            raise EpisodeError(self.texts, lines=self.lines, columns=self.columns)


def _dates(frame: pd.DataFrame, column: str, lines: np.ndarray, problems: _Problems, *, required: bool) -> np.ndarray:
    values = np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    if column not in frame.columns:
        return values
    errors: dict[str, list[int]] = {}
    for position, raw in enumerate(frame[column].tolist()):
        parsed = _parse_date(raw)
        if isinstance(parsed, str):
            errors.setdefault(parsed, []).append(int(lines[position]))
        elif parsed is None:
            if required:
                errors.setdefault("blank", []).append(int(lines[position]))
        else:
            values[position] = np.datetime64(parsed, "D")
    for reason, where in errors.items():
        examples = "" if reason == "blank" else f" (for example {_examples(frame, column, lines, where)})"
        problems.add(f"column {column}: {reason} on {_lines_text(where)}{examples}", where, [column])
    return values


def _examples(frame: pd.DataFrame, column: str, lines: np.ndarray, where: list[int]) -> str:
    position = {int(line): index for index, line in enumerate(lines)}
    return ", ".join(repr(frame[column].iloc[position[line]]) for line in where[:3])


def _coerce_feature(feature: Feature, raw: pd.Series, lines: np.ndarray, problems: _Problems, where: str = "line") -> pd.Series:
    if feature.kind != "categorical" and (pd.api.types.is_numeric_dtype(raw.dtype) or pd.api.types.is_bool_dtype(raw.dtype)):
        return _coerce_numeric_fast(feature, raw, lines, problems, where)
    if feature.kind == "categorical":
        # Codes as stripped text, blanks missing: vectorised, as the database side's frames hold a million rows.
        text = raw.astype("string").str.strip()
        return pd.Series(text.astype(object).where(text.notna() & (text != ""), np.nan).to_numpy(), dtype=object)
    if feature.kind == "boolean" and _only_booleans(raw):
        return pd.Series(raw.astype("boolean").to_numpy(dtype=np.float64, na_value=np.nan), dtype="float64")
    values = raw.tolist()
    out = np.full(len(values), np.nan)
    wrong: list[int] = []
    negative: list[int] = []
    for position, value in enumerate(values):
        if _blank(value):
            continue
        number = _boolean(value) if feature.kind == "boolean" else _float(value)
        if number is None:
            wrong.append(int(lines[position]))
        elif feature.nonnegative and number < 0:
            negative.append(int(lines[position]))
        else:
            out[position] = number
    expected = "true/false, yes/no or 1/0" if feature.kind == "boolean" else "a number"
    if wrong:
        problems.add(f"column {feature.name}: expected {expected} on {_lines_text(wrong, where)}", wrong, [feature.name])
    if negative:
        problems.add(
            f"column {feature.name}: a count cannot be negative, on {_lines_text(negative, where)}", negative, [feature.name]
        )
    return pd.Series(out, dtype="float64")


def _coerce_numeric_fast(feature: Feature, raw: pd.Series, lines: np.ndarray, problems: _Problems, where: str) -> pd.Series:
    """The vectorised path for columns that are numbers already (the database side's frames)."""
    out = raw.to_numpy(dtype=np.float64, na_value=np.nan).copy()
    out[np.isinf(out)] = np.nan
    if feature.kind == "boolean":
        wrong = ~np.isnan(out) & (out != 0) & (out != 1)
        if wrong.any():
            at = lines[wrong].tolist()
            problems.add(
                f"column {feature.name}: expected true/false, yes/no or 1/0 on {_lines_text(at, where)}", at, [feature.name]
            )
    elif feature.nonnegative:
        negative = ~np.isnan(out) & (out < 0)
        if negative.any():
            at = lines[negative].tolist()
            problems.add(f"column {feature.name}: a count cannot be negative, on {_lines_text(at, where)}", at, [feature.name])
    return pd.Series(out, dtype="float64")


def _only_booleans(raw: pd.Series) -> bool:
    """Whether a column holds nothing but True, False and missing values (so it converts without a loop)."""
    present = raw[raw.notna()]
    return bool(present.map(type).isin([bool, np.bool_]).all())


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _float(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_):
        return float(value)
    try:
        number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isinf(number) else number


def _boolean(value: Any) -> float | None:
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value) if value in (0, 1) else None
    text = str(value).strip().lower()
    if text in {"1", "true", "t", "yes", "y", "1.0"}:
        return 1.0
    if text in {"0", "false", "f", "no", "n", "0.0"}:
        return 0.0
    return None


def read_episodes(
    source: str | Path | IO[str],
    horizon_days: int,
    group_columns: Sequence[str] = (),
    *,
    min_outcomes: int = 50,
) -> Episodes:
    """Read an episodes CSV and label it for ``horizon_days``; raises :class:`EpisodeError` on bad input."""
    frame, lines = _read_csv(source)
    return episodes_from_frame(frame, horizon_days, group_columns, min_outcomes=min_outcomes, lines=lines)


def episodes_from_frame(
    frame: pd.DataFrame,
    horizon_days: int,
    group_columns: Sequence[str] = (),
    *,
    min_outcomes: int = 50,
    lines: np.ndarray | None = None,
    full_horizon: bool = False,
) -> Episodes:
    """Validate and label episodes given as a DataFrame (dates as ``date`` objects or ``YYYY-MM-DD`` strings).

    ``lines`` are the rows' line numbers for error messages (default: as if the frame were a CSV file with a
    header, i.e. row *i* is line *i + 2*). ``full_horizon``: label only the rows followed for the whole horizon
    (see :func:`label_episode`).
    """
    if horizon_days <= 0:
        raise EpisodeError([f"the horizon must be a positive number of days, not {horizon_days}"])
    frame = frame.reset_index(drop=True)
    frame.columns = [str(column).strip().lower() for column in frame.columns]
    lines = np.arange(2, len(frame) + 2, dtype=np.int64) if lines is None else np.asarray(lines, dtype=np.int64)

    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise EpisodeError(
            [
                f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                f"(the file has: {', '.join(frame.columns)})"
            ],
            lines=[1],
            columns=missing,
        )
    group_columns = [str(column).strip().lower() for column in group_columns]
    unknown_groups = [column for column in group_columns if column not in frame.columns]
    if unknown_groups:
        raise EpisodeError(
            [
                f"unknown group column{'s' if len(unknown_groups) > 1 else ''}: {', '.join(unknown_groups)} "
                f"(the file has: {', '.join(frame.columns)})"
            ],
            columns=unknown_groups,
        )
    reserved = [column for column in group_columns if column in REQUIRED_COLUMNS or column in OPTIONAL_COLUMNS]
    if reserved:
        raise EpisodeError([f"{', '.join(reserved)} cannot be a group column"], columns=reserved)
    if len(frame) == 0:
        raise EpisodeError(["the file has a header but no episodes"])

    problems = _Problems()
    released = _dates(frame, "released_on", lines, problems, required=True)
    reoffended = _dates(frame, "reoffended_on", lines, problems, required=False)
    followed = _dates(frame, "followed_until", lines, problems, required=True)
    as_of = _dates(frame, "as_of", lines, problems, required=False) if "as_of" in frame.columns else None

    known = ~np.isnat(released)
    before = known & ~np.isnat(reoffended) & (reoffended < released)
    if before.any():
        where = lines[before].tolist()
        problems.add(f"reoffended_on is before released_on on {_lines_text(where)}", where, ["reoffended_on", "released_on"])
    short = known & ~np.isnat(followed) & (followed < released)
    if short.any():
        where = lines[short].tolist()
        problems.add(f"followed_until is before released_on on {_lines_text(where)}", where, ["followed_until", "released_on"])
    if as_of is not None:
        early = known & ~np.isnat(as_of) & (as_of < released)
        if early.any():
            where = lines[early].tolist()
            problems.add(f"as_of is before released_on on {_lines_text(where)}", where, ["as_of", "released_on"])

    features = [name for name in FEATURES if name in frame.columns and name not in group_columns]
    if not features:
        problems.add(f"no feature columns: the file needs at least one of {', '.join(FEATURES)}", [1])
    X = pd.DataFrame(index=range(len(frame)))
    for name in features:
        X[name] = _coerce_feature(FEATURES[name], frame[name], lines, problems)
    problems.raise_if_any()

    labels = label_arrays(released, reoffended, followed, horizon_days, as_of, full_horizon=full_horizon)
    keep = labels >= 0
    positives = int((labels == Label.POSITIVE).sum())
    negatives = int((labels == Label.NEGATIVE).sum())
    counts = {
        "rows": len(frame),
        "labeled": int(keep.sum()),
        "positives": positives,
        "negatives": negatives,
        "censored": int((labels == Label.CENSORED).sum()),
        "not_at_risk": int((labels == Label.NOT_AT_RISK).sum()),
    }
    if positives < min_outcomes or negatives < min_outcomes:
        raise EpisodeError(
            [
                f"too few outcomes to train at a {horizon_days}-day horizon: {positives} positive and {negatives} negative "
                f"episodes (at least {min_outcomes} of each are needed); {counts['censored']} of {len(frame)} rows are "
                f"censored (followed for less than {horizon_days} days{'' if full_horizon else ' without a reoffence'})"
                + (f" and {counts['not_at_risk']} reoffended before their snapshot date" if counts["not_at_risk"] else "")
            ]
        )

    dropped: dict[str, str] = {}
    for name in list(features):
        column = X.loc[keep, name]
        if column.isna().all():
            dropped[name] = "no values"
            features.remove(name)
    X = X.loc[keep, features].reset_index(drop=True)

    groups = pd.DataFrame(index=range(int(keep.sum())))
    if "sex" in frame.columns and "sex" not in group_columns:
        groups["sex"] = _group_values(frame.loc[keep, "sex"])
    if "age_at_release" in frame.columns:
        ages = pd.Series([_float(v) if not _blank(v) else None for v in frame.loc[keep, "age_at_release"]], dtype=object)
        groups["age_band"] = [age_band(v) or MISSING_GROUP for v in ages]
    if "region" in frame.columns and "region" not in group_columns:
        groups["region"] = _group_values(frame.loc[keep, "region"])
    for column in group_columns:
        groups[column] = _group_values(frame.loc[keep, column])

    used = {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *features, *dropped, *group_columns}
    person_ids = frame.loc[keep, "person_id"].astype(str).to_numpy() if "person_id" in frame.columns else None
    return Episodes(
        X=X,
        y=(labels[keep] == Label.POSITIVE).astype(np.int64),
        released_on=released[keep],
        groups=groups,
        lines=lines[keep],
        horizon_days=horizon_days,
        features=features,
        counts=counts,
        person_ids=person_ids,
        group_columns=group_columns,
        ignored_columns=[column for column in frame.columns if column not in used],
        dropped_features=dropped,
    )


def _group_values(values: pd.Series) -> list[str]:
    return [MISSING_GROUP if _blank(v) else str(v).strip() for v in values.tolist()]


def frame_from_records(records: Iterable[Mapping[str, Any]] | pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """Feature snapshots (dicts in the registry's names) as the DataFrame a model's ``predict_proba`` expects.

    Missing keys become missing values; booleans become 1.0/0.0; categorical codes become strings. Values of the
    wrong type raise :class:`EpisodeError` naming the record (counted from 1) and the feature.
    """
    if isinstance(records, pd.DataFrame):
        raw = records.reset_index(drop=True).reindex(columns=list(features))
    else:
        rows = list(records)
        raw = pd.DataFrame.from_records([{name: row.get(name) for name in features} for row in rows], columns=list(features))
    problems = _Problems()
    positions = np.arange(1, len(raw) + 1)
    out = pd.DataFrame(index=range(len(raw)))
    for name in features:
        if name not in FEATURES:
            raise EpisodeError([f"unknown feature {name}"], columns=[name])
        out[name] = _coerce_feature(FEATURES[name], raw[name], positions, problems, where="record")
    problems.raise_if_any()
    return out
