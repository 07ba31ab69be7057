"""The negative_rise alert: on hand-made daily sentiment counts, and through the store from the
series the topic API serves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from config import AlertSettings
from pipelines.alerts import detect_alerts, find_alerts, find_negative_rise
from store import alerts as store_alerts
from tests.service_helpers import LAST_DAY, app_settings, client, seed_topics, test_embedder  # noqa: F401
from tests.test_service_sentiment import score_fuel_last_week_negative

RULES = AlertSettings()
DAYS = pd.date_range("2026-01-01", periods=60, freq="D")


def counts(key: str, scored: int, negative_before: int, negative_last_week: int) -> pd.DataFrame:
    negative = np.where(np.arange(len(DAYS)) >= len(DAYS) - 7, negative_last_week, negative_before)
    return pd.DataFrame({"topic_key": key, "ds": DAYS, "negative": negative, "scored": scored})


def test_a_doubled_negative_share_alerts_and_steady_or_tiny_shares_do_not() -> None:
    sentiment = pd.concat([
        counts("angry", 10, 1, 4),      # 10 % -> 40 %: alerts
        counts("steady", 10, 1, 1),     # 10 % throughout
        counts("faint", 50, 1, 2),      # 2 % -> 4 %: doubled, but a rise of 2 points
        counts("tiny", 1, 0, 1),        # 0 -> 100 %, but 7 negative comments and 28 scored before
    ], ignore_index=True)
    alerts = find_negative_rise(sentiment, RULES, {"angry": "phí gửi xe"})
    assert [(a.kind, a.topic_key) for a in alerts] == [("negative_rise", "angry")]
    alert = alerts[0]
    assert alert.day == DAYS[-5].date()  # the 3rd day at 4 a day: 16 of 70 = 23 %, over twice 10 %
    assert alert.numbers["baseline_share"] == 0.1 and alert.score >= RULES.negative_min_ratio
    assert "phí gửi xe" in alert.explanation and "negative" in alert.explanation


def test_find_alerts_passes_the_series_on_and_the_cooldown_keeps_it_to_one_alert() -> None:
    sentiment = counts("angry", 10, 1, 4)
    volumes = sentiment.rename(columns={"scored": "y"})[["topic_key", "ds", "y"]]
    alerts = find_alerts(volumes, None, RULES, sentiment=sentiment)
    assert [a.kind for a in alerts] == ["negative_rise"]
    previous = pd.DataFrame({"kind": ["negative_rise"], "topic_key": ["angry"], "day": [DAYS[-10]]})
    assert find_alerts(volumes, None, RULES, sentiment=sentiment, previous=previous) == []


def test_detect_alerts_reads_the_stored_negative_share(client, app_settings, test_embedder) -> None:  # noqa: F811
    store = client.app.state.store
    keys = seed_topics(app_settings, store, embedder=test_embedder)
    score_fuel_last_week_negative(app_settings, store, test_embedder.fingerprint)  # fuel: 0 % -> 100 % last week
    rules = AlertSettings(negative_min_baseline=10)  # the seeded fuel topic has 13 comments before its last week
    settings = app_settings.updated("forecast", alerts=rules)
    found = [(a.kind, a.topic_key) for a in detect_alerts(settings, store) if a.kind == "negative_rise"]
    assert found == [("negative_rise", keys["fuel"])]
    stored = store_alerts.list_alerts(store, kind="negative_rise")
    assert [a["topic_key"] for a in stored] == [keys["fuel"]]
    assert detect_alerts(settings, store) == []  # stored once
