"""Topic volumes: a run's assignments counted per local day (or Monday-based week) of the
comments' ``created_at``, per topic (``topic_volume``), their sentiment (``topic_sentiment``) and unassigned (``unassigned_share``).

Periods are local days of the time zone the caller passes (``settings.ingest.timezone``); the
windows a period is compared with live in ``pipelines.windows``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from store.dates import clamp_day
from store.db import Store
from store.topic_runs import run_or_current

DEFAULT_TZ = "Asia/Ho_Chi_Minh"  # the default of settings.ingest.timezone; callers pass theirs
_FREQS = {"day": "day", "week": "week"}


def topic_volume(
    store: Store,
    *,
    freq: str = "day",
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    topic_keys: Sequence[str] | None = None,
    tz: str = DEFAULT_TZ,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Comments per topic and local day (or week starting Monday): columns topic_key, ds, y.

    Every topic of the run gets a row for every period from ``start`` to ``end`` (both included;
    default: the first and last period with comments), zero where it had none. ``ds`` is the
    period's first local day as a naive timestamp. Unassigned comments are in ``unassigned_share``.
    Topics an analyst merged into another are never rows; hidden ones only when asked by key.
    """
    unit = _unit(freq)
    run_id = run_or_current(store, run_id)
    empty = pd.DataFrame({"topic_key": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[us]"),
                          "y": pd.Series(dtype="int64")})
    if run_id is None:
        return empty
    with store.cursor() as cur:
        rows = cur.execute("SELECT topic_key, hidden FROM topics WHERE run_id = ? AND merged_into IS NULL"
                           " ORDER BY topic_key", [run_id]).fetchall()
    if topic_keys is None:
        keys = [key for key, hidden in rows if not hidden]
    else:
        keys = [key for key, _ in rows if key in set(topic_keys)]
    counts = _period_counts(store, run_id, unit, tz, start, end, "a.topic_key, count(*) AS y",
                            "a.topic_key IS NOT NULL", "a.topic_key")
    grid = _periods(unit, start, end, counts["ds"])
    if not keys or grid.empty:
        return empty
    index = pd.MultiIndex.from_product([keys, grid], names=["topic_key", "ds"])
    filled = counts.set_index(["topic_key", "ds"])["y"].reindex(index, fill_value=0)
    out = filled.reset_index()
    out["y"] = out["y"].astype("int64")
    return out


def topic_sentiment(
    store: Store,
    model_key: str,
    *,
    freq: str = "day",
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    topic_keys: Sequence[str] | None = None,
    tz: str = DEFAULT_TZ,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Negative, scored and all comments per topic and local day (or week), and the negative share.

    Columns topic_key, ds, negative, scored, share; the same topics and periods as ``topic_volume``
    (``model_key`` names the sentiment classifier whose labels count). The share is of scored
    comments, None where a period has none, so a day without comments is no 0 % day.
    """
    volume = topic_volume(store, freq=freq, start=start, end=end, topic_keys=topic_keys, tz=tz, run_id=run_id)
    columns = ["topic_key", "ds", "negative", "scored", "share"]
    if volume.empty:
        return pd.DataFrame(columns=columns)
    counts = _period_counts(
        store, run_or_current(store, run_id), _unit(freq), tz, start, end,
        "a.topic_key, count(s.label) FILTER (WHERE s.label = 'negative') AS negative, count(s.label) AS scored",
        "a.topic_key IS NOT NULL", "a.topic_key",
        join="LEFT JOIN comment_sentiment s ON s.text_hash = c.text_hash AND s.model_key = ?", join_params=[model_key],
    )
    out = volume[["topic_key", "ds"]].merge(counts, on=["topic_key", "ds"], how="left")
    out[["negative", "scored"]] = out[["negative", "scored"]].fillna(0).astype("int64")
    out["share"] = (out["negative"] / out["scored"].where(out["scored"] > 0)).astype(object)
    out.loc[out["scored"] == 0, "share"] = None
    return out[columns]


def unassigned_share(
    store: Store,
    *,
    freq: str = "day",
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    tz: str = DEFAULT_TZ,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Per local day (or week): unassigned comments, all assigned-or-not comments, and the share.

    Counts the current run's assignment rows: comments ingested after it count once ``assign`` has
    looked at them. A rising share means comments about something the run has no topic for.
    Periods without comments have total 0 and share 0.
    """
    unit = _unit(freq)
    run_id = run_or_current(store, run_id)
    columns = ["ds", "unassigned", "total", "share"]
    if run_id is None:
        return pd.DataFrame(columns=columns)
    counts = _period_counts(store, run_id, unit, tz, start, end,
                            "count(*) FILTER (WHERE a.topic_key IS NULL) AS unassigned, count(*) AS total", "TRUE", None)
    grid = _periods(unit, start, end, counts["ds"])
    if grid.empty:
        return pd.DataFrame(columns=columns)
    out = counts.set_index("ds").reindex(grid, fill_value=0).rename_axis("ds").reset_index()
    out[["unassigned", "total"]] = out[["unassigned", "total"]].astype("int64")
    out["share"] = np.where(out["total"] > 0, out["unassigned"] / out["total"].clip(lower=1), 0.0)
    return out[columns]


def _unit(freq: str) -> str:
    if freq not in _FREQS:
        raise ValueError(f"freq must be 'day' or 'week', got {freq!r}")
    return _FREQS[freq]


def _period_start(value: dt.date | dt.datetime | str, unit: str) -> pd.Timestamp:
    """The local day (or Monday) starting ``value``'s period, moved into the store's span of days
    so that no bound a caller picks (year 1, year 9999) overflows a calendar or zero-fills a series."""
    day = pd.Timestamp(value)
    day = (day.tz_localize(None) if day.tzinfo else day).normalize()
    day = pd.Timestamp(clamp_day(day.date()))
    return day - pd.Timedelta(days=day.weekday()) if unit == "week" else day


def _period_counts(store, run_id, unit, tz, start, end, measures, condition, group, join="", join_params=()) -> pd.DataFrame:
    where, params = ["a.run_id = ?", condition], [unit, tz, *join_params, run_id]
    if start is not None:
        where.append("(c.created_at AT TIME ZONE ?) >= ?")
        params += [tz, _period_start(start, unit).to_pydatetime()]
    if end is not None:
        where.append("(c.created_at AT TIME ZONE ?) < ?")
        params += [tz, (_period_start(end, "day") + pd.Timedelta(days=1)).to_pydatetime()]
    keys = f"{group}, ds" if group else "ds"
    sql = (
        f"SELECT {group + ', ' if group else ''}date_trunc(?, c.created_at AT TIME ZONE ?) AS ds, {measures}"
        f" FROM topic_assignments a JOIN comments c ON c.id = a.comment_id {join}"
        f" WHERE {' AND '.join(where)} GROUP BY {keys}"
    )
    with store.cursor() as cur:
        frame = cur.execute(sql, params).df()
    frame["ds"] = pd.to_datetime(frame["ds"]).astype("datetime64[us]")
    return frame


def _periods(unit: str, start, end, seen: pd.Series) -> pd.DatetimeIndex:
    first = _period_start(start, unit) if start is not None else (seen.min() if len(seen) else None)
    last = _period_start(end, unit) if end is not None else (seen.max() if len(seen) else None)
    if first is None or last is None or pd.isna(first) or pd.isna(last) or last < first:
        return pd.DatetimeIndex([], dtype="datetime64[us]", name="ds")
    step = "7D" if unit == "week" else "D"
    return pd.date_range(first, last, freq=step, name="ds").astype("datetime64[us]")
