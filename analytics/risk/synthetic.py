"""Synthetic release episodes with a known generative model, for tests and examples (not real data).

The true log-odds of reoffending within ``horizon_days`` of release is

    -1.2 - 0.035·(age - 30) + 0.45·log1p(prior convictions) + 0.5·missed appointments
         - 0.8·employed - 0.5·programme completed + 0.3·[offence = drugs]

(sex, region, sentence length and attended appointments have no effect). Outcomes are drawn from it; follow-up
ends at a random date, so some episodes are censored.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

TRUE_EFFECTS = {
    "age_at_release": -0.035,
    "prior_convictions": 0.45,  # per log1p unit
    "missed_appointments_60d": 0.5,
    "employed": -0.8,
    "programme_completed": -0.5,
    "offence_category": 0.3,  # drugs vs other
}


def true_logit(frame: pd.DataFrame) -> np.ndarray:
    return (
        -1.2
        - 0.035 * (frame["age_at_release"].astype(float) - 30)
        + 0.45 * np.log1p(frame["prior_convictions"].astype(float))
        + 0.5 * frame["missed_appointments_60d"].astype(float)
        - 0.8 * frame["employed"].astype(float)
        - 0.5 * frame["programme_completed"].astype(float)
        + 0.3 * (frame["offence_category"] == "drugs")
    ).to_numpy()


def make_episodes(
    n: int = 2000, *, seed: int = 0, horizon_days: int = 365, start: date = date(2018, 1, 1), years: int = 5
) -> pd.DataFrame:
    """An episodes table (the CSV format's columns, dates as ISO strings) drawn from the model above."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age_at_release": rng.integers(18, 70, n),
            "sex": rng.choice(["M", "F"], n, p=[0.85, 0.15]),
            "prior_convictions": rng.poisson(1.5, n),
            "sentence_months": rng.integers(3, 120, n),
            "offence_category": rng.choice(["drugs", "property", "violence", "other"], n, p=[0.5, 0.2, 0.15, 0.15]),
            "release_type": rng.choice(["parole", "sentence_reduction", "end_of_sentence"], n),
            "region": rng.choice(["bangkok", "central", "north", "northeast", "south"], n),
            "missed_appointments_60d": rng.poisson(0.8, n),
            "attended_appointments_60d": rng.poisson(2.0, n),
            "employed": rng.random(n) < 0.45,
            "programme_completed": rng.random(n) < 0.3,
        }
    )
    p = 1 / (1 + np.exp(-true_logit(frame)))
    y = rng.random(n) < p
    released = [start + timedelta(days=int(d)) for d in rng.integers(0, 365 * years, n)]
    data_end = start + timedelta(days=365 * years + horizon_days)
    reoffended: list[str] = []
    followed: list[str] = []
    for i in range(n):
        later = rng.random() < 0.3
        if y[i]:
            when = released[i] + timedelta(days=int(rng.integers(1, horizon_days + 1)))
        elif later:
            when = released[i] + timedelta(days=int(rng.integers(horizon_days + 1, 3 * horizon_days)))
        else:
            when = None
        until = min(data_end, released[i] + timedelta(days=int(rng.integers(horizon_days // 2, 4 * horizon_days))))
        if when is not None and when > data_end:
            when = None
        reoffended.append(when.isoformat() if when else "")
        followed.append(max(until, when or until).isoformat())
    frame.insert(0, "released_on", [d.isoformat() for d in released])
    frame.insert(1, "reoffended_on", reoffended)
    frame.insert(2, "followed_until", followed)
    frame["employed"] = frame["employed"].map({True: "yes", False: "no"})
    frame["programme_completed"] = frame["programme_completed"].astype(int)
    return frame
