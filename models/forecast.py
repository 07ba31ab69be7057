"""Per-topic volume forecasts, chosen per series by a backtest of the task that is served.

The candidates (models/forecast_candidates.py) are seasonal naive, statsforecast's AutoETS,
Dynamic Optimized Theta and MSTL for dense series or Croston and ADIDA for sparse ones, Prophet
with Vietnamese holidays where a holiday can make it win (models/forecast_prophet.py), and the
median of the best ``combine_top_k`` of them. Each is backtested on the same rolling-origin folds,
each fold as long as the served horizon (30 days or 8 weeks by default) so that the backtest
measures the forecast people read; up to ``backtest_folds`` origins, laid back to back and ending
at the last observation. A history too short for one full-horizon fold gets one shorter fold, down
to ``min_fold_days``/``min_fold_weeks``; shorter still, seasonal naive is served unjudged.

Guard rail: the served model must have a strictly lower MASE than seasonal naive on those folds;
where nothing beats it, seasonal naive is served and the reason says so. Every candidate's scores
(MAE, sMAPE, MASE, coverage of the interval on the folds) are kept, so the choice can be checked.

Published comparisons (M4 daily and weekly) show Prophet losing to ETS and Theta on most series
and the combination of statistical models being the most robust choice: hence measuring per
series, never assuming.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from config import ForecastSettings
from models.forecast_candidates import (
    COMBINATION,
    PROPHET,
    SEASONAL_NAIVE,
    STATISTICAL,
    candidates_for,
    is_sparse,
    seasonal_naive,
    seasonal_periods,
    statistical_forecast,
)
from models.forecast_prophet import can_win, prophet_forecast
from models.forecast_scores import BacktestScore, better, describe, score_folds, sort_key

log = logging.getLogger(__name__)

MODELS = (SEASONAL_NAIVE, *STATISTICAL, PROPHET, COMBINATION)
_STEP = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1)}
_UNIT = {"D": "days", "W": "weeks"}
# Fields of ForecastSettings that only the pipeline reads: not part of a forecast's identity.
_PIPELINE_FIELDS = {"weekly", "workers", "alerts"}


class TopicForecaster:
    """Forecast one topic's comment volume with the candidate that wins the backtest.

    Parameters
    ----------
    params: the forecast section of the settings (``config.ForecastSettings``, whose fields and
        descriptions are the one list of parameters); None means the defaults.
    freq: ``"D"`` (daily series, weekly seasonality) or ``"W"`` (weekly series labelled by the
        week's first day; yearly seasonality once there are two years).
    horizon: steps to forecast after the last observation, and the length of each backtest fold;
        None means ``params.horizon_days`` or ``params.horizon_weeks``.
    overrides: any other field of ``ForecastSettings`` by name (``uncertainty_samples=50``),
        validated as the settings are.

    Fitted attributes (None until ``fit``): ``history`` (the validated series), ``chosen_model``
    (one of ``MODELS``), ``members`` (the combined models when that is ``"combination"``),
    ``reason`` (why that model, in words), ``scores`` (``{model: BacktestScore}``, empty when the
    series is too short to backtest), ``coverage`` (the chosen model's share of fold points inside
    its interval) and ``asof`` (the chosen model's backtest forecasts: ds, yhat, lower, upper,
    cutoff — each point forecast from data before its fold, which is what surge detection
    compares actual volume against).
    """

    def __init__(
        self, params: ForecastSettings | None = None, *, freq: str = "D", horizon: int | None = None, **overrides
    ) -> None:
        if freq not in _STEP:
            raise ValueError(f"freq must be 'D' or 'W', got {freq!r}")
        params = params or ForecastSettings()
        unknown = set(overrides) - set(ForecastSettings.model_fields)
        if unknown:
            raise TypeError(f"unknown forecast parameters: {', '.join(sorted(unknown))}")
        if overrides:
            params = ForecastSettings.model_validate({**params.model_dump(), **overrides})
        if params.model not in ("auto", *MODELS):
            raise ValueError(f"model must be 'auto' or one of {', '.join(MODELS)}, got {params.model!r}")
        daily = freq == "D"
        self.params = params
        self.freq = freq
        self.horizon = (params.horizon_days if daily else params.horizon_weeks) if horizon is None else horizon
        if self.horizon < 1:
            raise ValueError(f"horizon must be at least 1, got {self.horizon}")
        self.interval_width = params.interval_width
        self.min_history = params.min_history_days if daily else params.min_history_weeks
        self.min_fold = params.min_fold_days if daily else params.min_fold_weeks

        self.history: pd.DataFrame | None = None
        self.chosen_model: str | None = None
        self.members: list[str] = []
        self._combination_members: list[str] = []
        self.reason: str | None = None
        self.scores: dict[str, BacktestScore] | None = None
        self.asof: pd.DataFrame | None = None
        self.season = 7 if daily else 1
        self._forecast: pd.DataFrame | None = None

    def config(self) -> dict:
        """The settings, as plain values: part of the series fingerprint, so a change forces a refit."""
        values = {k: v for k, v in self.params.values().items() if k not in _PIPELINE_FIELDS}
        return {**values, "freq": self.freq, "horizon": self.horizon}

    @property
    def coverage(self) -> float | None:
        score = (self.scores or {}).get(self.chosen_model)
        return score.coverage if score else None

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
        if (gaps != _STEP[self.freq]).any():
            unit = "day" if self.freq == "D" else "week"
            raise ValueError(f"Column ds must be consecutive, one row a {unit}; zero-fill the missing steps.")
        return frame

    def fit(self, series: pd.DataFrame) -> TopicForecaster:
        """Backtest every candidate on the same folds, choose, and forecast with the choice."""
        history = self.validate_inputs(series)
        minimum = 7 if self.freq == "D" else 1
        if len(history) < minimum:
            raise ValueError(f"series has {len(history)} points; even seasonal naive needs {minimum}")
        self.history = history
        y = history["y"].to_numpy()
        periods = seasonal_periods(self.freq, len(y))
        self.season = periods[0] if periods else 1
        self.scores, self.members, self._combination_members = {}, [], []
        cutoffs, fold_horizon = self._folds(len(y))
        if not cutoffs:
            self._serve_unjudged(
                f"history of {len(y)} {_UNIT[self.freq]} is too short to backtest "
                f"(needs {self.min_history + self.min_fold})"
            )
            return self
        runs = self._backtest(y, cutoffs, fold_horizon)
        for name, model_runs in runs.items():
            self.scores[name] = score_folds(name, y, cutoffs, fold_horizon, self.season, model_runs)
        self._add_combination(runs, y, cutoffs, fold_horizon)
        chosen, reason = self._choose(cutoffs, fold_horizon)
        try:
            self._forecast = self._final_forecast(chosen)
        except Exception as exc:  # noqa: BLE001 - a numerical failure of one model must not stop the run
            log.warning("%s failed on the whole history, serving seasonal naive: %s", chosen, exc)
            chosen, reason = SEASONAL_NAIVE, f"{chosen} failed on the whole history ({exc}); serving seasonal naive"
            self.members = []
            self._forecast = self._final_forecast(SEASONAL_NAIVE)
        self.chosen_model, self.reason = chosen, reason
        chosen_runs = runs[COMBINATION] if chosen == COMBINATION else runs[chosen]
        self.asof = self._asof_frame(chosen_runs, cutoffs, fold_horizon)
        return self

    def predict(self) -> pd.DataFrame:
        """The chosen model's forecast for ``horizon`` steps after the history: ds, yhat, lower, upper."""
        if self._forecast is None:
            raise ValueError("Call fit before predict.")
        return self._forecast.copy()

    def _folds(self, n: int) -> tuple[list[int], int]:
        """Training ends of the folds (oldest first) and the fold length: full-horizon folds where
        the history allows, else one shorter fold, else none."""
        full = min(self.params.backtest_folds, (n - self.min_history) // self.horizon)
        if full >= 1:
            return [n - k * self.horizon for k in range(full, 0, -1)], self.horizon
        short = min(self.horizon, n - self.min_history)
        if short >= self.min_fold:
            return [n - short], short
        return [], 0

    def _backtest(self, y: np.ndarray, cutoffs: list[int], horizon: int) -> dict[str, list[pd.DataFrame]]:
        runs = {SEASONAL_NAIVE: [seasonal_naive(y[:c], horizon, self.season, self.interval_width) for c in cutoffs]}
        names = candidates_for(y, seasonal_periods(self.freq, len(y)), self.params)
        if self.params.model in STATISTICAL and self.params.model not in names:
            names.append(self.params.model)
        for name in names:
            try:
                runs[name] = [
                    statistical_forecast(name, y[:c], horizon, seasonal_periods(self.freq, c), self.params)
                    for c in cutoffs
                ]
            except Exception as exc:  # noqa: BLE001 - a numerical failure of one model must not stop the run
                log.info("candidate %s dropped: %s", name, exc)
        if self._prophet_is_candidate(y, cutoffs, horizon):
            try:
                runs[PROPHET] = [self._prophet_fold(c, horizon) for c in cutoffs]
            except (RuntimeError, ValueError) as exc:
                log.warning("Prophet dropped from the backtest: %s", exc)
        return runs

    def _prophet_is_candidate(self, y: np.ndarray, cutoffs: list[int], horizon: int) -> bool:
        if self.params.model == PROPHET or self.params.prophet == "always":
            return True
        if self.params.prophet == "never" or is_sparse(y, self.params):
            return False
        ds, step = self.history["ds"], _STEP[self.freq]
        judged = [(ds.iloc[c], ds.iloc[c] + step * (horizon - 1)) for c in cutoffs]
        judged.append((ds.iloc[-1] + step, ds.iloc[-1] + step * self.horizon))
        return can_win(self.history, judged, self.freq, self.params.prophet_min_tet_effect)

    def _prophet_fold(self, cutoff: int, horizon: int) -> pd.DataFrame:
        train = self.history.iloc[:cutoff]
        test = self.history.iloc[cutoff : cutoff + horizon][["ds"]]
        return prophet_forecast(train, test, self.freq, self.params)

    def _add_combination(self, runs: dict, y: np.ndarray, cutoffs: list[int], horizon: int) -> None:
        """The median of the best ``combine_top_k`` candidates, fold by fold, scored like the rest."""
        ranked = sorted(self.scores.values(), key=sort_key)[: self.params.combine_top_k]
        if len(ranked) < 2:
            return
        members = [score.model for score in ranked]
        runs[COMBINATION] = [_median([runs[m][i] for m in members]) for i in range(len(cutoffs))]
        self.scores[COMBINATION] = score_folds(COMBINATION, y, cutoffs, horizon, self.season, runs[COMBINATION])
        self._combination_members = members

    def _choose(self, cutoffs: list[int], horizon: int) -> tuple[str, str]:
        naive = self.scores[SEASONAL_NAIVE]
        folds = f"{len(cutoffs)} fold{'s' if len(cutoffs) > 1 else ''} of {horizon} {_UNIT[self.freq]}"
        ranking = ", ".join(f"{s.model} {describe(s)}" for s in sorted(self.scores.values(), key=sort_key))
        pinned = self.params.model
        if pinned != "auto":
            if pinned not in self.scores:
                return SEASONAL_NAIVE, f"model={pinned!r} was asked for but could not be backtested; ({folds}: {ranking})"
            self._take_members(pinned)
            return pinned, f"model={pinned!r} was asked for ({folds}: {ranking})"
        best = min(self.scores.values(), key=sort_key)
        combination = self.scores.get(COMBINATION)
        preferred = ""
        if combination is not None and best is not combination:
            if sort_key(combination)[0] * (1 - self.params.combine_margin) <= sort_key(best)[0]:
                best = combination
                preferred = f", preferred to {min(self.scores.values(), key=sort_key).model} within the margin"
        if best.model == SEASONAL_NAIVE or not better(best, naive):
            return SEASONAL_NAIVE, f"no candidate beat seasonal naive in the backtest, so it is served ({folds}: {ranking})"
        self._take_members(best.model)
        what = f"combination (median of {', '.join(self.members)})" if best.model == COMBINATION else best.model
        return best.model, (
            f"{what}{preferred} beat seasonal naive and every other candidate in the backtest "
            f"({describe(best)} vs {describe(naive)}; {folds}: {ranking})"
        )

    def _take_members(self, model: str) -> None:
        self.members = list(self._combination_members) if model == COMBINATION else []

    def forecast_of(self, model: str) -> pd.DataFrame:
        """What ``model`` forecasts for the horizon after the history (ds, yhat, lower, upper): any
        candidate by name, or ``"combination"`` of the backtest's best; for comparing with the
        served forecast (bench/forecast.py does)."""
        if self.history is None:
            raise ValueError("Call fit before forecast_of.")
        if model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
        if model == COMBINATION and not self._combination_members:
            raise ValueError("no combination: fewer than two candidates were backtested")
        return self._final_forecast(model, self._combination_members)

    def _final_forecast(self, model: str, members: list[str] | None = None) -> pd.DataFrame:
        step = _STEP[self.freq]
        future = pd.DataFrame({"ds": self.history["ds"].iloc[-1] + step * np.arange(1, self.horizon + 1)})
        if model == COMBINATION:
            points = _median([self._model_forecast(m, future) for m in members or self.members])
        else:
            points = self._model_forecast(model, future)
        return pd.concat([future, points.reset_index(drop=True)], axis=1)

    def _model_forecast(self, model: str, future: pd.DataFrame) -> pd.DataFrame:
        y = self.history["y"].to_numpy()
        if model == SEASONAL_NAIVE:
            return seasonal_naive(y, self.horizon, self.season, self.interval_width)
        if model == PROPHET:
            return prophet_forecast(self.history, future, self.freq, self.params)
        return statistical_forecast(model, y, self.horizon, seasonal_periods(self.freq, len(y)), self.params)

    def _serve_unjudged(self, reason: str) -> None:
        """Too short to backtest: seasonal naive, and the latest as-of forecast that can be made."""
        y = self.history["y"].to_numpy()
        self.chosen_model, self.reason = SEASONAL_NAIVE, reason
        self._forecast = self._final_forecast(SEASONAL_NAIVE)
        horizon = min(self.min_fold, len(y) - self.season)
        cutoffs = [len(y) - horizon] if horizon >= 1 else []
        runs = [seasonal_naive(y[:c], horizon, self.season, self.interval_width) for c in cutoffs]
        self.asof = self._asof_frame(runs, cutoffs, horizon)

    def _asof_frame(self, runs: list[pd.DataFrame], cutoffs: list[int], horizon: int) -> pd.DataFrame:
        parts = []
        for cutoff, run in zip(cutoffs, runs):
            ds = self.history["ds"].iloc[cutoff : cutoff + horizon].reset_index(drop=True)
            part = pd.concat([ds, run[["yhat", "lower", "upper"]].reset_index(drop=True)], axis=1)
            part["cutoff"] = self.history["ds"].iloc[cutoff - 1]
            parts.append(part)
        if not parts:
            return pd.DataFrame(columns=["ds", "yhat", "lower", "upper", "cutoff"])
        return pd.concat(parts, ignore_index=True)


def _median(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Point-wise median of forecasts (yhat, lower, upper each), the combination's forecast."""
    return pd.DataFrame({
        column: np.median(np.stack([f[column].to_numpy(float) for f in frames]), axis=0)
        for column in ("yhat", "lower", "upper")
    })
