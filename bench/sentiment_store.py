"""Sentiment on a whole store (a copy of the demo store): labels, and negative_rise false alarms.

Scores every embedded comment that has no score yet (the embed stage's second step), then prints
the negative share and the negative_rise alerts that the rule finds on any day of the store's
topics (not only the latest ``scan_days``).
The demo plants no change of attitude, so every negative_rise alert on it is a false alarm.
Run it on a copy, never on a store in use (it writes the scores):

    cp data/topicpulse.duckdb /tmp/demo-copy/topicpulse.duckdb
    TOPICPULSE_DATA_DIR=/tmp/demo-copy python bench/sentiment_store.py
"""

from __future__ import annotations

import logging
import time

from config import Settings
from pipelines.alerts import find_alerts
from pipelines.embed import embed_comments
from pipelines.forecast import local_days
from pipelines.sentiment import model_key
from store import Store
from store import topics as store_topics

log = logging.getLogger("bench.sentiment_store")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings()
    with Store(settings.store_path) as store:
        started = time.perf_counter()
        report = embed_comments(settings, store)
        log.info("embedded %d, scored %d texts in %.1fs", report.texts_embedded, report.texts_scored,
                 time.perf_counter() - started)
        run = store_topics.current_run(store)
        key = model_key(settings, run["embedding_fingerprint"] if run else None)
        if key is None:
            log.warning("no topic run with an embedding model, or sentiment is off")
            return
        tz = settings.ingest.timezone
        volumes = store_topics.topic_volume(store, freq="day", tz=tz)
        sentiment = store_topics.topic_sentiment(store, key, freq="day", tz=tz)
        totals = sentiment[["negative", "scored"]].sum()
        labels = {t["topic_key"]: t.get("label") or "" for t in store_topics.list_topics(store)}
        days = local_days(volumes["ds"]).nunique()
        rules = settings.forecast.alerts.model_copy(update={"scan_days": days})  # every day, not only the latest 21
        alerts = [a for a in find_alerts(volumes, None, rules, labels=labels, sentiment=sentiment)
                  if a.kind == "negative_rise"]
        print("| topics | days | assigned comments scored | negative share | days judged | negative_rise alerts |")
        print("|---|---|---|---|---|---|")
        print(f"| {len(labels)} | {days} | {int(totals.scored)} | {totals.negative / max(totals.scored, 1):.3f} |"
              f" {days} (cooldown {rules.cooldown_days}) | {len(alerts)} |")
        for alert in alerts:
            print(f"- {alert.day} {alert.severity}: {alert.explanation}")


if __name__ == "__main__":
    main()
