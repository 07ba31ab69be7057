"""Semantic search and classification over HTTP, with the small English test model."""

from __future__ import annotations

import pytest

from service.routes.search import QueryEncoder
from tests.service_helpers import app_settings, client, headers, seed_topics, test_embedder  # noqa: F401


@pytest.fixture
def keys(client, app_settings, test_embedder):
    client.app.state.encoder = QueryEncoder(app_settings, test_embedder)
    return seed_topics(app_settings, client.app.state.store, embedder=test_embedder)


def search(client, reader, **body):
    return client.post("/api/v1/search", json=body, headers=reader)


def test_search_ranks_by_meaning_inside_duckdb(client, headers, keys):
    response = search(client, headers["reader"], query="traffic jam on the road", limit=5)
    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == 5 and body["model"]
    scores = [hit["score"] for hit in body["items"]]
    assert scores == sorted(scores, reverse=True) and -1 <= scores[-1] <= scores[0] <= 1
    assert body["items"][0]["topic_key"] == keys["traffic"]
    assert body["items"][0]["text"].startswith("Traffic jam")
    assert all("author_hash" not in hit for hit in body["items"])


def test_search_filters(client, headers, keys):
    reader = headers["reader"]
    fuel_only = search(client, reader, query="traffic jam", topic_key=keys["fuel"], limit=50).json()["items"]
    assert fuel_only and {hit["topic_key"] for hit in fuel_only} == {keys["fuel"]}
    tiktok = search(client, reader, query="xăng", source="tiktok", limit=50).json()["items"]
    assert {hit["source"] for hit in tiktok} == {"tiktok"}
    late = search(client, reader, query="xăng", start="2026-02-20T00:00:00+07:00", limit=50).json()["items"]
    assert len(late) == 4
    unknown = search(client, reader, query="xăng", topic_key="t9999")
    assert unknown.status_code == 404


def test_search_input_limits(client, headers):
    reader = headers["reader"]
    assert search(client, reader, query="").status_code == 422
    too_long = search(client, reader, query="x" * 2001)
    assert too_long.status_code == 422 and too_long.json()["detail"].startswith("body.query:")
    assert search(client, reader, query="x", limit=1000).json()["errors"][0]["field"] == "body.limit"
    assert search(client, reader, query="x", sql="drop table comments").status_code == 422


def test_search_before_anything_is_embedded_is_409(client, headers, app_settings, test_embedder):
    client.app.state.encoder = QueryEncoder(app_settings, test_embedder)
    response = search(client, headers["reader"], query="xăng")
    assert response.status_code == 409 and "embed" in response.json()["detail"]


def test_classify_assigns_texts_to_current_topics_without_storing(client, headers, keys):
    client.app.state.settings = client.app.state.settings.updated("topics", assign_threshold=None)  # each topic's own min_similarity (0.3 here)
    store = client.app.state.store
    before = store.conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    response = client.post("/api/v1/classify", json={"texts": ["Traffic jam downtown ngày 21/02", "Fuel price up again ngày 21/02 số 0"]},
                           headers=headers["reader"])
    assert response.status_code == 200
    body = response.json()
    assert [item["topic_key"] for item in body["items"]] == [keys["traffic"], keys["fuel"]], body
    assert body["items"][0]["label"] == "tắc đường" and 0 < body["items"][0]["similarity"] <= 1
    assert store.conn.execute("SELECT count(*) FROM comments").fetchone()[0] == before


def test_classify_limits_and_no_run(client, headers, app_settings, test_embedder):
    client.app.state.encoder = QueryEncoder(app_settings, test_embedder)
    reader = headers["reader"]
    no_run = client.post("/api/v1/classify", json={"texts": ["xăng"]}, headers=reader)
    assert no_run.status_code == 409 and "no topic run" in no_run.json()["detail"]
    assert client.post("/api/v1/classify", json={"texts": []}, headers=reader).status_code == 422
    too_many = client.post("/api/v1/classify", json={"texts": ["a"] * 101}, headers=reader)
    assert too_many.status_code == 422 and too_many.json()["detail"].startswith("body.texts:")
    too_long = client.post("/api/v1/classify", json={"texts": ["ok", "x" * 2001]}, headers=reader)
    assert too_long.json()["errors"][0]["field"] == "body.texts.1"
