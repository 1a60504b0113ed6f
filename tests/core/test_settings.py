"""Settings come from the environment and are checked at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "x7Qp9LmZ2vR8sT4wY6uB1nC5dF0gH3jK" * 2


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = run_manage(
        "check", DJANGO_ENV="production", ALLOWED_HOSTS="kkd.example.go.th", DATABASE_URL="postgres://postgres@127.0.0.1:5432/kkd"
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage(
        "check", DJANGO_ENV="production", SECRET_KEY=GOOD_KEY, DATABASE_URL="postgres://postgres@127.0.0.1:5432/kkd"
    )
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_the_deploy_check_passes_with_real_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="kkd.example.go.th",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kkd",
    )
    assert result.returncode == 0, result.stderr


def test_a_bad_value_names_the_variable():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be true or false" in result.stderr


def test_a_secret_may_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(GOOD_KEY + "\n")
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY_FILE=str(secret),
        ALLOWED_HOSTS="kkd.example.go.th",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kkd",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("url", ["sqlite:///x.sqlite3"])
def test_production_refuses_sqlite(url):
    result = run_manage(
        "check", DJANGO_ENV="production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="kkd.example.go.th", DATABASE_URL=url
    )
    assert result.returncode != 0 and "PostgreSQL" in result.stderr


def test_the_newcomers_default_migrates_and_seeds_on_sqlite(tmp_path):
    """`make run` works on a fresh clone: SQLite, no broker. PostgreSQL-only features must not break it."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEMO_PASSWORD": "a-demo-password-1"}
    migrated = run_manage("migrate", "--noinput", **env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    assert run_manage("setup_periodic_tasks", **env).returncode == 0
    seeded = run_manage("seed_demo", "--people", "150", **env)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    assert "officer" in seeded.stdout
