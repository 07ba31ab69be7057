"""Forecast every topic's daily and weekly volume, in parallel, skipping series that have not changed.

Three steps, so the slow middle one can run anywhere: read the series from the store; forecast
each with ``forecast_series``, a pure function of a picklable ``SeriesTask`` (here in a pool of
``forecast.workers`` processes, or on Ray with ``engine = "ray"``, keyed by the series
fingerprint; the service may run it in its own worker); write every result in one short transaction.

Weekly series are summed from the daily ones here, complete Monday-to-Sunday weeks only: a week
still under way would read as a collapse in volume.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.forecast import TopicForecaster
from config import Settings
from pipelines import ray_engine
from pipelines.ray_engine import RayEngine
from pipelines.workers import worker_pool
from store import Store
from store import forecasts as store_forecasts
from store import topics as store_topics

log = logging.getLogger(__name__)

# Below this many series the seconds spent starting worker processes outweigh the fitting.
_MIN_SERIES_FOR_POOL = 8


@dataclass(frozen=True)
class SeriesTask:
    """One topic's series and the forecaster settings (``TopicForecaster.config()``, freq and
    horizon included): everything a worker process needs."""

    topic_key: str
    freq: str
    ds: np.ndarray
    y: np.ndarray
    config: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        """Same series and same settings give the same fingerprint, so the stored forecast still holds."""
        digest = hashlib.sha256()
        digest.update(json.dumps(self.config, sort_keys=True).encode())
        digest.update(self.ds.astype("datetime64[D]").astype(np.int64).tobytes())
        digest.update(self.y.astype(np.float64).tobytes())
        return digest.hexdigest()


@dataclass
class ForecastReport:
    run_id: int
    series: int
    refitted: int
    skipped: int
    chosen: dict[str, int] = field(default_factory=dict)
    """Refitted series per served model."""
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def chosen_text(self) -> str:
        return ", ".join(f"{count} {model}" for model, count in sorted(self.chosen.items())) or "none"


def forecast_series(task: SeriesTask) -> dict[str, Any]:
    """Fit, backtest and forecast one series; the result is what ``store.forecasts.write_run`` takes.

    Pure: reads nothing but the task, so it runs the same in this process or a worker.
    """
    forecaster = TopicForecaster(**task.config)
    forecaster.fit(pd.DataFrame({"ds": task.ds, "y": task.y}))
    return {
        "topic_key": task.topic_key,
        "freq": task.freq,
        "fingerprint": task.fingerprint,
        "history_start": forecaster.history["ds"].iloc[0].date(),
        "history_end": forecaster.history["ds"].iloc[-1].date(),
        "observations": len(forecaster.history),
        "chosen_model": forecaster.chosen_model,
        "members": forecaster.members,
        "reason": forecaster.reason,
        "interval_width": forecaster.interval_width,
        "coverage": forecaster.coverage,
        "points": forecaster.predict(),
        "asof": forecaster.asof,
        "scores": [score.as_dict() for score in forecaster.scores.values()],
    }


def series_tasks(settings: Settings, daily: pd.DataFrame) -> list[SeriesTask]:
    """Daily and (if configured) weekly tasks per topic, each starting at the topic's first comment."""
    tasks = []
    configs = {freq: TopicForecaster(settings.forecast, freq=freq).config() for freq in ("D", "W")}
    frame = daily.assign(ds=local_days(daily["ds"]))
    for key, group in frame.groupby("topic_key", sort=True):
        series = group.groupby("ds")["y"].sum()
        series = series.reindex(pd.date_range(series.index.min(), series.index.max(), freq="D"), fill_value=0)
        series = series.loc[series.ne(0).idxmax():] if series.any() else series.iloc[0:0]
        if series.empty:
            continue
        tasks.append(SeriesTask(str(key), "D", series.index.to_numpy(), series.to_numpy(float), configs["D"]))
        if settings.forecast.weekly:
            weeks = complete_weeks(series)
            if len(weeks):
                tasks.append(SeriesTask(str(key), "W", weeks.index.to_numpy(), weeks.to_numpy(float), configs["W"]))
    return tasks


def complete_weeks(daily: pd.Series) -> pd.Series:
    """Sums over Monday-to-Sunday weeks, labelled by the Monday, dropping partial first and last weeks."""
    start = daily.index[0] + pd.Timedelta(days=(7 - daily.index[0].day_of_week) % 7)
    end = daily.index[-1] - pd.Timedelta(days=(daily.index[-1].day_of_week + 1) % 7)
    window = daily.loc[start:end]
    if window.empty:
        return window
    return window.groupby(window.index - pd.to_timedelta(window.index.day_of_week, unit="D")).sum()


def run_tasks(
    tasks: list[SeriesTask], workers: int, engine: RayEngine | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Forecast each task, on Ray when an engine is given, else in ``workers`` processes when there
    are enough; returns (results, failures) in task order."""
    if engine is not None:
        keyed = ((task.fingerprint, task) for task in tasks)
        outcomes = [outcome for _, outcome in engine.map_ordered(_forecast_or_error, keyed)]
    elif workers > 1 and len(tasks) >= _MIN_SERIES_FOR_POOL:
        with worker_pool(workers) as pool:  # spawned processes that die with this one
            outcomes = list(pool.map(_forecast_or_error, tasks, chunksize=max(1, len(tasks) // (workers * 4))))
    else:
        outcomes = [_forecast_or_error(task) for task in tasks]
    results = [result for result, _ in outcomes if result is not None]
    failures = [error for _, error in outcomes if error is not None]
    return results, failures


def forecast_topics(settings: Settings, store: Store) -> ForecastReport:
    """Forecast every topic whose series changed since its stored forecast, and record the run."""
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    daily = store_topics.topic_volume(store, freq="day", tz=settings.ingest.timezone)
    tasks = series_tasks(settings, daily) if not daily.empty else []
    known = store_forecasts.fingerprints(store)
    changed = [t for t in tasks if known.get((t.topic_key, t.freq)) != t.fingerprint]
    log.info("forecasting %d of %d series (%d unchanged)", len(changed), len(tasks), len(tasks) - len(changed))
    engine = ray_engine.for_settings(settings) if changed else None
    results, failures = run_tasks(changed, settings.forecast.workers, engine)
    for failure in failures:
        log.warning("forecast failed: %s", failure)
    run_id = store_forecasts.write_run(
        store,
        started_at=started_at,
        series=len(tasks),
        skipped=len(tasks) - len(changed),
        settings=settings.forecast.model_dump(mode="json"),
        results=results,
    )
    return ForecastReport(
        run_id=run_id,
        series=len(tasks),
        refitted=len(results),
        skipped=len(tasks) - len(changed),
        chosen=dict(Counter(r["chosen_model"] for r in results)),
        failed=failures,
        seconds=round(time.monotonic() - started, 2),
    )


def _forecast_or_error(task: SeriesTask) -> tuple[dict[str, Any] | None, str | None]:
    """A bad series (too short even for seasonal naive) is reported, not allowed to stop the run."""
    try:
        return forecast_series(task), None
    except ValueError as exc:
        return None, f"{task.topic_key} ({task.freq}): {exc}"


def local_days(ds: pd.Series) -> pd.Series:
    """Dates as midnight timestamps without a zone (the store gives local days, maybe zone-aware)."""
    days = pd.to_datetime(ds)
    if getattr(days.dt, "tz", None) is not None:
        days = days.dt.tz_localize(None)
    return days.dt.normalize()
