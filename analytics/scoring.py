"""Training the product's model on the cases, and scoring open cases with the approved one.

Scoring is idempotent: a case whose features (as of the scoring date) hash to the same value as
its latest score under the same model version is not scored again, so a second run the same night
writes nothing. A flag is raised when a case enters the high tier or rises a tier; it asks the
officer to decide and never changes the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import TIER_RANK, CaseRisk, FlagState, RiskFlag, RiskModelVersion, RiskScore, RiskTier
from analytics.risk.artifact import TrainedModel, load_model
from analytics.risk.episodes import episodes_from_frame, frame_from_records
from analytics.risk.explain import probabilities_and_contributions, reasons_json
from analytics.risk.pipeline import train
from analytics.services import model_in_service
from analytics.snapshots import SNAPSHOT_COLUMNS, snapshot_frame, training_rows
from rehab.cases.models import OPEN_STATES
from rehab.core.bulk import JSONText, ids_in, query_frame, reserve_ids, rows_insert
from rehab.core.errors import ApplicationError
from rehab.reference.models import User

# Releases of the last three years: the model learns today's practice (plans, hand-offs, appointments), and
# the older cases of the demo data are legacy records of people who came back, every one ending in a new
# offence by construction (docs/benchmarks.md), which would teach the model that everybody reoffends.
TRAINING_YEARS = 3
SCORING_LOCK = 0x4B4B_4452_4953_4B  # pg_advisory_xact_lock key of the score writers ("KKDRISK")


def model_train_from_cases(
    *,
    by: User | None = None,
    horizon_days: int = 365,
    today: date | None = None,
    synthetic: bool = True,
    seed: int = 0,
    max_cases: int | None = None,
) -> RiskModelVersion:
    """Train a candidate on snapshots of the cases released in the last years (time split: older
    releases train, newer ones test) and register it with its model card. It scores nobody until
    a manager approves it.

    Only snapshots followed for the whole horizon are labelled (``full_horizon``): a snapshot of last month
    can only be known to end in a reoffence, never in none, so keeping the ones that did would teach the
    model, and show its card, a risk the newest releases do not have."""
    today = today or timezone.localdate()
    rows = list(
        training_rows(
            released_from=today - timedelta(days=365 * TRAINING_YEARS), released_to=today, today=today, max_cases=max_cases
        )
    )
    if not rows:
        raise ApplicationError(_("There are no cases to train on."))
    episodes = episodes_from_frame(pd.DataFrame(rows), horizon_days, full_horizon=True)
    model: TrainedModel = train(episodes, split="time", seed=seed)
    fields = model.registry_fields()
    with transaction.atomic():
        last = RiskModelVersion.objects.select_for_update().order_by("-version").first()
        return RiskModelVersion.objects.create(
            version=(last.version + 1) if last else 1,
            trained_by=by,
            trained_on_synthetic_data=synthetic,
            **fields,
        )


_loaded: dict[int, TrainedModel] = {}


def loaded_model(version: RiskModelVersion) -> TrainedModel:
    """The version's model, loaded once per process after its checksum is verified."""
    if version.pk not in _loaded:
        _loaded[version.pk] = load_model(bytes(version.artifact), version.artifact_sha256)
    return _loaded[version.pk]


@dataclass
class ScoringReport:
    version: int | None
    considered: int = 0
    scored: int = 0
    unchanged: int = 0
    flags_raised: int = 0


def score_open_cases(*, as_of: date | None = None, chunk_size: int = 50_000, case_ids: list[int] | None = None) -> ScoringReport:
    """Score every open case (or the given ones, if open) with the approved model.

    The features of all of them are read first, by four set-based queries (``snapshot_frame``): the
    database joins and aggregates each table once. They are then scored ``chunk_size`` cases at a time,
    each chunk one coercion, one contribution matrix (which gives the probabilities too) and writes by COPY on
    PostgreSQL, all in one transaction: nothing is done row by row in the database.
    """
    version = model_in_service()
    if version is None:
        return ScoringReport(version=None)
    model = loaded_model(version)
    as_of = as_of or timezone.localdate()
    report = ScoringReport(version=version.version)
    with transaction.atomic():
        bulk_read_settings()
        snapshots = snapshot_frame(case_ids, as_of, open_only=True)
    report.considered = len(snapshots)
    if snapshots.empty:
        return report
    # All the writes in one transaction, under the lock that serialises the writers of scores, so the
    # latest scores read here are still the latest when the flags are decided (a rescore waits).
    with transaction.atomic():
        _lock_scores()
        previous = _latest_scores(case_ids, snapshots.index)
        for start in range(0, len(snapshots), chunk_size):
            end = start + chunk_size
            _score_chunk(
                snapshots.iloc[start:end], previous.iloc[start:end], version=version, model=model, as_of=as_of, report=report
            )
    return report


