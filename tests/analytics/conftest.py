"""Shared, expensive fixtures of the risk-model tests: synthetic episodes and a model trained on them once."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.risk.episodes import episodes_from_frame
from analytics.risk.pipeline import train
from analytics.risk.synthetic import make_episodes

COMPAS = Path(__file__).resolve().parents[3] / "shared" / "data" / "compas_two_year.csv"


@pytest.fixture(scope="session")
def synthetic_frame():
    return make_episodes(2500, seed=7)


@pytest.fixture(scope="session")
def logistic_model(synthetic_frame):
    episodes = episodes_from_frame(synthetic_frame, 365)
    return train(episodes, split="time", n_folds=3, seed=0, candidates=("logistic",))


def csv_text(rows: list[dict[str, object]], columns: list[str]) -> str:
    lines = [",".join(columns)]
    lines += [",".join("" if row.get(column) is None else str(row[column]) for column in columns) for row in rows]
    return "\n".join(lines) + "\n"
