from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from rehab.schedule import PERIODIC_JOBS


class Command(BaseCommand):
    help = "Write the periodic jobs declared in rehab/schedule.py into django-celery-beat (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        declared = set()
        for job in PERIODIC_JOBS:
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
            declared.add(job.name)
        # Jobs that were removed from the code are disabled, not deleted, so their history stays readable.
        ours = PeriodicTask.objects.filter(task__startswith="rehab.") | PeriodicTask.objects.filter(task__startswith="analytics.")
        stale = ours.exclude(name__in=declared).update(enabled=False)
        self.stdout.write(f"{len(declared)} periodic jobs set up; {stale} stale ones disabled")
