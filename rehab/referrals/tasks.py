"""Celery adapters of the referrals app: thin, they call a service and own their retry policy."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from rehab.core.schedule import PeriodicJob
from rehab.referrals.services import escalation_emails_send, handoffs_escalate_overdue

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def escalate_overdue_handoffs(chunk_size: int = 5000) -> int:
    return len(handoffs_escalate_overdue(chunk_size=chunk_size))


@shared_task(autoretry_for=(OperationalError, SMTPException, ConnectionError), retry_backoff=True, max_retries=8)
def send_escalation_emails(escalation_ids: list[int]) -> int:
    return escalation_emails_send(escalation_ids=escalation_ids)


PERIODIC_JOBS = [
    # Deadlines are dates, so checking every 15 minutes escalates within the first quarter hour of a breach.
    PeriodicJob("Escalate overdue hand-offs", "rehab.referrals.tasks.escalate_overdue_handoffs", minute="*/15"),
]
