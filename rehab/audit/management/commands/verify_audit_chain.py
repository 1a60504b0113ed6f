from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from rehab.audit.ledger import ledger_verify


class Command(BaseCommand):
    help = "Verify the hash chain and signatures of the transaction record; report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {report.checked} entries verified, the chain is intact."))
            return
        self.stderr.write(
            self.style.ERROR(
                f"BROKEN: entry {report.broken_at} fails: {report.problem}. {report.checked} entries before it verified."
            )
        )
        sys.exit(1)
