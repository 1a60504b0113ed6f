"""Celery adapters of the risk model: the nightly scoring and the rescoring of one changed case."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from analytics.scoring import rescore_case, score_open_cases
from rehab.core.schedule import PeriodicJob


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def score_open_cases_nightly() -> dict[str, int | None]:
    report = score_open_cases()
    return {"version": report.version, "scored": report.scored, "unchanged": report.unchanged, "flags": report.flags_raised}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rescore_case_task(case_id: int) -> int:
    return rescore_case(case_id=case_id).scored


PERIODIC_JOBS = [
    # After midnight Bangkok time, so the day's appointments and outcomes are in.
    PeriodicJob("Score open cases (risk model)", "analytics.tasks.score_open_cases_nightly", minute="30", hour="1"),
]
