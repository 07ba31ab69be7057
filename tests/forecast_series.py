"""Synthetic daily topic volumes with known patterns, shared by the forecast and alert tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WEEKLY_SHAPE = np.array([1.2, 1.1, 1.0, 1.0, 1.1, 0.8, 0.8])  # Monday first


def poisson_series(days: pd.DatetimeIndex, level: float, rng: np.random.Generator) -> np.ndarray:
    """Counts around ``level`` a day with a weekday/weekend pattern."""
    return rng.poisson(level * WEEKLY_SHAPE[days.day_of_week]).astype(float)


@dataclass(frozen=True)
class Planted:
    volumes: pd.DataFrame
    emerging: str
    fading: str
    surge: tuple[str, pd.Timestamp]


def planted_volumes(*, n_topics: int = 10, n_days: int = 120, seed: int = 3) -> Planted:
    """Topics at steady levels, plus one emerging in the last two weeks, one fading since day 85,
    and a one-day surge eight days before the end."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-01-01", periods=n_days, freq="D")
    step = np.arange(n_days)
    rows = []
    surge_day = days[n_days - 8]
    for k in range(n_topics):
        key = f"t{k:04d}"
        if k == 0:
            y = rng.poisson(np.where(step < n_days - 15, 0.0, 3.0 * (step - (n_days - 16)))).astype(float)
        elif k == 1:
            decay = 25 * np.exp(-(step - 85) / 6)
            y = np.where(step < 85, poisson_series(days, 25, rng), rng.poisson(np.clip(decay, 0, None)))
        else:
            y = poisson_series(days, rng.uniform(8, 40), rng)
            if k == 2:
                y[n_days - 8] += 60
        rows.append(pd.DataFrame({"topic_key": key, "ds": days, "y": y}))
    return Planted(pd.concat(rows, ignore_index=True), emerging="t0000", fading="t0001", surge=("t0002", surge_day))


def series(volumes: pd.DataFrame, key: str) -> pd.DataFrame:
    return volumes.loc[volumes["topic_key"] == key, ["ds", "y"]].reset_index(drop=True)
