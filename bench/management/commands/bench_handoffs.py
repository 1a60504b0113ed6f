"""Benchmark of the hand-off inbox and the escalation job at scale (issue: 3,000,000 hand-offs).

    python manage.py bench_handoffs --handoffs 3000000        # add hand-offs to the seeded data, then measure
    python manage.py bench_handoffs --measure-only            # measure what is there
    python manage.py bench_handoffs --measure-only --explain  # and EXPLAIN ANALYZE the busiest inbox's queries
    python manage.py bench_handoffs --undo-escalations        # remove what the measured escalation runs wrote

Adding: the seed (seed_demo) already gives most cases a plan with hand-offs; this adds stages in
the domains a case does not have yet (one stage per domain and case, as the constraint wants),
each with one to three hand-offs (the earlier ones declined or withdrawn), spread over the last
two years, without entries in the transaction record (the escalation job appends its own).

The inbox is measured as the server sees it (Django's test client in-process: no network), for the
busiest receiving office and for a quiet one, to show the query count does not grow with the inbox.
The escalation job runs twice: the first run escalates every breach in the data at once (the
worst case, as after an outage), the second is the steady state of a 15-minute schedule.
E-mail tasks are queued to an in-memory broker, as a real run queues them to Redis for other workers.
A first run can be measured only once per data set: ``--undo-escalations`` deletes the escalations,
notifications and transaction-record entries written since the first measured run (their ids are
kept in var/bench/), so that it can be measured again. It is meant for a benchmark database only:
it lifts the record's append-only trigger for the length of its transaction.
"""

from __future__ import annotations

import json
import math
import random
import resource
import statistics
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Max, Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rehab.audit.models import TransactionEntry
from rehab.celery import app as celery_app
from rehab.notifications.models import Notification
from rehab.reference.models import Role, ServiceOffer, User
from rehab.referrals.models import SERVICES_FOR_STAGE, Escalation, Handoff, StageDomain
from rehab.referrals.services import handoffs_escalate_overdue

CHUNK = 50_000
CASES_PER_QUERY = 50_000


