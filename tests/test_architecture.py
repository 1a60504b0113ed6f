"""The architecture, checked: the apps build on one another in layers (the import-linter contract in
pyproject.toml), no module imports another's private names, and the apps talk through events and
extension points rather than by calling up the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rehab", "analytics", "programs", "employment", "bench", "tests")


def _python_files() -> list[Path]:
    return [path for package in PACKAGES for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts]


def test_the_layers_contract_is_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    configuration.configure()  # what the lint-imports command does first
    kept = lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept, capsys.readouterr().out


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
                offenders += [
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert offenders == []


def test_the_core_of_the_domain_names_no_app_above_it():
    """Not even in a string: the cases app knows nothing of referrals, analytics, programmes or employment
    (they add to it through rehab.cases.extensions and its events)."""
    above = ("referrals", "analytics", "programs", "employment", "rehab.demo", "bench")
    offenders = []
    for package in ("core", "reference", "audit", "notifications", "cases"):
        for path in (ROOT / "rehab" / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                code = line.split("#", 1)[0]
                if any(f"import {name}" in code or f"from {name}" in code or f'"{name}.' in code for name in above):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("app", ["core", "reference", "audit", "notifications", "cases", "referrals"])
def test_each_app_has_the_same_inner_shape(app):
    folder = ROOT / "rehab" / app
    present = {path.stem for path in folder.iterdir()} | {path.name for path in folder.iterdir() if path.is_dir()}
    # What each app has reason to have: reference data is kept in the admin (no services of its own), a
    # notification is only ever its own user's (no rules), core has no models.
    expected = {
        "core": {"apps", "errors", "events", "http", "machines", "schedule"},
        "reference": {"apps", "models", "selectors", "admin", "rules"},
        "audit": {"apps", "models", "services", "selectors", "views", "urls", "admin", "rules"},
        "notifications": {"apps", "models", "services", "selectors", "views", "urls", "admin"},
        "cases": {"apps", "models", "services", "selectors", "views", "forms", "urls", "tasks", "admin", "rules", "events"},
        "referrals": {"apps", "models", "services", "selectors", "views", "forms", "urls", "tasks", "admin", "rules", "events"},
    }[app]
    assert expected <= present, sorted(expected - present)


def test_the_apps_are_installed_in_the_order_of_their_layers():
    from django.conf import settings

    ours = [app for app in settings.INSTALLED_APPS if app.split(".")[0] in PACKAGES]
    assert ours[: ours.index("analytics") + 1] == [
        "rehab.core",
        "rehab.reference",
        "rehab.audit",
        "rehab.notifications",
        "rehab.cases",
        "rehab.referrals",
        "programs",
        "employment",
        "analytics",
    ]
