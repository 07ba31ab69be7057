"""Per-topic volume forecasts: Prophet with Vietnamese holidays, a seasonal-naive baseline, and a
rolling-origin backtest that measures both on the same folds and keeps whichever forecasts better.

Published comparisons (M4 daily and weekly) show Prophet losing to simple models on many series,
so the choice is measured per topic, never assumed.

Non-negative counts: by default Prophet models the counts as they are (linear trend, additive
seasonality and holidays) and the forecast and its bounds are clipped at zero. ``log_transform``
fits ``log1p(y)`` instead and maps back with ``expm1``: it keeps counts positive by construction
and makes weekly swings proportional to the level, but its trend extrapolates exponentially. We
measured both on the same backtest folds (bench/RESULTS.md, "Forecast"): on the real Dân Trí
series the log fit lost badly where volume stepped up (mean MASE 1.13 against 0.73 for plain
counts), on the synthetic demo data it won slightly (0.84 against 0.89). Real data decides, so
the default is clipping. A logistic trend was not an option: it needs a capacity per topic.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

PROPHET = "prophet"
SEASONAL_NAIVE = "seasonal_naive"

# What each frequency means for the defaults: step, seasonal period, horizons, minimum history.
_FREQ = {
    "D": {"step": pd.Timedelta(days=1), "season": 7, "horizon": 30, "backtest_horizon": 7, "min_history": 28},
    "W": {"step": pd.Timedelta(weeks=1), "season": 1, "horizon": 8, "backtest_horizon": 4, "min_history": 16},
}
_YEARLY_MIN_DAYS = 2 * 365
_TET = "Lunar New Year"
_TET_WINDOW = 7


@dataclass(frozen=True)
class BacktestScore:
    """A model's accuracy over the rolling-origin folds; ``mase`` is None for a constant series."""

    model: str
    mae: float
    smape: float
    mase: float | None
    folds: int

    def as_dict(self) -> dict:
        return asdict(self)


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

    if freq not in _FREQ:
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


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(actual, float) - np.asarray(predicted, float))))


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in percent (0-200); a step where both are zero counts as a perfect 0."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    denom = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2 * np.abs(actual - predicted), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * np.mean(ratio))


def naive_scale(train: np.ndarray, season: int) -> float | None:
    """MASE's denominator: the in-sample MAE of the seasonal-naive forecast; None when it is 0."""
    train = np.asarray(train, float)
    if len(train) <= season:
        return None
    scale = float(np.mean(np.abs(train[season:] - train[:-season])))
    return scale if scale > 0 else None


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


