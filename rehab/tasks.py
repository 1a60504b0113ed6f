"""Celery tasks: thin adapters that take ids, call a service, and own their retry policy."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from rehab.services.appointments import appointment_reminders_send
from rehab.services.handoffs import escalation_emails_send, handoffs_escalate_overdue

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def escalate_overdue_handoffs(chunk_size: int = 5000) -> int:
    return len(handoffs_escalate_overdue(chunk_size=chunk_size))


@shared_task(autoretry_for=(OperationalError, SMTPException, ConnectionError), retry_backoff=True, max_retries=8)
def send_escalation_emails(escalation_ids: list[int]) -> int:
    return escalation_emails_send(escalation_ids=escalation_ids)


@shared_task(**RETRY)
def send_appointment_reminders() -> int:
    return appointment_reminders_send()
