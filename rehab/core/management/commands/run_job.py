from __future__ import annotations

import json
from typing import Any

from celery import current_app
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rehab.core.schedule import periodic_jobs


class Command(BaseCommand):
    help = "Run one declared periodic job now, in this process (e.g. `run_job escalate_overdue_handoffs`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the job's short name; leave it out to list the jobs")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = {job.slug: job for job in periodic_jobs()}
        if not options["name"]:
            for slug, job in jobs.items():
                self.stdout.write(f"{slug:<32} {job.name} (minute {job.minute}, hour {job.hour})")
            return
        chosen = jobs.get(options["name"])
        if chosen is None:
            raise CommandError(f"No job called {options['name']!r}. Jobs: {', '.join(sorted(jobs))}.")
        result = current_app.tasks[chosen.task].apply(throw=True).get()
        self.stdout.write(f"{chosen.name}: {json.dumps(result, default=str)}")
