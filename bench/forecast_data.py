"""Real and synthetic daily series for the forecast and alert benches.

Real: the dated Dân Trí articles (../shared/data or $TOPICPULSE_SHARED_DATA), one daily series
per ``category.primary`` plus their sum (a general news feed), 51 days; and the demo comments'
per-topic daily series (``topic_hint``), 400 days. A dataset that is absent is skipped with a
message, never copied into the repository.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from tests.forecast_series import demo_daily_volumes, poisson_series

log = logging.getLogger(__name__)

SHARED_DATA = Path(os.environ.get("TOPICPULSE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DANTRI = SHARED_DATA / "vn-news-dantri-2025" / "dantri_html_categories_vi.csv"


def dantri_volumes() -> pd.DataFrame | None:
    """Articles per local day and section, plus ``all`` (every section): None when absent."""
    if not DANTRI.exists():
        log.warning("Dân Trí skipped: %s is absent; set TOPICPULSE_SHARED_DATA", DANTRI)
        return None
    articles = pd.read_csv(DANTRI, usecols=["published_at", "category.primary"]).dropna()
    local = pd.to_datetime(articles["published_at"], utc=True).dt.tz_convert("Asia/Ho_Chi_Minh")
    articles = articles.assign(ds=local.dt.tz_localize(None).dt.normalize())
    sections = (articles.groupby(["category.primary", "ds"]).size().rename("y").reset_index()
                .rename(columns={"category.primary": "topic_key"}))
    feed = articles.groupby("ds").size().rename("y").reset_index().assign(topic_key="all")
    return pd.concat([sections, feed], ignore_index=True)


def demo_volumes(n_comments: int, seed: int = 7) -> pd.DataFrame:
    from pipelines.demo_data import write_demo_data

    with tempfile.TemporaryDirectory() as out:
        truth = write_demo_data(Path(out), seed=seed, n_comments=n_comments)
        return demo_daily_volumes(truth.files)


def synthetic_volumes(n_topics: int, n_days: int, seed: int = 1) -> pd.DataFrame:
    """Poisson counts with a weekly shape and a trend, at levels from about 2 to 60 a day."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-01-01", periods=n_days, freq="D")
    frames = []
    for k in range(n_topics):
        level = float(rng.lognormal(2.5, 0.8))
        trend = np.linspace(1.0, float(rng.uniform(0.5, 2.0)), n_days)
        y = rng.poisson(poisson_series(days, level, rng) * trend).astype(float)
        frames.append(pd.DataFrame({"topic_key": f"t{k:04d}", "ds": days, "y": y}))
    return pd.concat(frames, ignore_index=True)


def daily_series(volumes: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each topic's zero-filled daily series (ds, y) from its first non-zero day."""
    for key, group in volumes.groupby("topic_key", sort=True):
        s = group.groupby("ds")["y"].sum().sort_index()
        s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0)
        s = s.loc[s.ne(0).idxmax():]
        yield str(key), pd.DataFrame({"ds": s.index, "y": s.to_numpy(float)})
