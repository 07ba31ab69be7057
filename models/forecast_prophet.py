"""Prophet with Vietnamese holidays: the product's holiday-aware forecast candidate.

Prophet is the slowest candidate by far (a Stan fit per fold), and away from holidays it has no
edge over ETS or Theta (M4 daily and weekly), so with ``prophet="auto"`` it is backtested only
where it can win: the history holds a Tết that visibly moved the topic's volume, for it to learn
from, and a Tết falls in a backtest fold or the served horizon (``can_win``).

Non-negative counts: by default Prophet models the counts as they are (linear trend, additive
seasonality and holidays) and the forecast and its bounds are clipped at zero. ``log_transform``
fits ``log1p(y)`` instead and maps back with ``expm1``: it keeps counts positive by construction
and makes weekly swings proportional to the level, but its trend extrapolates exponentially. On
the real Dân Trí series the log fit lost badly where volume stepped up (mean MASE 1.13 against
0.73 for plain counts, bench/RESULTS.md), so the default is clipping.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

_TET = "Lunar New Year"
_TET_WINDOW = 7
_YEARLY_MIN_DAYS = 2 * 365
_STEP = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1)}
_AROUND = {"D": pd.Timedelta(days=21), "W": pd.Timedelta(weeks=4)}


def vietnam_holidays(years: range | list[int], *, freq: str = "D") -> pd.DataFrame:
    """Vietnamese public holidays as a Prophet holidays frame, with Tết given a ±7-day window.

    The ``holidays`` package names each day of the Tết break separately ("Lunar New Year's Eve",
    "Second Day of Lunar New Year", ...); they are folded into one ``tet`` holiday centred on the
    first day, because comment volume moves for the whole week around it, not day by day. Other
    names are stripped of their parenthesised part so that "Day off (substituted from ...)" and
    "... (observed)" share one effect across years. For weekly series (``freq="W"``, weeks labelled
    by their Monday) only Tết is kept, its window widened six days back so that every week it
    touches is hit: a one-day holiday barely moves a week's total, and each holiday offset is one
    more regressor that a year of 52 points cannot support (fits took five times longer).
    """
    import holidays as holidays_pkg

    if freq not in _STEP:
        raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
    calendar = holidays_pkg.country_holidays("VN", years=list(years), language="en_US")
    rows = []
    for day, name in sorted(calendar.items()):
        if name == _TET:
            rows.append(("tet", day, -_TET_WINDOW, _TET_WINDOW))
        elif _TET not in name:
            rows.append((name.split(" (")[0].strip(), day, 0, 0))
    frame = pd.DataFrame(rows, columns=["holiday", "ds", "lower_window", "upper_window"])
    frame["ds"] = pd.to_datetime(frame["ds"])
    if freq == "W":
        frame = frame[frame["holiday"] == "tet"].reset_index(drop=True)
        frame["lower_window"] -= 6
    return frame


def tet_days(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Every day from ``start`` to ``end`` inside a Tết window."""
    frame = vietnam_holidays(range(start.year, end.year + 1), freq=freq)
    frame = frame[frame["holiday"] == "tet"]
    days = [
        day
        for ds, low, high in zip(frame["ds"], frame["lower_window"], frame["upper_window"])
        for day in pd.date_range(ds + pd.Timedelta(days=int(low)), ds + pd.Timedelta(days=int(high)), freq="D")
    ]
    index = pd.DatetimeIndex(sorted(set(days)))
    return index[(index >= start) & (index <= end)]


def can_win(history: pd.DataFrame, judged: list[tuple[pd.Timestamp, pd.Timestamp]], freq: str, min_effect: float) -> bool:
    """Whether Prophet's holidays can matter: a Tết inside the history (before the earliest judged
    window) that moved the volume by ``min_effect`` or more (``tet_effect``), to learn from, and a
    Tết touching a judged window (a fold or the served horizon).

    Only Tết counts: it moves volume for two weeks, while a one-day holiday barely changes a
    month's error, too little to pay for a Stan fit per fold. And a Tết that left no mark on the
    history teaches Prophet nothing that ETS or Theta lack: fitting it there is most of a run's
    time for nothing (bench/RESULTS.md, "Speed")."""
    ds = history["ds"]
    first_judged = min(start for start, _ in judged)
    last = max(end for _, end in judged)
    days = tet_days(ds.iloc[0], last + _STEP[freq], freq)
    if not len(days):
        return False
    learnable = bool(((days >= ds.iloc[0]) & (days < first_judged)).any())
    hit = any(((days >= start) & (days < end + _STEP[freq])).any() for start, end in judged)
    return learnable and hit and tet_effect(history, first_judged, freq) >= min_effect


