"""The statistical forecast candidates: seasonal naive, and statsforecast's (Nixtla) models.

Dense series (comments on most days) get AutoETS, Dynamic Optimized Theta and, with four seasons
of history, MSTL; sparse series (comments on fewer than ``sparse_share`` of the steps) get the
intermittent-demand models instead, Croston (optimised) and ADIDA, which forecast a rate rather
than chasing each isolated count. Seasonal naive is always there: it is the guard rail.

Why these: on M4 daily and weekly, ETS and Theta beat Prophet by a wide margin and their
ensemble matches far larger models (Nixtla's statistical-ensemble benchmark); each fits in
milliseconds through statsforecast's compiled cores. AutoETS searches only ``ets_model``
("ZNA" by default: error type chosen, no trend, additive season): the trend models cost five
times as much per fit and the trend is covered by Theta's drift and MSTL's trend model.

Intervals: ETS, Theta and MSTL give their own at ``interval_width``; Croston and ADIDA give none,
so theirs are Poisson quantiles around the rate, the natural spread of a count. Everything is
clipped at zero: these are counts.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

SEASONAL_NAIVE = "seasonal_naive"
AUTO_ETS = "auto_ets"
THETA = "theta"
MSTL = "mstl"
CROSTON = "croston"
ADIDA = "adida"
PROPHET = "prophet"
COMBINATION = "combination"

DENSE = (AUTO_ETS, THETA, MSTL)
INTERMITTENT = (CROSTON, ADIDA)
STATISTICAL = DENSE + INTERMITTENT
_YEAR_DAYS = 365


def seasonal_periods(freq: str, n: int) -> list[int]:
    """Seasonal periods a series of ``n`` steps supports: weekly for daily data, plus yearly with
    two years; for weekly data, yearly with two years, else none."""
    if freq == "D":
        return [7, _YEAR_DAYS] if n >= 2 * _YEAR_DAYS else [7]
    return [52] if n >= 104 else []


def is_sparse(y: np.ndarray, params: Any) -> bool:
    return float(np.mean(np.asarray(y) > 0)) < params.sparse_share


def candidates_for(y: np.ndarray, periods: list[int], params: Any) -> list[str]:
    """Statistical candidates for a training series (seasonal naive comes on top of these)."""
    if is_sparse(y, params):
        return list(INTERMITTENT)
    season = periods[0] if periods else 1
    names = [AUTO_ETS, THETA]
    if periods and len(y) >= 4 * season:
        names.append(MSTL)
    return names


def seasonal_naive(y: np.ndarray, horizon: int, season: int, interval_width: float) -> pd.DataFrame:
    """Repeat the last season of ``y``; the interval widens with each further season ahead.

    The spread comes from the history's own seasonal differences (y[t] - y[t - season]), as in
    Hyndman & Athanasopoulos (FPP3, 5.5); counts below zero are clipped.
    """
    y = np.asarray(y, dtype=float)
    if len(y) < season:
        raise ValueError(f"seasonal naive needs at least {season} points, got {len(y)}")
    steps = np.arange(horizon)
    yhat = y[len(y) - season + steps % season]
    diffs = y[season:] - y[:-season]
    sigma = float(np.std(diffs)) if len(diffs) > 1 else float(np.std(y))
    z = NormalDist().inv_cdf(0.5 + interval_width / 2)
    spread = z * sigma * np.sqrt(steps // season + 1)
    return pd.DataFrame({"yhat": yhat, "lower": np.clip(yhat - spread, 0, None), "upper": yhat + spread})


def statistical_forecast(name: str, y: np.ndarray, horizon: int, periods: list[int], params: Any) -> pd.DataFrame:
    """Fit candidate ``name`` on ``y`` and forecast ``horizon`` steps: yhat, lower, upper."""
    y = np.asarray(y, dtype=float)
    level = round(100 * params.interval_width, 6)
    level = int(level) if level.is_integer() else level  # statsforecast names the columns lo-80, not lo-80.0
    model = _model(name, periods, params)
    if name in INTERMITTENT:
        yhat = np.clip(model.forecast(y=y, h=horizon)["mean"], 0, None)
        lower, upper = _poisson_interval(yhat, params.interval_width)
        return pd.DataFrame({"yhat": yhat, "lower": lower, "upper": upper})
    out = model.forecast(y=y, h=horizon, level=[level])
    return pd.DataFrame({
        "yhat": np.clip(out["mean"], 0, None),
        "lower": np.clip(out[f"lo-{level}"], 0, None),
        "upper": np.clip(out[f"hi-{level}"], 0, None),
    })


def _model(name: str, periods: list[int], params: Any):
    from statsforecast import models

    season = periods[0] if periods else 1
    if name == AUTO_ETS:
        spec = params.ets_model if season > 1 else params.ets_model[:2] + "N"
        return models.AutoETS(season_length=season, model=spec)
    if name == THETA:
        return models.DynamicOptimizedTheta(season_length=season)
    if name == MSTL:
        return models.MSTL(season_length=periods, trend_forecaster=models.AutoETS(model="ZZN"))
    if name == CROSTON:
        return models.CrostonOptimized()
    if name == ADIDA:
        return models.ADIDA()
    raise ValueError(f"unknown forecast candidate {name!r}")


def _poisson_interval(rate: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy.stats import poisson

    tail = (1 - width) / 2
    safe = np.maximum(rate, 1e-9)
    return poisson.ppf(tail, safe).astype(float), poisson.ppf(1 - tail, safe).astype(float)