class Command(BaseCommand):
    help = "Seed hand-offs at scale (PostgreSQL) and measure the inbox page and the escalation job."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--handoffs", type=int, default=3_000_000, help="how many hand-offs to add")
        parser.add_argument("--measure-only", action="store_true")
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the busiest inbox's queries")
        parser.add_argument("--no-escalation", action="store_true", help="measure the inbox only")
        parser.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap of the escalation job")
        parser.add_argument(
            "--undo-escalations", action="store_true", help="delete what the measured escalation runs wrote, then stop"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (DATABASE_URL).")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        if options["undo_escalations"]:
            self.undo_escalations()
            return
        if not options["measure_only"]:
            started = time.perf_counter()
            added = self.seed(options["handoffs"], random.Random(options["seed"]))
            self.stdout.write(f"seeded {added:,} hand-offs in {time.perf_counter() - started:.1f} s")
        self.measure_inbox(options["requests"], explain=options["explain"])
        if not options["no_escalation"]:
            self.measure_escalation(trace=options["tracemalloc"])

    # --- seeding -------------------------------------------------------------------------------

    def seed(self, target: int, rng: random.Random) -> int:
        offers: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for office_id, province, service in ServiceOffer.objects.filter(active=True).values_list(
            "office_id", "office__province_id", "service"
        ):
            offers.setdefault(province, {}).setdefault(service, []).append((office_id, service))
        officers = dict(User.objects.filter(role=Role.OFFICER).values_list("office_id", "pk"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM referrals_stage")
            next_stage = cursor.fetchone()[0] + 1
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM referrals_handoff")
            next_handoff = cursor.fetchone()[0] + 1
            cursor.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM cases_case")
            first_case, last_case = cursor.fetchone()
        domains = [d for d in StageDomain.values if d != StageDomain.BEHAVIOUR]
        today = timezone.localdate()
        now = timezone.now()
        added = 0
        stages: list[tuple[Any, ...]] = []
        handoffs: list[tuple[Any, ...]] = []
        # Cases in id order, a range at a time (memory stays flat), with the domains their plan already has.
        for low in range(first_case, last_case + 1, CASES_PER_QUERY):
            if added >= target:
                break
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT c.id, c.office_id, o.province_id, c.officer_id, "
                    "COALESCE(array_agg(s.domain) FILTER (WHERE s.domain IS NOT NULL), '{}') "
                    "FROM cases_case c JOIN reference_office o ON o.id = c.office_id "
                    "LEFT JOIN referrals_stage s ON s.case_id = c.id "
                    "WHERE c.id >= %s AND c.id < %s GROUP BY c.id, o.province_id ORDER BY c.id",
                    [low, low + CASES_PER_QUERY],
                )
                cases = cursor.fetchall()
            for case_id, office_id, province, officer_id, planned in cases:
                if added >= target:
                    break
                sender = officer_id or officers.get(office_id)
                free = [d for d in domains if d not in planned]
                if sender is None or not free:
                    continue
                for domain in rng.sample(free, k=min(len(free), rng.choice((1, 1, 2, 2, 3)))):
                    services = [s for s in SERVICES_FOR_STAGE[domain] if s in offers.get(province, {})]
                    if not services:
                        continue
                    stage_id = next_stage
                    next_stage += 1
                    count = rng.choice((1, 2, 2, 3))
                    sent_day = today - timedelta(days=rng.randint(0, 720))
                    state_of_stage = "planned"
                    for position in range(count):
                        last = position == count - 1
                        to_office, service = rng.choice(offers[province][rng.choice(services)])
                        respond_by = sent_day + timedelta(days=5)
                        complete_by = sent_day + timedelta(days=45)
                        if not last:
                            state = rng.choice(("declined", "withdrawn"))
                        else:
                            age = (today - sent_day).days
                            roll = rng.random()
                            if age < 60 and roll < 0.55:
                                state = "sent" if roll < 0.2 else "accepted"
                            else:
                                state = rng.choices(("completed", "declined", "withdrawn", "accepted"), weights=(70, 10, 10, 10))[
                                    0
                                ]
                        stage_state = {"sent": "referred", "accepted": "in_progress", "completed": "completed"}.get(
                            state, "planned"
                        )
                        if last:
                            state_of_stage = stage_state
                        sent_at = datetime(sent_day.year, sent_day.month, sent_day.day, 3, tzinfo=UTC)
                        closed = state in ("completed", "declined", "withdrawn")
                        handoffs.append(
                            (
                                next_handoff,
                                case_id,
                                stage_id,
                                office_id,
                                to_office,
                                service,
                                sender,
                                "ขอรับบริการ",
                                '["contact"]',
                                "public_task",
                                state,
                                respond_by,
                                complete_by,
                                sent_at,
                                sent_at if state != "sent" else None,
                                sent_at + timedelta(days=20) if closed else None,
                                "ไม่มีที่ว่าง" if state == "declined" else "",
                                "ย้ายที่อยู่" if state == "withdrawn" else "",
                                "placed" if state == "completed" else "",
                                "",
                                now,
                                now,
                            )
                        )
                        next_handoff += 1
                        added += 1
                        sent_day = min(today, sent_day + timedelta(days=rng.randint(3, 30)))
                    stages.append((stage_id, case_id, domain, "เป้าหมายของขั้นตอน", state_of_stage, sender, now, now))
                if len(handoffs) >= CHUNK:
                    self._copy(stages, handoffs)
                    stages, handoffs = [], []
                    self.stdout.write(f"  {added:,} hand-offs")
        self._copy(stages, handoffs)
        if not added:
            raise CommandError("No case has a domain left without a stage: run seed_demo --people N first.")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('referrals_stage', 'id'), (SELECT MAX(id) FROM referrals_stage))"
            )
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('referrals_handoff', 'id'), (SELECT MAX(id) FROM referrals_handoff))"
            )
            cursor.execute("VACUUM (ANALYZE) referrals_stage")
            cursor.execute("VACUUM (ANALYZE) referrals_handoff")
        return added

    def _copy(self, stages: list[tuple[Any, ...]], handoffs: list[tuple[Any, ...]]) -> None:
        with connection.cursor() as cursor:
            with cursor.copy(
                "COPY referrals_stage (id, case_id, domain, goal, state, created_by_id, created_at, updated_at) FROM STDIN"
            ) as copy:
                for row in stages:
                    copy.write_row(row)
            with cursor.copy(
                "COPY referrals_handoff (id, case_id, stage_id, from_office_id, to_office_id, service, sender_id, request, "
                "shared, legal_basis, state, respond_by, complete_by, sent_at, answered_at, closed_at, decline_reason, "
                "withdraw_reason, outcome, outcome_note, created_at, updated_at) FROM STDIN"
            ) as copy:
                for row in handoffs:
                    copy.write_row(row)

    # --- measuring -----------------------------------------------------------------------------

    def _staff_for(self, office_id: int) -> User:
        user, _ = User.objects.get_or_create(
            username=f"bench-staff-{office_id}", defaults={"role": Role.AGENCY_STAFF, "office_id": office_id}
        )
        return user

    def measure_inbox(self, requests: int, *, explain: bool = False) -> None:
        by_office = list(
            Handoff.objects.values("to_office_id").annotate(n=Count("pk")).order_by("-n").values_list("to_office_id", "n")
        )
        if not by_office:
            raise CommandError("No hand-offs to measure.")
        total = sum(n for _, n in by_office)
        self.stdout.write(f"{total:,} hand-offs in {len(by_office)} receiving offices")
        for label, (office_id, size) in (("busiest office", by_office[0]), ("quietest office", by_office[-1])):
            client = Client()
            client.force_login(self._staff_for(office_id))
            for tab in ("new", "overdue", "accepted", "done"):
                url = f"/inbox/?tab={tab}"
                client.get(url)  # warm the connection and the caches of the ORM
                timings = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                timings.sort()
                p95 = timings[max(0, math.ceil(len(timings) * 0.95) - 1)]
                self.stdout.write(
                    f"inbox {label} ({size:,} hand-offs) tab={tab}: median {statistics.median(timings):.1f} ms, "
                    f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms, {len(queries)} queries"
                )
                if explain and label == "busiest office":
                    self._explain(queries.captured_queries)

    def _explain(self, queries: list[dict[str, str]]) -> None:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(f"      {row[0]}" for row in cursor.fetchall())
            self.stdout.write(f"    {sql[:300]}\n{plan}")

    def measure_escalation(self, *, trace: bool = False) -> None:
        """Run the job twice and report its time and memory: the resident set sampled every 50 ms
        during the run (tracemalloc only with --tracemalloc: it slows every allocation down)."""
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_url = "memory://"
        open_count = Handoff.objects.open().count()
        today = date.today()
        overdue = Handoff.objects.overdue_response(today).count() + Handoff.objects.overdue_completion(today).count()
        self.stdout.write(f"{open_count:,} open hand-offs, {overdue:,} of them past a deadline")
        marks = self.marks_file()
        if not marks.exists():  # the state before the first measured run, for --undo-escalations
            marks.parent.mkdir(parents=True, exist_ok=True)
            marks.write_text(json.dumps({model.__name__: self.last_id(model) for model in UNDONE}))
        for run in ("first run (every breach at once)", "second run (steady state)"):
            before = Escalation.objects.count()
            if trace:
                tracemalloc.start()
            sampler = RssSampler()
            sampler.start()
            started = time.perf_counter()
            created = handoffs_escalate_overdue(today=today)
            elapsed = time.perf_counter() - started
            sampler.stop()
            heap = ""
            if trace:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                heap = f"; Python heap peak {peak / 2**20:.1f} MiB"
            self.stdout.write(
                f"escalation {run}: {len(created):,} escalations over {open_count:,} open hand-offs in {elapsed:.1f} s; "
                f"resident memory {sampler.first / 2**20:.0f} MiB before, peak {sampler.peak / 2**20:.0f} MiB "
                f"(+{(sampler.peak - sampler.first) / 2**20:.0f} MiB){heap}; total escalations {before + len(created):,}"
            )

    @staticmethod
    def marks_file() -> Path:
        return Path(settings.BASE_DIR) / "var" / "bench" / f"escalation-marks-{connection.settings_dict['NAME']}.json"

    @staticmethod
    def last_id(model: type[Model]) -> int:
        return model._default_manager.aggregate(last=Max("pk"))["last"] or 0

    def undo_escalations(self) -> None:
        marks = self.marks_file()
        if not marks.exists():
            raise CommandError(f"No escalation run of this database was measured ({marks} is missing).")
        last = json.loads(marks.read_text())
        ledger = connection.ops.quote_name(TransactionEntry._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {ledger} DISABLE TRIGGER USER")
            for model in UNDONE:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [last[model.__name__]])  # noqa: S608
                self.stdout.write(f"deleted {cursor.rowcount:,} rows of {model._meta.db_table}")
            cursor.execute(f"ALTER TABLE {ledger} ENABLE TRIGGER USER")
        marks.unlink()


# What a measured escalation run writes, deleted by --undo-escalations (the record's tail last-in first).
UNDONE: tuple[type[Model], ...] = (TransactionEntry, Notification, Escalation)


class RssSampler(threading.Thread):
    """The process's resident set size, sampled every 50 ms until stopped (Linux)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.first = self.peak = self.rss()
        self.done = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.rss())

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.peak = max(self.peak, self.rss())
