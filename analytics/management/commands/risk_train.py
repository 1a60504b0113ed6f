from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from analytics.risk.episodes import EpisodeError
from analytics.scoring import model_train_from_cases
from rehab.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Train a candidate risk model on the cases (time split) and register it with its model card; "
        "it scores nobody until approved."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--horizon-days", type=int, default=365)
        parser.add_argument("--real-data", action="store_true", help="the cases are real, not the synthetic demo data")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--max-cases", type=int, default=None, help="train on an evenly spread sample of at most this many cases"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = model_train_from_cases(
                horizon_days=options["horizon_days"],
                synthetic=not options["real_data"],
                seed=options["seed"],
                max_cases=options["max_cases"],
            )
        except (ApplicationError, EpisodeError) as error:
            raise CommandError(str(getattr(error, "message", error))) from error
        summary = {
            "version": version.version,
            "kind": version.kind,
            "rows": version.rows,
            "auc": version.metrics.get("auc"),
            "brier": version.metrics.get("brier"),
            "ece": version.calibration.get("ece"),
            "quality_failures": version.quality_failures,
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        verdict = "fails its quality checks" if version.quality_failures else "a manager can approve it at /models/"
        self.stdout.write(f"registered candidate v{version.version}: {verdict}")
