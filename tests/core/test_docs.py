from __future__ import annotations

from pathlib import Path

from rehab.core.diagrams import state_machines_page

ROOT = Path(__file__).resolve().parents[2]


def test_the_state_diagrams_in_the_docs_match_the_code():
    committed = (ROOT / "docs" / "state-machines.md").read_text(encoding="utf-8")
    assert committed == state_machines_page(), "run `python manage.py state_diagrams` and commit docs/state-machines.md"
