"""Benchmark of the nightly scoring job (issue: 1,000,000 open cases, under 60 s, under 2 GB).

    python manage.py bench_scoring --open-cases 1000000 --reset   # top up the open cases, score twice
    python manage.py bench_scoring --open-cases 0                  # measure what is there

Topping up (PostgreSQL): the million-person seed has about 350,000 open cases. To reach the target,
open cases are copied with everything the features read (the case, its appointments, its completed
hand-offs, its assessments and their needs) under new case ids; a copy belongs to the same person and
office, so the features and their distribution are the seed's. Copies are marked in nothing: the
benchmark database is for benchmarks only.

Measured: the job end to end (``score_open_cases``: reading the features, predicting, explaining,
writing), first with no score in the database (``--reset`` deletes the scores and flags first) and
again the same night (nothing changes, so nothing is written); the process's resident memory sampled
every 50 ms; and, on the same feature matrix, the bare ``predict_proba`` of the model and the parts
of the job one by one (feature queries, checksums, reasons), for the ratio the issue asks for.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import CaseRisk, RiskFlag, RiskScore
from analytics.risk.explain import reasons_json
from analytics.scoring import bulk_read_settings, coerced_snapshots, feature_checksums, loaded_model, score_open_cases
from analytics.services import model_in_service
from analytics.snapshots import snapshot_frame
from bench.management.commands.bench_handoffs import RssSampler
from rehab.cases.models import OPEN_STATES, Appointment, Assessment, AssessmentNeed, Case
from rehab.referrals.models import Handoff, HandoffState


class Command(BaseCommand):
    help = "Measure the nightly scoring job over the open cases (PostgreSQL), topping them up to --open-cases first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--open-cases", type=int, default=1_000_000, help="copy open cases until there are this many")
        parser.add_argument("--reset", action="store_true", help="delete every score and flag first (a first night)")
        parser.add_argument("--chunk-size", type=int, default=50_000)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The scoring benchmark runs on PostgreSQL (set DATABASE_URL).")
        if settings.DEBUG:
            # With DEBUG on, Django keeps the text of every query, arrays of 20,000 ids included.
            raise CommandError("Run the benchmark with DEBUG=false, as production runs.")
        version = model_in_service()
        if version is None:
            raise CommandError("No model is in service: train one (risk_train) and approve it at /models/ first.")
        if options["open_cases"]:
            self.top_up(options["open_cases"])
        if options["reset"]:
            # TRUNCATE, not the ORM's delete(), which would load every score into this process first.
            tables = ", ".join(model._meta.db_table for model in (RiskFlag, CaseRisk, RiskScore))
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables}")
                cursor.execute(f"VACUUM ANALYZE {tables}")
        open_cases = Case.objects.filter(state__in=OPEN_STATES).count()
        chunk_size = options["chunk_size"]
        self.stdout.write(f"model v{version.version} ({version.kind}); {open_cases:,} open cases; chunks of {chunk_size:,}")
        for run in ("first run", "second run (the same night)"):
            sampler = RssSampler()
            sampler.start()
            started = time.perf_counter()
            report = score_open_cases(chunk_size=options["chunk_size"])
            elapsed = time.perf_counter() - started
            sampler.stop()
            self.stdout.write(
                f"{run}: {elapsed:.1f} s for {report.considered:,} cases ({report.scored:,} scored, {report.unchanged:,} "
                f"unchanged, {report.flags_raised:,} flags); resident memory {sampler.first / 2**20:.0f} MiB before, "
                f"peak {sampler.peak / 2**20:.0f} MiB"
            )
            if run == "first run":
                first = elapsed
        self.measure_parts(options["chunk_size"], first)

    def measure_parts(self, chunk_size: int, end_to_end: float) -> None:
        """The job's parts one by one on the same rows, and the bare predict_proba on the whole matrix."""
        version = model_in_service()
        assert version is not None
        model = loaded_model(version)
        started = time.perf_counter()
        with transaction.atomic():
            bulk_read_settings()
            snapshots = snapshot_frame(None, timezone.localdate(), open_only=True)
        reading = time.perf_counter() - started
        started = time.perf_counter()
        coerced = coerced_snapshots(snapshots)
        matrix = coerced[list(model.features)]
        coercion = time.perf_counter() - started
        started = time.perf_counter()
        model.estimator.predict_proba(matrix)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        feature_checksums(coerced)
        hashing = time.perf_counter() - started
        started = time.perf_counter()
        reasons_json(model, snapshots, top=3, frame=matrix)
        explaining = time.perf_counter() - started
        self.stdout.write(
            f"on the same {len(snapshots):,} rows: feature queries {reading:.1f} s, coercion to the model's matrix "
            f"{coercion:.1f} s, bare predict_proba {bare:.2f} s, checksums {hashing:.1f} s, reasons {explaining:.1f} s; "
            f"the first run took {end_to_end / bare:.0f} times the bare predict_proba"
        )

    # --- topping up ------------------------------------------------------------------------------

    def top_up(self, target: int) -> None:
        while (have := Case.objects.filter(state__in=OPEN_STATES).count()) < target:
            started = time.perf_counter()
            added = self.copy_open_cases(target - have)
            self.stdout.write(f"copied {added:,} open cases with their features' rows in {time.perf_counter() - started:.0f} s")

    def copy_open_cases(self, count: int) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_case_map ON COMMIT DROP AS "
                "SELECT id AS old_id, nextval(pg_get_serial_sequence('cases_case', 'id')) AS new_id "
                "FROM cases_case WHERE state = ANY(%s) ORDER BY id LIMIT %s",
                [list(OPEN_STATES), count],
            )
            cursor.execute("CREATE UNIQUE INDEX ON bench_case_map (old_id)")
            added = _copy(cursor, Case, "cases_case", "bench_case_map m ON m.old_id = t.id", {"id": "m.new_id"})
            _copy(cursor, Appointment, "cases_appointment", "bench_case_map m ON m.old_id = t.case_id",
                  {"case_id": "m.new_id"})  # fmt: skip
            _copy(cursor, Handoff, "referrals_handoff", "bench_case_map m ON m.old_id = t.case_id",
                  {"case_id": "m.new_id", "idempotency_key": "NULL"},
                  where=f"t.state = '{HandoffState.COMPLETED}'")  # fmt: skip
            cursor.execute(
                "CREATE TEMP TABLE bench_assessment_map ON COMMIT DROP AS "
                "SELECT a.id AS old_id, nextval(pg_get_serial_sequence('cases_assessment', 'id')) AS new_id, m.new_id AS case_id "
                "FROM cases_assessment a JOIN bench_case_map m ON m.old_id = a.case_id"
            )
            cursor.execute("CREATE UNIQUE INDEX ON bench_assessment_map (old_id)")
            _copy(cursor, Assessment, "cases_assessment", "bench_assessment_map m ON m.old_id = t.id",
                  {"id": "m.new_id", "case_id": "m.case_id"})  # fmt: skip
            _copy(cursor, AssessmentNeed, "cases_assessmentneed", "bench_assessment_map m ON m.old_id = t.assessment_id",
                  {"assessment_id": "m.new_id"})  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case, cases_appointment, referrals_handoff, cases_assessment, cases_assessmentneed")
        return added


def _copy(cursor: Any, model: Any, table: str, join: str, replace: dict[str, str], where: str = "TRUE") -> int:
    """INSERT ... SELECT of ``model``'s rows joined to a map of ids, with some columns replaced."""
    columns = [field.column for field in model._meta.concrete_fields if field.column != "id" or "id" in replace]
    selected = ", ".join(replace.get(column, f"t.{connection.ops.quote_name(column)}") for column in columns)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {selected} FROM {table} t JOIN {join} WHERE {where}")  # noqa: S608
    return cursor.rowcount