class TopicForecaster:
    """Forecast one topic's comment volume, choosing Prophet or seasonal naive by backtest.

    Parameters
    ----------
    freq: ``"D"`` (daily series, weekly seasonality, seasonal naive repeats the last 7 days) or
        ``"W"`` (weekly series labelled by the week's first day; seasonal naive repeats last week,
        or the same week last year once there are two years).
    horizon: steps to forecast after the last observation; None means 30 days or 8 weeks.
    interval_width: probability mass of the uncertainty interval, in (0, 1). Default 0.8.
    uncertainty_samples: Prophet's simulated draws for the interval. Prophet's default of 1000
        makes predict cost more than fit; 200 gives bounds stable to a few percent. 0 is refused
        here because alerts need the interval.
    backtest_folds: rolling-origin folds, each ``backtest_horizon`` steps long, laid back to back
        ending at the last observation, so the folds together forecast the most recent
        ``backtest_folds * backtest_horizon`` steps, each from data before it. Default 3.
    backtest_horizon: steps per fold; None means 7 days or 4 weeks.
    min_history: Prophet is considered only with at least this many steps before the first fold;
        None means 28 days or 16 weeks. Shorter series get seasonal naive, with the reason stored.
    min_nonzero_share: Prophet is considered only when at least this share of steps has comments;
        sparser series get seasonal naive. Default 0.3.
    holidays: model Vietnamese public holidays and Tết (see ``vietnam_holidays``). Default True.
    changepoint_prior_scale: Prophet's trend flexibility. Default 0.05 (Prophet's own).
    log_transform: fit Prophet on log1p(counts) rather than the counts (see the module notes).
        Default False.
    random_seed: seed for the draws behind Prophet's interval, so the same series always gets the
        same bounds (and the same alerts); None leaves the draws to numpy's global state. Default 0.
    model: ``"auto"`` (the backtest winner), or ``"prophet"`` / ``"seasonal_naive"`` to publish that
        model whatever the backtest says (both are still scored; a series too short or sparse for
        Prophet still gets seasonal naive). Default ``"auto"``.

    Fitted attributes (None until ``fit``): ``history`` (the validated series), ``chosen_model``
    (``"prophet"`` or ``"seasonal_naive"``), ``reason`` (why that model, in words), ``scores``
    (``{model: BacktestScore}``, empty when the series is too short to backtest) and ``asof``
    (the chosen model's backtest forecasts: ds, yhat, lower, upper, cutoff — each point forecast
    from data before it, which is what surge detection compares actual volume against).
    """

    def __init__(
        self,
        *,
        freq: str = "D",
        horizon: int | None = None,
        interval_width: float = 0.8,
        uncertainty_samples: int = 200,
        backtest_folds: int = 3,
        backtest_horizon: int | None = None,
        min_history: int | None = None,
        min_nonzero_share: float = 0.3,
        holidays: bool = True,
        changepoint_prior_scale: float = 0.05,
        log_transform: bool = False,
        model: str = "auto",
        random_seed: int | None = 0,
    ) -> None:
        if freq not in _FREQ:
            raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
        defaults = _FREQ[freq]
        self.freq = freq
        self.horizon = defaults["horizon"] if horizon is None else horizon
        self.interval_width = interval_width
        self.uncertainty_samples = uncertainty_samples
        self.backtest_folds = backtest_folds
        self.backtest_horizon = defaults["backtest_horizon"] if backtest_horizon is None else backtest_horizon
        self.min_history = defaults["min_history"] if min_history is None else min_history
        self.min_nonzero_share = min_nonzero_share
        self.holidays = holidays
        self.changepoint_prior_scale = changepoint_prior_scale
        self.log_transform = log_transform
        self.model = model
        self.random_seed = random_seed
        self.validate_settings()

        self.history: pd.DataFrame | None = None
        self.chosen_model: str | None = None
        self.reason: str | None = None
        self.scores: dict[str, BacktestScore] | None = None
        self.asof: pd.DataFrame | None = None
        self._prophet = None

    def validate_settings(self) -> None:
        if self.model not in ("auto", PROPHET, SEASONAL_NAIVE):
            raise ValueError(f"model must be 'auto', 'prophet' or 'seasonal_naive', got {self.model!r}")
        if self.horizon < 1:
            raise ValueError(f"horizon must be at least 1, got {self.horizon}")
        if not 0 < self.interval_width < 1:
            raise ValueError(f"interval_width must be between 0 and 1, got {self.interval_width}")
        if self.uncertainty_samples < 1:
            raise ValueError("uncertainty_samples must be at least 1: alerts need the interval")
        if self.backtest_folds < 1 or self.backtest_horizon < 1:
            raise ValueError("backtest_folds and backtest_horizon must be at least 1")
        if self.min_history < 2 * _FREQ[self.freq]["season"]:
            raise ValueError(f"min_history must cover two seasons, at least {2 * _FREQ[self.freq]['season']}")
        if not 0 <= self.min_nonzero_share <= 1:
            raise ValueError(f"min_nonzero_share must be between 0 and 1, got {self.min_nonzero_share}")

    def config(self) -> dict:
        """The settings, as plain values: part of the series fingerprint, so a change forces a refit."""
        return {
            "freq": self.freq,
            "horizon": self.horizon,
            "interval_width": self.interval_width,
            "uncertainty_samples": self.uncertainty_samples,
            "backtest_folds": self.backtest_folds,
            "backtest_horizon": self.backtest_horizon,
            "min_history": self.min_history,
            "min_nonzero_share": self.min_nonzero_share,
            "holidays": self.holidays,
            "changepoint_prior_scale": self.changepoint_prior_scale,
            "log_transform": self.log_transform,
            "model": self.model,
            "random_seed": self.random_seed,
        }

    def validate_inputs(self, series: pd.DataFrame) -> pd.DataFrame:
        """The series as float counts on a regular grid, or a ValueError saying what is wrong."""
        if not isinstance(series, pd.DataFrame) or not {"ds", "y"} <= set(series.columns):
            raise ValueError("series must be a DataFrame with columns ds and y")
        if series.empty:
            raise ValueError("series is empty")
        if series["ds"].isna().any():
            raise ValueError("Found NaN in column ds.")
        ds = pd.to_datetime(series["ds"])
        if getattr(ds.dt, "tz", None) is not None:
            raise ValueError("Column ds has a time zone; pass local dates without one.")
        y = pd.to_numeric(series["y"], errors="coerce").astype(float)
        if not np.isfinite(y).all():
            raise ValueError("Found NaN or infinity in column y.")
        if (y < 0).any():
            raise ValueError("Found negative counts in column y.")
        frame = pd.DataFrame({"ds": ds.dt.normalize(), "y": y.to_numpy()}).sort_values("ds", ignore_index=True)
        if frame["ds"].duplicated().any():
            raise ValueError("Found duplicate dates in column ds.")
        gaps = frame["ds"].diff().dropna()
        if (gaps != _FREQ[self.freq]["step"]).any():
            unit = "day" if self.freq == "D" else "week"
            raise ValueError(f"Column ds must be consecutive, one row a {unit}; zero-fill the missing steps.")
        return frame

    @property
    def season(self) -> int:
        """Seasonal period in steps: 7 for daily; 52 for weekly with two years of history, else 1."""
        if self.freq == "W" and self.history is not None and len(self.history) >= 104:
            return 52
        return _FREQ[self.freq]["season"]

    def fit(self, series: pd.DataFrame) -> TopicForecaster:
        """Backtest both models, choose by MASE, and fit the chosen one on the whole series."""
        history = self.validate_inputs(series)
        if len(history) < _FREQ[self.freq]["season"]:
            raise ValueError(f"series has {len(history)} points; even seasonal naive needs {_FREQ[self.freq]['season']}")
        self.history = history
        y = history["y"].to_numpy()
        folds = self._fold_cutoffs(len(y))
        nonzero = float(np.mean(y > 0))
        self.scores = {}
        self._prophet = None
        if not folds:
            self._choose_naive(
                f"history of {len(y)} steps is too short to backtest Prophet "
                f"(needs {self.min_history + self.backtest_horizon})"
            )
            return self
        if nonzero < self.min_nonzero_share:
            self._choose_naive(
                f"too sparse for Prophet: {nonzero:.0%} of steps have comments (needs {self.min_nonzero_share:.0%})"
            )
            return self
        naive_runs = [self._naive_fold(y, cutoff) for cutoff in folds]
        self.scores[SEASONAL_NAIVE] = self._score(SEASONAL_NAIVE, y, folds, naive_runs)
        try:
            prophet_runs = [self._prophet_fold(cutoff) for cutoff in folds]
            self.scores[PROPHET] = self._score(PROPHET, y, folds, prophet_runs)
            prophet_won = _better(self.scores[PROPHET], self.scores[SEASONAL_NAIVE])
            published = self.model == PROPHET or (self.model == "auto" and prophet_won)
            if published:
                self._prophet = self._fit_prophet(self.history)
        except (RuntimeError, ValueError) as exc:
            log.warning("Prophet failed, using seasonal naive: %s", exc)
            self._choose_naive(f"Prophet failed: {exc}", naive_runs, folds)
            return self
        comparison = _compare(self.scores[PROPHET], self.scores[SEASONAL_NAIVE])
        winner = "Prophet beat seasonal naive" if prophet_won else "seasonal naive beat or matched Prophet"
        pinned = "" if self.model == "auto" else f"model={self.model!r} was asked for; "
        if published:
            self.chosen_model = PROPHET
            self.asof = self._asof_frame(prophet_runs, folds)
            self.reason = f"{pinned}{winner} in the backtest ({comparison})"
        else:
            self._choose_naive(f"{pinned}{winner} in the backtest ({comparison})", naive_runs, folds)
        return self

    def predict(self) -> pd.DataFrame:
        """The chosen model's forecast for ``horizon`` steps after the history: ds, yhat, lower, upper."""
        if self.history is None:
            raise ValueError("Call fit before predict.")
        step = _FREQ[self.freq]["step"]
        future = pd.DataFrame({"ds": self.history["ds"].iloc[-1] + step * np.arange(1, self.horizon + 1)})
        if self.chosen_model == PROPHET:
            points = self._predict_prophet(self._prophet, future)
        else:
            points = seasonal_naive(self.history["y"].to_numpy(), self.horizon, self.season, self.interval_width)
        return pd.concat([future, points.reset_index(drop=True)], axis=1)

    def _fold_cutoffs(self, n: int) -> list[int]:
        """Indices where each fold's training ends, oldest first; folds too short to train are dropped."""
        cutoffs = [n - k * self.backtest_horizon for k in range(self.backtest_folds, 0, -1)]
        return [c for c in cutoffs if c >= self.min_history]

    def _choose_naive(self, reason: str, runs: list[pd.DataFrame] | None = None, folds: list[int] | None = None) -> None:
        self.chosen_model = SEASONAL_NAIVE
        self.reason = reason
        if runs is None:
            # Too short to backtest: still give surge detection the latest as-of forecast we can.
            y = self.history["y"].to_numpy()
            cutoff = len(y) - self.backtest_horizon
            folds = [cutoff] if cutoff >= self.season else []
            runs = [self._naive_fold(y, c) for c in folds]
        self.asof = self._asof_frame(runs, folds)

    def _naive_fold(self, y: np.ndarray, cutoff: int) -> pd.DataFrame:
        return seasonal_naive(y[:cutoff], self.backtest_horizon, self.season, self.interval_width)

    def _prophet_fold(self, cutoff: int) -> pd.DataFrame:
        train = self.history.iloc[:cutoff]
        test = self.history.iloc[cutoff : cutoff + self.backtest_horizon][["ds"]]
        return self._predict_prophet(self._fit_prophet(train), test)

    def _score(self, model: str, y: np.ndarray, folds: list[int], runs: list[pd.DataFrame]) -> BacktestScore:
        maes, smapes, mases = [], [], []
        for cutoff, run in zip(folds, runs):
            actual = y[cutoff : cutoff + self.backtest_horizon]
            fold_mae = mae(actual, run["yhat"].to_numpy())
            maes.append(fold_mae)
            smapes.append(smape(actual, run["yhat"].to_numpy()))
            scale = naive_scale(y[:cutoff], self.season)
            if scale is not None:
                mases.append(fold_mae / scale)
        return BacktestScore(
            model=model,
            mae=float(np.mean(maes)),
            smape=float(np.mean(smapes)),
            mase=float(np.mean(mases)) if mases else None,
            folds=len(folds),
        )

    def _asof_frame(self, runs: list[pd.DataFrame], folds: list[int]) -> pd.DataFrame:
        parts = []
        for cutoff, run in zip(folds, runs):
            ds = self.history["ds"].iloc[cutoff : cutoff + self.backtest_horizon].reset_index(drop=True)
            part = pd.concat([ds, run[["yhat", "lower", "upper"]].reset_index(drop=True)], axis=1)
            part["cutoff"] = self.history["ds"].iloc[cutoff - 1]
            parts.append(part)
        if not parts:
            return pd.DataFrame(columns=["ds", "yhat", "lower", "upper", "cutoff"])
        return pd.concat(parts, ignore_index=True)

    def _fit_prophet(self, train: pd.DataFrame):
        from prophet import Prophet

        span_days = (train["ds"].iloc[-1] - train["ds"].iloc[0]).days
        holidays = None
        if self.holidays:
            last = train["ds"].iloc[-1] + _FREQ[self.freq]["step"] * self.horizon
            holidays = vietnam_holidays(range(train["ds"].iloc[0].year, last.year + 1), freq=self.freq)
        model = Prophet(
            growth="linear",
            yearly_seasonality=span_days >= _YEARLY_MIN_DAYS,
            weekly_seasonality=self.freq == "D",
            daily_seasonality=False,
            holidays=holidays,
            interval_width=self.interval_width,
            uncertainty_samples=self.uncertainty_samples,
            changepoint_prior_scale=self.changepoint_prior_scale,
        )
        fitted = train.assign(y=np.log1p(train["y"])) if self.log_transform else train
        with quiet_prophet():
            model.fit(fitted)
        return model

    def _predict_prophet(self, model, future: pd.DataFrame) -> pd.DataFrame:
        with quiet_prophet(), _seeded_numpy(self.random_seed):
            raw = model.predict(future[["ds"]])
        back = {}
        for name, column in (("yhat", "yhat"), ("lower", "yhat_lower"), ("upper", "yhat_upper")):
            values = raw[column].to_numpy()
            back[name] = np.clip(np.expm1(values) if self.log_transform else values, 0, None)
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


def _better(candidate: BacktestScore, baseline: BacktestScore) -> bool:
    """Strictly lower MASE wins; for a constant history (no MASE) compare MAE. Ties go to the baseline."""
    if candidate.mase is not None and baseline.mase is not None:
        return candidate.mase < baseline.mase
    return candidate.mae < baseline.mae


def _compare(prophet_score: BacktestScore, naive_score: BacktestScore) -> str:
    if prophet_score.mase is not None and naive_score.mase is not None:
        return f"MASE {prophet_score.mase:.3f} vs {naive_score.mase:.3f} over {naive_score.folds} folds"
    return f"MAE {prophet_score.mae:.3f} vs {naive_score.mae:.3f} over {naive_score.folds} folds"
