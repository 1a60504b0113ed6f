"""The periodic jobs are declared by the apps that own them, written into the beat schedule, and runnable by hand."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from rehab.core.schedule import periodic_jobs

pytestmark = pytest.mark.django_db


def test_each_app_declares_its_own_jobs():
    tasks = {job.task for job in periodic_jobs()}
    assert tasks == {
        "rehab.cases.tasks.send_appointment_reminders",
        "rehab.referrals.tasks.escalate_overdue_handoffs",
        "analytics.tasks.score_open_cases_nightly",
    }


def test_setting_up_twice_writes_each_job_once_and_disables_one_removed_from_the_code():
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    PeriodicTask.objects.create(name="An old job", task="rehab.tasks.gone", crontab=PeriodicTask.objects.first().crontab)
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    assert PeriodicTask.objects.filter(enabled=True).count() == len(periodic_jobs())
    assert not PeriodicTask.objects.get(name="An old job").enabled


def test_run_job_runs_a_declared_job_now_and_names_the_jobs_when_asked_for_another(officer):
    out = io.StringIO()
    call_command("run_job", "escalate_overdue_handoffs", stdout=out)
    assert out.getvalue().startswith("Escalate overdue hand-offs: 0")
    listing = io.StringIO()
    call_command("run_job", stdout=listing)
    assert "send_appointment_reminders" in listing.getvalue()
    with pytest.raises(CommandError, match="score_open_cases_nightly"):
        call_command("run_job", "no_such_job")
