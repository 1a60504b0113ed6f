"""Train and evaluate the risk pipeline on a CSV of historical release episodes; print the metrics as JSON.

    python manage.py risk_evaluate --csv PATH --horizon-days N [--group-column COL ...] [--folds 5] [--seed S]

The CSV format is documented in docs/risk-model.md and analytics/risk/episodes.py. Bad input is reported on
stderr with the lines or columns at fault, and the command exits with a non-zero status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from analytics.risk.episodes import EpisodeError, read_episodes
from analytics.risk.pipeline import CANDIDATES, PipelineConfig, train


class Command(BaseCommand):
    help = "Train and evaluate the reoffending-risk pipeline on an episodes CSV; print the metrics as JSON."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", required=True, help="episodes CSV (see docs/risk-model.md)")
        parser.add_argument("--horizon-days", type=int, required=True, help="outcome horizon in days, e.g. 365")
        parser.add_argument(
            "--group-column",
            action="append",
            default=[],
            dest="group_columns",
            help="an audit-only column for the fairness tables (never a feature); repeatable",
        )
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--split",
            choices=("stratified", "time"),
            default="stratified",
            help="stratified K-fold (external data, default) or forward-chaining folds by release date (the product)",
        )
        parser.add_argument("--models", default=",".join(CANDIDATES), help="candidates to compare: logistic,boosting")
        parser.add_argument(
            "--flag-rate", type=float, default=0.25, help="share flagged at the operating threshold (default 0.25)"
        )
        parser.add_argument("--threshold", type=float, default=None, help="a fixed probability threshold instead of --flag-rate")
        parser.add_argument("--min-outcomes", type=int, default=50, help="fewest positives and negatives needed (default 50)")
        parser.add_argument(
            "--save-model", default=None, help="write the trained model artifact here (its SHA-256 goes in the JSON)"
        )

    @no_translations  # a report for machines and the docs: in English
    def handle(self, *args: Any, **options: Any) -> None:
        if options["horizon_days"] <= 0:
            raise CommandError("--horizon-days must be a positive number of days")
        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        if not 0 < options["flag_rate"] < 1:
            raise CommandError("--flag-rate must be between 0 and 1")
        if options["threshold"] is not None and not 0 < options["threshold"] < 1:
            raise CommandError("--threshold must be between 0 and 1")
        candidates = tuple(name.strip() for name in options["models"].split(",") if name.strip())
        unknown = [name for name in candidates if name not in CANDIDATES]
        if unknown or not candidates:
            raise CommandError(f"--models: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(CANDIDATES)}")
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"--csv: no such file: {path}")
        config = PipelineConfig(flag_rate=options["flag_rate"], threshold=options["threshold"])
        try:
            episodes = read_episodes(
                path, options["horizon_days"], options["group_columns"], min_outcomes=options["min_outcomes"]
            )
            model = train(
                episodes,
                split=options["split"],
                n_folds=options["folds"],
                seed=options["seed"],
                config=config,
                candidates=candidates,
            )
        except EpisodeError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        report = model.model_card()
        report["data"]["path"] = str(path)
        if options["save_model"]:
            data, checksum = model.to_bytes()
            Path(options["save_model"]).write_bytes(data)
            report["artifact"] = {"path": options["save_model"], "sha256": checksum, "bytes": len(data)}
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