def _latest_scores(case_ids: list[int] | None, index: pd.Index) -> pd.DataFrame:
    """Each case's latest score (tier, tier rank, model version, features' checksum), in ``index`` order:
    one query (a hash join of the latest scores with their scores), missing where a case has none."""
    latest = (
        CaseRisk.objects.filter(case__state__in=OPEN_STATES)
        if case_ids is None
        else CaseRisk.objects.filter(case_id__in=ids_in(case_ids))
    )
    frame = query_frame(
        latest.order_by().values_list("case_id", "tier", "tier_rank", "score__model_version_id", "score__features_sha256"),
        ["case_id", "tier", "tier_rank", "version_id", "checksum"],
        text=["tier", "checksum"],
    )
    return frame.set_index("case_id").reindex(index)


def coerced_snapshots(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Every snapshot column after the registry's coercion (booleans as 1.0/0.0, codes as text), which is
    what a model's ``frame`` gives for its own columns."""
    return frame_from_records(snapshots, SNAPSHOT_COLUMNS)


def feature_checksums(coerced: pd.DataFrame) -> list[str]:
    """A 64-bit hash of each row's coerced snapshot (``coerced_snapshots``), so the same facts hash the same
    whatever else is in the chunk: a case whose features have not changed is not scored again."""
    return [f"{value:016x}" for value in pd.util.hash_pandas_object(coerced, index=False).tolist()]


def _score_chunk(
    snapshots: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    version: RiskModelVersion,
    model: TrainedModel,
    as_of: date,
    report: ScoringReport,
) -> None:
    """Score the chunk's cases whose features or model changed since their latest score, in the caller's
    transaction; ``previous``: their latest scores (``_latest_scores``), row for row."""
    coerced = coerced_snapshots(snapshots)
    checksums = feature_checksums(coerced)
    case_ids = snapshots.index.tolist()
    unchanged = (previous["version_id"].to_numpy() == version.pk) & (previous["checksum"].to_numpy() == np.asarray(checksums))
    todo = np.flatnonzero(~unchanged).tolist()
    report.unchanged += len(case_ids) - len(todo)
    if not todo:
        return
    before_tier = previous["tier"].tolist()
    before_rank = previous["tier_rank"].tolist()
    rows = snapshots.iloc[todo]
    # The model's columns, coerced once for the hashes, the prediction and the reasons.
    if set(model.features) <= set(SNAPSHOT_COLUMNS):
        matrix = coerced.iloc[todo][list(model.features)].reset_index(drop=True)
    else:
        matrix = model.frame(rows)
    chances, table = probabilities_and_contributions(model, matrix)
    probabilities = chances.tolist()
    reasons = reasons_json(model, rows, top=3, frame=matrix, table=table)
    high, medium = model.thresholds["high"], model.thresholds["medium"]
    tiers = [RiskTier.HIGH if p >= high else RiskTier.MEDIUM if p >= medium else RiskTier.LOW for p in probabilities]
    score_ids = reserve_ids(RiskScore, len(todo))
    now = timezone.now()
    todo_ids = [case_ids[position] for position in todo]
    rows_insert(
        RiskScore,
        ["id", "case_id", "model_version_id", "as_of", "probability", "tier", "reasons", "features_sha256", "created_at"],
        (
            (score_id, case_id, version.pk, as_of, probability, str(tier), JSONText(reason), checksums[position], now)
            for score_id, case_id, probability, tier, reason, position in zip(
                score_ids, todo_ids, probabilities, tiers, reasons, todo, strict=True
            )
        ),
    )
    flags = []
    for score_id, case_id, tier, position in zip(score_ids, todo_ids, tiers, todo, strict=True):
        scored_before = isinstance(before_tier[position], str)
        rose = scored_before and TIER_RANK[tier] > before_rank[position]
        entered_high = tier == RiskTier.HIGH and (not scored_before or before_tier[position] != RiskTier.HIGH)
        if rose or entered_high:
            flags.append((case_id, score_id, before_tier[position] if scored_before else "", FlagState.RAISED, "", "", now))
    # The latest score of each case, replaced (the table has one row a case and nothing points at it).
    CaseRisk.objects.filter(case_id__in=ids_in(todo_ids)).delete()
    rows_insert(
        CaseRisk,
        ["case_id", "score_id", "tier", "tier_rank", "probability", "updated_at"],
        (
            (case_id, score_id, str(tier), TIER_RANK[tier], probability, now)
            for case_id, score_id, tier, probability in zip(todo_ids, score_ids, tiers, probabilities, strict=True)
        ),
    )
    rows_insert(RiskFlag, ["case_id", "score_id", "previous_tier", "state", "action", "note", "raised_at"], flags)
    report.scored += len(todo)
    report.flags_raised += len(flags)


def bulk_read_settings() -> None:
    """Planner settings for the feature queries, for the rest of the transaction (PostgreSQL).

    No JIT: PostgreSQL compiles these aggregate queries (their estimated cost passes jit_above_cost) and
    spent 70-100 ms doing it for queries that take less. (Nested loops were turned off too while the
    read joined every latest assessment to its needs; since the assessments keep their domains, the
    planner's own plans are as fast: 9.1-9.5 s either way for a million open cases.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _lock_scores() -> None:
    """Serialise the writers of scores (the nightly job, a rescore after a change) for the rest of the
    transaction, so two of them never both replace the same case's latest score."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCORING_LOCK])


def rescore_case(*, case_id: int) -> ScoringReport:
    """Score one case now: called after something that feeds its features changed."""
    return score_open_cases(case_ids=[case_id])
