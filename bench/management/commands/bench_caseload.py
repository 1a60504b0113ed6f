"""``manage.py bench_caseload``: the server time of the caseload page, and its SQL queries.

    manage.py bench_caseload                         # the demo officer, 200 requests a variant
    manage.py bench_caseload --user officer2 --requests 500
    manage.py bench_caseload --explain               # also EXPLAIN ANALYZE every query (PostgreSQL)

Requests go through Django's test client (the whole stack: middleware, view, template), with
DEBUG off. Everything runs in one transaction that is rolled back at the end, so the audit
events of the search variant and the login session are not kept. Timings are reported, never
asserted: see docs/benchmarks.md.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rehab.cases.models import Case, CaseState
from rehab.cases.selectors import caseload
from rehab.reference.models import User

VARIANTS = ("plain", "page2", "search", "state", "sort")


@dataclass
class Measure:
    variant: str
    url: str
    requests: int
    cases_listed: int
    median_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    query_counts_seen: list[int]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = "Measure the server time (median, p95) and SQL queries of the caseload page for one user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="officer", help="User name to log in as (default: officer).")
        parser.add_argument("--requests", type=int, default=200, help="Measured requests per variant (default 200).")
        parser.add_argument("--warmup", type=int, default=10, help="Unmeasured requests first (default 10).")
        parser.add_argument(
            "--variants",
            default=",".join(VARIANTS),
            help=f"Comma-separated, among: {', '.join(VARIANTS)} (default: all).",
        )
        parser.add_argument("--sql", action="store_true", help="Print the SQL of one request of each variant.")
        parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each query of each variant (PostgreSQL).")
        parser.add_argument("--json", action="store_true", help="Print the results as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}: seed the database first (manage.py seed_demo).")
        variants = [v.strip() for v in options["variants"].split(",") if v.strip()]
        unknown = set(variants) - set(VARIANTS)
        if unknown:
            raise CommandError(f"Unknown variants: {', '.join(sorted(unknown))}")
        visible = Case.objects.visible_to(user)
        cases = visible.count()
        word = visible.order_by("-release_date", "-id").values_list("person__last_name_th", flat=True).first() or "ใจดี"
        base = reverse("cases:caseload")
        params: dict[str, dict[str, Any]] = {
            "plain": {},
            "page2": {"page": 2},
            "search": {"q": word},
            "state": {"state": CaseState.ACTIVE},
            "sort": {"sort": "last_contact"},
        }
        results = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts), transaction.atomic():
            client = Client()
            client.force_login(user)
            for variant in variants:
                query = params[variant]
                url = f"{base}?{urlencode(query)}" if query else base
                listed = caseload(user=user, query=query.get("q", ""), state=query.get("state", "")).count()
                results.append(self.measure(client, variant, url, listed, options))
            transaction.set_rollback(True)

        if options["json"]:
            payload = {
                "database": connection.vendor,
                "user": user.username,
                "cases_visible": cases,
                "page_size": settings.CASELOAD_PAGE_SIZE,
                "results": [asdict(r) for r in results],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{connection.vendor}, user {user.username} ({user.get_role_display()}), {cases:,} cases visible, "
            f"{options['requests']} requests a variant"
        )
        self.stdout.write(f"{'variant':<8} {'listed':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8}  url")
        for r in results:
            timing = f"{r.median_ms:>10.1f} {r.p95_ms:>8.1f} {r.max_ms:>8.1f}"
            self.stdout.write(f"{r.variant:<8} {r.cases_listed:>7,} {timing} {r.queries:>8}  {r.url}")

    def measure(self, client: Client, variant: str, url: str, listed: int, options: dict[str, Any]) -> Measure:
        for _ in range(options["warmup"]):
            self.get(client, url)
        counts = []
        captured: list[dict[str, Any]] = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as context:
                self.get(client, url)
            counts.append(len(context.captured_queries))
            captured = context.captured_queries
        timings = []
        for _ in range(options["requests"]):
            started = time.perf_counter()
            self.get(client, url)
            timings.append((time.perf_counter() - started) * 1000)
        if options["sql"] or options["explain"]:
            self.stdout.write(f"--- {variant}: {url}")
            for number, query in enumerate(captured, 1):
                self.stdout.write(f"[{number}] ({float(query['time']) * 1000:.2f} ms) {query['sql']}")
                if (
                    options["explain"]
                    and connection.vendor == "postgresql"
                    and query["sql"].lstrip().upper().startswith("SELECT")
                ):
                    with connection.cursor() as cursor:
                        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                        for (line,) in cursor.fetchall():
                            self.stdout.write(f"      {line}")
        return Measure(
            variant=variant,
            url=url,
            requests=len(timings),
            cases_listed=listed,
            median_ms=round(statistics.median(timings), 2),
            p95_ms=round(percentile(timings, 0.95), 2),
            max_ms=round(max(timings), 2),
            queries=counts[-1],
            query_counts_seen=sorted(set(counts)),
        )

    @staticmethod
    def get(client: Client, url: str) -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        return response
