"""Celery adapters of the risk model: the nightly scoring and the rescoring of one changed case."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from analytics.scoring import rescore_case, score_open_cases


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def score_open_cases_nightly() -> dict[str, int | None]:
    report = score_open_cases()
    return {"version": report.version, "scored": report.scored, "unchanged": report.unchanged, "flags": report.flags_raised}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rescore_case_task(case_id: int) -> int:
    return rescore_case(case_id=case_id).scored


def rescore_after_commit(case_id: int) -> None:
    """Something that feeds the case's features changed: score it again once the change is committed."""
    rescore_case_task.delay_on_commit(case_id)
