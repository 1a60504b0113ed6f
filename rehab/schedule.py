"""The periodic jobs, declared in code. ``python manage.py setup_periodic_tasks`` writes them into
django-celery-beat's tables (``make run`` and the Docker entrypoint call it), so nobody clicks
schedules together in the admin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    minute: str
    hour: str = "*"


PERIODIC_JOBS = [
    # Deadlines are dates, so checking every 15 minutes escalates within the first quarter hour of a breach.
    PeriodicJob("Escalate overdue hand-offs", "rehab.tasks.escalate_overdue_handoffs", minute="*/15"),
    # Bangkok time (CELERY_TIMEZONE): reminders for tomorrow go out at 08:00.
    PeriodicJob("Remind tomorrow's appointments", "rehab.tasks.send_appointment_reminders", minute="0", hour="8"),
    # After midnight Bangkok time, so the day's appointments and outcomes are in.
    PeriodicJob("Score open cases (risk model)", "analytics.tasks.score_open_cases_nightly", minute="30", hour="1"),
]
