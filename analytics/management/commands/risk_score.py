from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from analytics.scoring import score_open_cases


class Command(BaseCommand):
    help = "Score every open case with the approved risk model now (the nightly job does the same)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args: Any, **options: Any) -> None:
        report = score_open_cases(chunk_size=options["chunk_size"])
        if report.version is None:
            self.stdout.write("No approved model: nothing scored. Train one (risk_train) and approve it at /models/.")
            return
        self.stdout.write(
            f"model v{report.version}: {report.considered} open cases, {report.scored} scored, "
            f"{report.unchanged} unchanged, {report.flags_raised} flags raised"
        )
