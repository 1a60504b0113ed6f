from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from rehab.core.schedule import periodic_jobs


class Command(BaseCommand):
    help = "Write the periodic jobs the apps declare (PERIODIC_JOBS in their tasks.py) into django-celery-beat (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        jobs = periodic_jobs()
        for job in jobs:
            schedule, _ = CrontabSchedule.objects.get_or_create(
                minute=job.minute,
                hour=job.hour,
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            PeriodicTask.objects.update_or_create(
                name=job.name, defaults={"task": job.task, "crontab": schedule, "enabled": True}
            )
        # Jobs removed from the code are disabled, not deleted, so their history stays readable. Only our
        # own jobs (a crontab, not celery's internal ones) are looked at.
        stale = (
            PeriodicTask.objects.filter(crontab__isnull=False)
            .exclude(name__in=[job.name for job in jobs])
            .exclude(task__startswith="celery.")
            .update(enabled=False)
        )
        self.stdout.write(f"{len(jobs)} periodic jobs set up; {stale} stale ones disabled")
