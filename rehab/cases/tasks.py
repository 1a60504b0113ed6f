"""Celery adapters of the cases app: thin, they call a service and own their retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from rehab.cases.services import appointment_reminders_send
from rehab.core.schedule import PeriodicJob


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def send_appointment_reminders() -> int:
    return appointment_reminders_send()


PERIODIC_JOBS = [
    # Bangkok time (CELERY_TIMEZONE): reminders for tomorrow go out at 08:00.
    PeriodicJob("Remind tomorrow's appointments", "rehab.cases.tasks.send_appointment_reminders", minute="0", hour="8"),
]
