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
    """Topics at steady levels, plus one emerging in the last two weeks, one fading steadily from
    day 20 (halving every four weeks), and a one-day surge eight days before the end."""
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
            decay = 25 * np.exp(-np.clip(step - 20, 0, None) / 40)
            y = np.where(step < 20, poisson_series(days, 25, rng), rng.poisson(decay))
        else:
            y = poisson_series(days, rng.uniform(8, 40), rng)
            if k == 2:
                y[n_days - 8] += 60
        rows.append(pd.DataFrame({"topic_key": key, "ds": days, "y": y}))
    return Planted(pd.concat(rows, ignore_index=True), emerging="t0000", fading="t0001", surge=("t0002", surge_day))


def series(volumes: pd.DataFrame, key: str) -> pd.DataFrame:
    return volumes.loc[volumes["topic_key"] == key, ["ds", "y"]].reset_index(drop=True)


def seed_topic_store(store, volumes: pd.DataFrame, *, unassigned_per_day: int = 0, tz: str = "Asia/Ho_Chi_Minh") -> None:
    """Write comments at local noon and one done topic run assigning them as ``volumes`` says,
    plus ``unassigned_per_day`` comments a day that match no topic."""
    from store import topics as store_topics

    counts = volumes[volumes["y"] > 0]
    keys = counts.loc[counts.index.repeat(counts["y"].astype(int)), ["topic_key", "ds"]].reset_index(drop=True)
    if unassigned_per_day:
        days = pd.Series(sorted(volumes["ds"].unique())).repeat(unassigned_per_day)
        keys = pd.concat([keys, pd.DataFrame({"topic_key": None, "ds": days.to_numpy()})], ignore_index=True)
    noon = (pd.to_datetime(keys["ds"]) + pd.Timedelta(hours=12)).dt.tz_localize(tz).dt.tz_convert("UTC")
    comments = pd.DataFrame({"created_at": noon, "text": "x", "external_id": keys.index.astype(str)})
    with store.transaction() as cur:
        batch = cur.execute(
            "INSERT INTO ingest_batches (source_file, started_at) VALUES ('seed', now()) RETURNING id"
        ).fetchone()[0]
        cur.register("seed_comments", comments)
        ids = cur.execute(
            "INSERT INTO comments (batch_id, source, external_id, created_at, text, text_hash, lang)"
            " SELECT ?, 'seed', external_id, created_at, text, external_id, 'vi' FROM seed_comments"
            " RETURNING id, external_id",
            [batch],
        ).fetchall()
        cur.unregister("seed_comments")
    assignments = pd.DataFrame({
        "comment_id": [comment_id for comment_id, _ in ids],
        "topic_key": keys["topic_key"].to_numpy()[[int(external) for _, external in ids]],
        "similarity": 0.9,
    })
    topics = [
        {"topic_key": key, "topic_index": n, "label": f"label {key}", "keywords": [], "size": 1,
         "representative_ids": [], "min_similarity": 0.5, "centroid": [1.0, 0.0]}
        for n, key in enumerate(sorted(volumes["topic_key"].unique()))
    ]
    run_id = store_topics.start_run(store, {})
    store_topics.write_run(store, run_id, run={"n_topics": len(topics)}, topics=topics, lineage=[], assignments=assignments)


DEMO_NOISE = {"short", "spam", "bad"}


def demo_daily_volumes(files, *, tz: str = "Asia/Ho_Chi_Minh") -> pd.DataFrame:
    """Daily comments per true topic (``topic_hint``) from the demo CSV and JSON Lines files,
    duplicates, noise and rows with unreadable dates left out, as ingestion would."""
    frames = []
    for path in files:
        if path.suffix == ".csv":
            rows = pd.read_csv(path, dtype=str)
            moment = pd.to_datetime(rows["thoi_gian"], format="%d/%m/%Y %H:%M", errors="coerce").dt.tz_localize(tz)
            frames.append(pd.DataFrame({"topic_key": rows["topic_hint"], "moment": moment, "text": rows["noi_dung"]}))
        else:
            rows = pd.read_json(path, lines=True, dtype={"created_at": object})
            moment = pd.Series([
                pd.Timestamp(v, unit="ms", tz="UTC") if isinstance(v, int) else pd.Timestamp(v) for v in rows["created_at"]
            ]).map(lambda stamp: stamp.tz_convert(tz))
            frames.append(pd.DataFrame({"topic_key": rows["topic_hint"], "moment": moment, "text": rows["content"]}))
    comments = pd.concat(frames, ignore_index=True).dropna(subset=["moment"])
    comments = comments[~comments["topic_key"].isin(DEMO_NOISE)].drop_duplicates(["text", "moment"])
    comments["ds"] = pd.to_datetime(comments["moment"].map(lambda stamp: stamp.date()))
    daily = comments.groupby(["topic_key", "ds"]).size().rename("y").reset_index()
    days = pd.date_range(daily["ds"].min(), daily["ds"].max(), freq="D")
    grid = pd.MultiIndex.from_product([sorted(daily["topic_key"].unique()), days], names=["topic_key", "ds"])
    return daily.set_index(["topic_key", "ds"])["y"].reindex(grid, fill_value=0).astype(float).reset_index()
