"""Periodic jobs, declared in code by the app that owns them (``PERIODIC_JOBS`` in its ``tasks.py``) and
assembled here. ``python manage.py setup_periodic_tasks`` writes them into django-celery-beat's tables
(``make run`` calls it), so nobody clicks schedules together in the admin; ``python manage.py run_job NAME``
runs one now."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@dataclass(frozen=True)
class PeriodicJob:
    """A Celery task run on a crontab schedule in Bangkok time (CELERY_TIMEZONE)."""

    name: str
    task: str
    minute: str
    hour: str = "*"

    @property
    def slug(self) -> str:
        """The short name ``run_job`` takes: the task's own name (``escalate_overdue_handoffs``)."""
        return self.task.rsplit(".", 1)[-1]


def periodic_jobs() -> list[PeriodicJob]:
    """Every installed app's declared jobs, in the order of INSTALLED_APPS."""
    jobs: list[PeriodicJob] = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.tasks"
        if find_spec(module_name) is None:
            continue
        jobs += getattr(import_module(module_name), "PERIODIC_JOBS", [])
    return jobs
