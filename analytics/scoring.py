"""Training the product's model on the cases, and scoring open cases with the approved one.

Scoring is idempotent: a case whose features (as of the scoring date) hash to the same value as
its last score under the same model version is not scored again, so a second run the same night
writes nothing. A flag is raised when a case enters the high tier or rises a tier; it asks the
officer to decide and never changes the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.models import TIER_RANK, CaseRisk, RiskFlag, RiskModelVersion, RiskScore, RiskTier
from analytics.risk.artifact import TrainedModel, load_model
from analytics.risk.asof import snapshot_checksum
from analytics.risk.episodes import episodes_from_frame
from analytics.risk.pipeline import train
from analytics.services import model_in_service
from analytics.snapshots import case_histories, chunked, training_rows
from rehab.exceptions import ApplicationError
from rehab.models import OPEN_STATES, Case, User

TRAINING_YEARS = 6


def model_train_from_cases(
    *, by: User | None = None, horizon_days: int = 365, today: date | None = None, synthetic: bool = True, seed: int = 0
) -> RiskModelVersion:
    """Train a candidate on snapshots of the cases released in the last years (time split: older
    releases train, newer ones test) and register it with its model card. It scores nobody until
    a manager approves it."""
    today = today or timezone.localdate()
    rows = list(training_rows(released_from=today - timedelta(days=365 * TRAINING_YEARS), released_to=today, today=today))
    if not rows:
        raise ApplicationError(_("There are no cases to train on."))
    episodes = episodes_from_frame(pd.DataFrame(rows), horizon_days)
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


def score_open_cases(*, as_of: date | None = None, chunk_size: int = 5000, case_ids: list[int] | None = None) -> ScoringReport:
    """Score every open case (or the given ones) with the approved model, in chunks."""
    version = model_in_service()
    if version is None:
        return ScoringReport(version=None)
    model = loaded_model(version)
    as_of = as_of or timezone.localdate()
    report = ScoringReport(version=version.version)
    cases = Case.objects.filter(state__in=OPEN_STATES, release_date__lte=as_of)
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    ids = cases.order_by("pk").values_list("pk", flat=True)
    for chunk in chunked(ids.iterator(chunk_size=chunk_size), chunk_size):
        _score_chunk(chunk, version=version, model=model, as_of=as_of, report=report)
    return report


def _score_chunk(chunk: list[int], *, version: RiskModelVersion, model: TrainedModel, as_of: date, report: ScoringReport) -> None:
    histories = case_histories(chunk)
    snapshots = {case_id: history.snapshot(as_of) for case_id, history in histories.items()}
    checksums = {case_id: snapshot_checksum(snapshot) for case_id, snapshot in snapshots.items()}
    previous = {risk.case_id: risk for risk in CaseRisk.objects.filter(case_id__in=chunk).select_related("score")}
    todo = [
        case_id
        for case_id in snapshots
        if not (
            case_id in previous
            and previous[case_id].score.model_version_id == version.pk
            and previous[case_id].score.features_sha256 == checksums[case_id]
        )
    ]
    report.considered += len(snapshots)
    report.unchanged += len(snapshots) - len(todo)
    if not todo:
        return
    rows = [snapshots[case_id] for case_id in todo]
    probabilities = model.predict_proba(rows)
    explanations = model.explain(rows, top=3)
    scores = []
    for case_id, probability, explanation in zip(todo, probabilities, explanations, strict=True):
        scores.append(
            RiskScore(
                case_id=case_id,
                model_version=version,
                as_of=as_of,
                probability=float(probability),
                tier=model.tier(float(probability)),
                reasons=[
                    {"feature": r.feature, "direction": r.direction, "en": r.text_en, "th": r.text_th}
                    for r in explanation.reasons
                ],
                features_sha256=checksums[case_id],
            )
        )
    with transaction.atomic():
        RiskScore.objects.bulk_create(scores, batch_size=1000)
        flags = []
        risks = []
        for score in scores:
            before = previous.get(score.case_id)
            rank = TIER_RANK[RiskTier(score.tier)]
            rose = before is not None and rank > before.tier_rank
            entered_high = score.tier == "high" and (before is None or before.tier != "high")
            if rose or entered_high:
                flags.append(RiskFlag(case_id=score.case_id, score=score, previous_tier=before.tier if before else ""))
            risks.append(
                CaseRisk(case_id=score.case_id, score=score, tier=score.tier, tier_rank=rank, probability=score.probability)
            )
        CaseRisk.objects.bulk_create(
            risks,
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["score", "tier", "tier_rank", "probability", "updated_at"],
        )
        RiskFlag.objects.bulk_create(flags)
    report.scored += len(scores)
    report.flags_raised += len(flags)


def rescore_case(*, case_id: int) -> ScoringReport:
    """Score one case now: called after something that feeds its features changed."""
    return score_open_cases(case_ids=[case_id])
