"""The COMPAS benchmark: our pipeline vs the COMPAS decile vs an age + priors logistic regression, same folds.

    python manage.py bench_compas [--csv ../shared/data/compas_two_year.csv] [--folds 5] [--seed 0] [--json PATH]
    python manage.py bench_compas --write-episodes var/compas_episodes.csv   # the file in the episodes format

Prints Markdown tables (the ones in docs/risk-model.md); ``--json`` also writes the full report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from analytics.risk.benchmark import DEFAULT_PATH, compas_to_episodes, markdown, run_compas_benchmark
from analytics.risk.episodes import EpisodeError


class Command(BaseCommand):
    help = "Benchmark the risk pipeline against COMPAS on the ProPublica two-year data."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", default=str(DEFAULT_PATH))
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", default=None, help="also write the full report as JSON here")
        parser.add_argument("--no-ablation", action="store_true", help="skip the what-each-part-adds runs")
        parser.add_argument(
            "--write-episodes",
            default=None,
            help="only convert the COMPAS file to the episodes CSV format, write it here and stop (input for risk_evaluate)",
        )

    @no_translations  # a report for machines and the docs: in English
    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"--csv: no such file: {path}")
        if options["write_episodes"]:
            try:
                episodes, notes = compas_to_episodes(pd.read_csv(path))
            except EpisodeError as exc:
                raise CommandError(f"{path}: {exc}") from exc
            episodes.to_csv(options["write_episodes"], index=False)
            self.stdout.write(f"wrote {len(episodes)} episodes to {options['write_episodes']} ({json.dumps(notes)})")
            return
        try:
            report = run_compas_benchmark(
                path, n_folds=options["folds"], seed=options["seed"], ablation_runs=not options["no_ablation"]
            )
        except EpisodeError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        report["command"] = f"python manage.py bench_compas --folds {options['folds']} --seed {options['seed']}"
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        self.stdout.write(markdown(report))
