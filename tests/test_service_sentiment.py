"""Negative share per topic and day over HTTP: the real app and store, scores written as the embed stage does."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from models.sentiment import classifier_key
from pipelines.report import build_topic_report
from pipelines.report_render import render_report
from store import sentiment as store_sentiment
from tests.service_helpers import FUEL, LAST_DAY, app_settings, client, headers, seed_topics, test_embedder  # noqa: F401

NEGATIVE, NEUTRAL = [0.9, 0.05, 0.05], [0.1, 0.8, 0.1]


def score_fuel_last_week_negative(settings, store, fingerprint: str) -> None:
    """Every fuel comment of the last 7 days scored negative, every other comment neutral, under
    the key of the configured classifier (the one readers count)."""
    last_week = {f"ngày {LAST_DAY - timedelta(days=n):%d/%m}" for n in range(7)}
    rows = store.conn.execute("SELECT DISTINCT text_hash, text FROM comments ORDER BY text_hash").fetchall()
    negative = [text.startswith(tuple(FUEL)) and any(day in text for day in last_week) for _, text in rows]
    model_key = classifier_key(settings.sentiment, fingerprint)
    with store.transaction() as cur:  # in place of the real classifier's scores from seeding's embed stage
        cur.execute("DELETE FROM comment_sentiment WHERE model_key = ?", [model_key])
    store_sentiment.register_model(store, model_key, fingerprint)
    store_sentiment.put_scores(store, model_key, [h for h, _ in rows],
                               np.array([NEGATIVE if n else NEUTRAL for n in negative]))


@pytest.fixture
def keys(client, app_settings, test_embedder):
    """The two seeded topics, their comments scored by ``score_fuel_last_week_negative``."""
    store = client.app.state.store
    found = seed_topics(app_settings, store, embedder=test_embedder)
    score_fuel_last_week_negative(app_settings, store, test_embedder.fingerprint)
    return found


def test_topic_detail_has_a_daily_negative_share_series(client, headers, keys):
    detail = client.get(f"/api/v1/topics/{keys['fuel']}", headers=headers["reader"]).json()
    days = [point["ds"] for point in detail["daily_volume"]]
    assert [point["ds"] for point in detail["daily_negative_share"]] == days
    by_day = {p["ds"]: p for p in detail["daily_negative_share"]}
    volume = {p["ds"]: p["y"] for p in detail["daily_volume"]}
    assert all(by_day[d]["scored"] == volume[d] for d in days)
    assert by_day[LAST_DAY.isoformat()] == {"ds": LAST_DAY.isoformat(), "negative": 3, "scored": 3, "share": 1.0}
    assert by_day[days[0]]["share"] == 0.0
    assert sum(p["negative"] for p in detail["weekly_negative_share"]) == sum(p["negative"] for p in by_day.values())


def test_topic_list_gives_the_windows_negative_share(client, headers, keys):
    items = {t["topic_key"]: t for t in client.get("/api/v1/topics", headers=headers["reader"]).json()["items"]}
    assert items[keys["fuel"]]["negative_share"] == 1.0 and items[keys["fuel"]]["previous_negative_share"] == 0.0
    assert items[keys["traffic"]]["negative_share"] == 0.0


def test_report_gives_each_topics_negative_share(client, app_settings, keys):
    report = build_topic_report(app_settings, client.app.state.store, start=LAST_DAY - timedelta(days=6),
                                end=LAST_DAY + timedelta(days=1))
    shares = {s.topic_key: (s.negative_pct, s.previous_negative_pct) for s in report.topics}
    assert shares == {keys["fuel"]: (100.0, 0.0), keys["traffic"]: (0.0, 0.0)}
    assert "Negative comments: 100.0% (previous period 0.0%)." in render_report(report, "md")
    assert render_report(report, "csv").splitlines()[0].endswith("negative_pct,previous_negative_pct")