def tet_effect(history: pd.DataFrame, before: pd.Timestamp, freq: str) -> float:
    """The largest relative change of volume over a Tết window of the history before ``before``,
    against the steps around it (``_AROUND`` each side): |window total / expected - 1|, counted
    only where it exceeds two Poisson standard errors of the expected total (else 0), so that
    noise on a small topic is not taken for a holiday effect."""
    frame = history[history["ds"] < before]
    if frame.empty:
        return 0.0
    ds, y = frame["ds"], frame["y"].to_numpy(float)
    days = tet_days(ds.iloc[0], ds.iloc[-1], freq)
    largest = 0.0
    for year in sorted(set(days.year)):
        window = ds.isin(days[days.year == year]).to_numpy()
        first, last = ds[window].iloc[0], ds[window].iloc[-1]
        around = ((ds >= first - _AROUND[freq]) & (ds <= last + _AROUND[freq])).to_numpy() & ~window
        if not around.any():
            continue
        expected = float(y[around].mean()) * int(window.sum())
        if expected <= 0:
            continue
        effect = abs(float(y[window].sum()) / expected - 1)
        if effect > 2 / np.sqrt(expected):
            largest = max(largest, effect)
    return largest


@contextmanager
def quiet_prophet() -> Iterator[None]:
    """Keep cmdstanpy's per-chain INFO lines and Prophet's notices out of the log, only inside.

    cmdstanpy sets up its logger (level DEBUG, own handler when nothing is configured) on first
    use, so that happens first here, and the level raised after it is restored on the way out.
    """
    from cmdstanpy.utils import get_logger

    loggers = [get_logger(), logging.getLogger("prophet")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        with warnings.catch_warnings():
            # Prophet 1.5 still calls pandas with inplace=True, deprecated in pandas 3.1: not ours to fix.
            for category in (DeprecationWarning, FutureWarning):
                warnings.filterwarnings("ignore", category=category, module=r"prophet(\.|$)")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def prophet_forecast(train: pd.DataFrame, future: pd.DataFrame, freq: str, params: Any) -> pd.DataFrame:
    """Fit Prophet on ``train`` (ds, y) and forecast the dates of ``future``: yhat, lower, upper."""
    from prophet import Prophet

    span_days = (train["ds"].iloc[-1] - train["ds"].iloc[0]).days
    holidays = None
    if params.holidays:
        last = future["ds"].iloc[-1]
        holidays = vietnam_holidays(range(train["ds"].iloc[0].year, last.year + 1), freq=freq)
    model = Prophet(
        growth="linear",
        yearly_seasonality=span_days >= _YEARLY_MIN_DAYS,
        weekly_seasonality=freq == "D",
        daily_seasonality=False,
        holidays=holidays,
        interval_width=params.interval_width,
        uncertainty_samples=params.uncertainty_samples,
        changepoint_prior_scale=params.changepoint_prior_scale,
    )
    fitted = train.assign(y=np.log1p(train["y"])) if params.log_transform else train
    with quiet_prophet():
        model.fit(fitted)
    with quiet_prophet(), _seeded_numpy(params.random_seed):
        raw = model.predict(future[["ds"]])
    back = {}
    for name, column in (("yhat", "yhat"), ("lower", "yhat_lower"), ("upper", "yhat_upper")):
        values = raw[column].to_numpy()
        back[name] = np.clip(np.expm1(values) if params.log_transform else values, 0, None)
    return pd.DataFrame(back)


@contextmanager
def _seeded_numpy(seed: int | None) -> Iterator[None]:
    """Prophet draws its interval samples from numpy's global generator: seed it for the call only,
    and give the caller back the state it had."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)
