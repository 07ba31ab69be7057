"""Topics, runs and forecasts over HTTP, on a store seeded through the store's own functions."""

from __future__ import annotations

import pytest

from tests.service_helpers import LAST_DAY, app_settings, client, headers, seed_forecast, seed_topics  # noqa: F401


@pytest.fixture
def keys(client, app_settings):
    return seed_topics(app_settings, client.app.state.store)


def test_topics_before_any_run_is_empty(client, headers):
    body = client.get("/api/v1/topics", headers=headers["reader"]).json()
    assert body == {"run_id": None, "window": None, "items": []}


def test_topics_list_volume_growth_and_sorting(client, headers, keys):
    reader = headers["reader"]
    body = client.get("/api/v1/topics", headers=reader).json()
    assert body["window"] == {"start": "2026-02-14", "end": str(LAST_DAY)}
    by_key = {t["topic_key"]: t for t in body["items"]}
    fuel, traffic = by_key[keys["fuel"]], by_key[keys["traffic"]]
    assert (fuel["volume"], fuel["previous_volume"]) == (21, 7)
    assert fuel["growth"] == pytest.approx(2.0)
    assert (traffic["volume"], traffic["previous_volume"], traffic["growth"]) == (7, 7, 0.0)
    assert fuel["label"] == "giá xăng" and fuel["keywords"] == ["xăng", "giá", "tăng"] and fuel["relation"] == "new"
    assert [t["topic_key"] for t in body["items"]] == [keys["fuel"], keys["traffic"]]

    by_key_order = client.get("/api/v1/topics", params={"sort": "key"}, headers=reader).json()["items"]
    assert [t["topic_key"] for t in by_key_order] == sorted(keys.values())
    early = client.get("/api/v1/topics", params={"end": "2026-02-07", "days": 3}, headers=reader).json()
    assert {t["topic_key"]: t["volume"] for t in early["items"]} == {keys["fuel"]: 3, keys["traffic"]: 3}
    busy = client.get("/api/v1/topics", params={"min_volume": 10}, headers=reader).json()["items"]
    assert [t["topic_key"] for t in busy] == [keys["fuel"]]
    assert client.get("/api/v1/topics", params={"sort": "hot"}, headers=reader).status_code == 422
    assert client.get("/api/v1/topics", params={"days": 0}, headers=reader).status_code == 422
    assert client.get("/api/v1/topics", params={"end": "2026-02-30"}, headers=reader).json()["detail"].startswith(
        "query.end:"
    )


def test_topic_detail_has_series_comments_and_lineage(client, headers, keys):
    body = client.get(f"/api/v1/topics/{keys['fuel']}", headers=headers["reader"]).json()
    assert body["current"] is True and body["keywords"][0] == {"word": "xăng", "weight": 1.0}
    assert len(body["representative_comments"]) == 3
    assert len(body["daily_volume"]) == 20 and sum(p["y"] for p in body["daily_volume"]) == 34
    assert sum(p["y"] for p in body["weekly_volume"]) == 34
    assert body["lineage"][0]["relation"] == "new"
    window = client.get(f"/api/v1/topics/{keys['fuel']}", params={"start": "2026-02-19"}, headers=headers["reader"])
    assert [p["y"] for p in window.json()["daily_volume"]] == [3, 3]


def test_unknown_topic_is_404_naming_the_key(client, headers, keys):
    for path in ("/api/v1/topics/t9999", "/api/v1/topics/t9999/comments", "/api/v1/topics/t9999/forecast"):
        response = client.get(path, headers=headers["reader"])
        assert response.status_code == 404 and "t9999" in response.json()["detail"]
    listing = client.get("/api/v1/comments", params={"topic": "t9999"}, headers=headers["reader"])
    assert listing.status_code == 404


def test_topic_comments_are_paged(client, headers, keys):
    reader = headers["reader"]
    first = client.get(f"/api/v1/topics/{keys['traffic']}/comments", params={"limit": 15}, headers=reader).json()
    rest = client.get(f"/api/v1/topics/{keys['traffic']}/comments",
                      params={"limit": 15, "cursor": first["next_cursor"]}, headers=reader).json()
    assert len(first["items"]) == 15 and len(rest["items"]) == 5 and rest["next_cursor"] is None
    assert {c["topic_key"] for c in first["items"] + rest["items"]} == {keys["traffic"]}
    filtered = client.get("/api/v1/comments", params={"topic": keys["traffic"], "limit": 100}, headers=reader).json()
    assert len(filtered["items"]) == 20


def test_topic_forecast(client, headers, keys):
    missing = client.get(f"/api/v1/topics/{keys['fuel']}/forecast", headers=headers["reader"])
    assert missing.status_code == 404 and "no daily forecast yet; POST /api/v1/forecasts" in missing.json()["detail"]
    seed_forecast(client.app.state.store, keys["fuel"])
    body = client.get(f"/api/v1/topics/{keys['fuel']}/forecast", headers=headers["reader"]).json()
    assert body["model"] == "seasonal_naive" and body["baseline_chosen"] is True
    assert len(body["points"]) == 5 and body["points"][0]["lower"] <= body["points"][0]["yhat"] <= body["points"][0]["upper"]
    assert body["backtest"]["prophet"]["mase"] == 1.1 and body["backtest"]["seasonal_naive"]["folds"] == 3
    assert body["coverage"] == 0.75 and body["backtest"]["prophet"]["coverage"] == 0.6
    assert body["backtest"]["prophet"]["horizon"] == 30 and body["members"] == []
    weekly = client.get(f"/api/v1/topics/{keys['fuel']}/forecast", params={"freq": "week"}, headers=headers["reader"])
    assert weekly.status_code == 404
    assert client.get(f"/api/v1/topics/{keys['fuel']}/forecast", params={"freq": "hour"},
                      headers=headers["reader"]).status_code == 422


def test_runs_list_and_detail(client, headers, keys):
    runs = client.get("/api/v1/runs", headers=headers["reader"]).json()["items"]
    assert len(runs) == 1 and runs[0]["current"] is True and runs[0]["status"] == "done"
    assert runs[0]["npmi"] == 0.12 and runs[0]["n_topics"] == 2 and runs[0]["params"] == {"seeded": True}
    detail = client.get(f"/api/v1/runs/{runs[0]['run_id']}", headers=headers["reader"]).json()
    assert detail["run_id"] == runs[0]["run_id"] and detail["current"] is True
    assert client.get("/api/v1/runs/999", headers=headers["reader"]).status_code == 404


def test_topic_reads_are_cached_until_the_data_changes(client, headers, keys):
    import pandas as pd

    from store.topics import add_assignments

    reader, cache = headers["reader"], client.app.state.read_cache
    first = client.get("/api/v1/topics", headers=reader).json()
    assert client.get("/api/v1/topics", headers=reader).json() == first
    assert cache.hits == 1
    client.post("/api/v1/comments", headers=headers["admin"],
                json={"comments": [{"text": "Xăng lại tăng giá nữa", "created_at": f"{LAST_DAY}T10:00:00+07:00"}]})
    store = client.app.state.store
    new_id = store.conn.execute("SELECT max(id) FROM comments").fetchone()[0]
    add_assignments(store, first["run_id"], pd.DataFrame({"comment_id": [new_id], "topic_key": [keys["fuel"]],
                                                          "similarity": [0.9]}))
    after = {t["topic_key"]: t["volume"] for t in client.get("/api/v1/topics", headers=reader).json()["items"]}
    assert after[keys["fuel"]] == {t["topic_key"]: t["volume"] for t in first["items"]}[keys["fuel"]] + 1
