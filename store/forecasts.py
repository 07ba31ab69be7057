"""Forecast runs, the latest forecast per topic and frequency, and the backtest behind it.

A topic's forecast is replaced whole when its series changes; a series with the same fingerprint
as the stored one is left alone, so ``fingerprints`` is what a run reads first.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from store.db import Store
from store.rows import records

_POINT_COLUMNS = ["topic_key", "freq", "kind", "ds", "yhat", "lower", "upper"]
_BACKTEST_COLUMNS = ["topic_key", "freq", "model", "mae", "smape", "mase", "folds", "coverage", "horizon"]


def fingerprints(store: Store) -> dict[tuple[str, str], str]:
    """``{(topic_key, freq): fingerprint}`` of every stored forecast."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT topic_key, freq, fingerprint FROM topic_forecasts").fetchall()
    return {(key, freq): fingerprint for key, freq, fingerprint in rows}


def write_run(
    store: Store,
    *,
    started_at: dt.datetime,
    series: int,
    skipped: int,
    settings: dict[str, Any],
    results: list[dict[str, Any]],
) -> int:
    """Record one forecast run and replace the forecasts of the series it refitted, atomically.

    Each result is a dict with topic_key, freq, fingerprint, history_start, history_end,
    observations, chosen_model, members (list), reason, interval_width, coverage, ``points`` and
    ``asof`` (DataFrames of ds, yhat, lower, upper) and ``scores`` (dicts of model, mae, smape,
    mase, coverage, folds, horizon). Returns the run id.
    """
    now = dt.datetime.now(dt.UTC)
    points, backtests = _point_rows(results), _backtest_rows(results)
    keys = pd.DataFrame(
        [(r["topic_key"], r["freq"]) for r in results], columns=["topic_key", "freq"], dtype=object
    )
    with store.transaction() as cur:
        run_id = cur.execute(
            "INSERT INTO forecast_runs (started_at, finished_at, series, refitted, skipped, prophet, settings)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [started_at, now, series, len(results), skipped,
             sum(r["chosen_model"] == "prophet" for r in results), json.dumps(settings)],
        ).fetchone()[0]
        if not results:
            return int(run_id)
        cur.register("refit_keys", keys)
        for table in ("topic_forecasts", "forecast_points", "forecast_backtests"):
            cur.execute(
                f"DELETE FROM {table} WHERE (topic_key, freq) IN (SELECT (topic_key, freq) FROM refit_keys)"
            )
        cur.executemany(
            "INSERT INTO topic_forecasts (topic_key, freq, run_id, fingerprint, history_start, history_end,"
            " observations, chosen_model, reason, interval_width, created_at, coverage, members)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [r["topic_key"], r["freq"], run_id, r["fingerprint"], r["history_start"], r["history_end"],
                 r["observations"], r["chosen_model"], r["reason"], r["interval_width"], now,
                 r.get("coverage"), json.dumps(r.get("members") or [])]
                for r in results
            ],
        )
        for table, name, frame, columns in (
            ("forecast_points", "new_points", points, _POINT_COLUMNS),
            ("forecast_backtests", "new_backtests", backtests, _BACKTEST_COLUMNS),
        ):
            if len(frame):
                cur.register(name, frame)
                cur.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM {name}")
                cur.unregister(name)
        cur.unregister("refit_keys")
    return int(run_id)


def topic_forecast(store: Store, topic_key: str, freq: str = "D") -> dict[str, Any] | None:
    """A topic's latest forecast: model, members (of a combination), reason, coverage (of the served
    model's interval on the backtest folds), points (ds, yhat, lower, upper), and per model its
    backtest ``{mae, smape, mase, coverage, folds, horizon}``; None when the topic has none."""
    with store.cursor() as cur:
        found = records(cur.execute(
            "SELECT topic_key, freq, run_id, fingerprint, history_start, history_end, observations, chosen_model,"
            " reason, interval_width, created_at, coverage, members FROM topic_forecasts"
            " WHERE topic_key = ? AND freq = ?",
            [topic_key, freq],
        ))
        if not found:
            return None
        forecast = found[0]
        forecast["model"] = forecast["chosen_model"]
        forecast["members"] = json.loads(forecast["members"]) if forecast["members"] else []
        forecast["baseline_chosen"] = forecast["chosen_model"] == "seasonal_naive"
        forecast["points"] = _points(cur, topic_key, freq, "forecast")
        forecast["asof"] = _points(cur, topic_key, freq, "asof")
        backtests = cur.execute(
            "SELECT model, mae, smape, mase, coverage, folds, horizon FROM forecast_backtests"
            " WHERE topic_key = ? AND freq = ? ORDER BY model",
            [topic_key, freq],
        ).fetchall()
    forecast["backtest"] = {
        model: {"mae": mae, "smape": smape, "mase": mase, "coverage": coverage, "folds": folds, "horizon": horizon}
        for model, mae, smape, mase, coverage, folds, horizon in backtests
    }
    return forecast


def latest_run(store: Store) -> dict[str, Any] | None:
    with store.cursor() as cur:
        found = records(cur.execute(
            "SELECT id, started_at, finished_at, series, refitted, skipped, prophet FROM forecast_runs ORDER BY id DESC LIMIT 1"
        ))
    return found[0] if found else None


def _points(cur: Any, topic_key: str, freq: str, kind: str) -> list[dict[str, Any]]:
    rows = cur.execute(
        "SELECT ds, yhat, lower, upper FROM forecast_points WHERE topic_key = ? AND freq = ? AND kind = ? ORDER BY ds",
        [topic_key, freq, kind],
    ).fetchall()
    return [{"ds": ds, "yhat": yhat, "lower": lower, "upper": upper} for ds, yhat, lower, upper in rows]


def _point_rows(results: list[dict[str, Any]]) -> pd.DataFrame:
    parts = []
    for result in results:
        for kind in ("forecast", "asof"):
            frame = result[kind if kind == "asof" else "points"]
            if len(frame):
                parts.append(frame[["ds", "yhat", "lower", "upper"]].assign(
                    topic_key=result["topic_key"], freq=result["freq"], kind=kind))
    if not parts:
        return pd.DataFrame(columns=_POINT_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    return frame[_POINT_COLUMNS]


def _backtest_rows(results: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        (r["topic_key"], r["freq"], s["model"], s["mae"], s["smape"], s["mase"], s["folds"], s["coverage"], s["horizon"])
        for r in results
        for s in r["scores"]
    ]
    return pd.DataFrame(rows, columns=_BACKTEST_COLUMNS).astype({"mase": float, "coverage": float})
