from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from rehab.core.diagrams import state_machines_page


class Command(BaseCommand):
    help = "Write docs/state-machines.md: the state diagrams generated from the code."

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(settings.BASE_DIR) / "docs" / "state-machines.md"
        target.write_text(state_machines_page(), encoding="utf-8")
        self.stdout.write(f"wrote {target}")
