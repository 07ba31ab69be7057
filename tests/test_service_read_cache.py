"""The read cache over HTTP: ETags and 304, data-version invalidation, the byte budget and the
response size limit, and the API-key check it makes on its own."""

from __future__ import annotations

import time
from datetime import timedelta

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from store.keys import create_key, revoke_key
from store.topics import add_assignments
from tests.service_helpers import LAST_DAY, app_settings, client, headers, seed_forecast, seed_topics  # noqa: F401


def _with_service(settings, **changes):
    return settings.model_copy(update={"service": settings.service.model_copy(update=changes)})


@pytest.fixture
def keys(client, app_settings):
    return seed_topics(app_settings, client.app.state.store)


def test_cached_read_has_an_etag_and_if_none_match_gets_304(client, headers, keys):
    reader = headers["reader"]
    first = client.get("/api/v1/topics", headers=reader)
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
    assert first.headers["x-request-id"]

    again = client.get("/api/v1/topics", headers={**reader, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = client.get("/api/v1/topics", headers={**reader, "If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other = client.get("/api/v1/topics", headers={**reader, "If-None-Match": '"other"'})
    assert other.status_code == 200 and other.json() == first.json()
    assert client.app.state.read_cache.hits == 3


def test_every_cached_read_is_served_from_the_cache(client, headers, keys):
    seed_forecast(client.app.state.store, keys["fuel"])
    reader, cache = headers["reader"], client.app.state.read_cache
    paths = ["/api/v1/topics", f"/api/v1/topics/{keys['fuel']}", f"/api/v1/topics/{keys['fuel']}/forecast",
             "/api/v1/alerts"]
    for path in paths:
        assert client.get(path, headers=reader).status_code == 200
    hits = cache.hits
    assert [client.get(path, headers=reader).status_code for path in paths] == [200] * 4
    assert cache.hits == hits + 4
    metrics = client.get("/metrics").text
    assert 'route="/api/v1/topics/{topic_key}/forecast",status="200"' in metrics


def test_a_write_invalidates_and_an_unchanged_answer_keeps_its_etag(client, headers, keys):
    reader, store = headers["reader"], client.app.state.store
    etag = client.get("/api/v1/topics", headers=reader).headers["etag"]
    create_key(store, "unrelated write", "reader")  # a commit: the version moves, the answer does not
    same = client.get("/api/v1/topics", headers={**reader, "If-None-Match": etag})
    assert same.status_code == 304

    client.post("/api/v1/comments", headers=headers["admin"],
                json={"comments": [{"text": "Xăng lại tăng giá", "created_at": f"{LAST_DAY}T11:00:00+07:00"}]})
    new_id = store.conn.execute("SELECT max(id) FROM comments").fetchone()[0]
    run_id = store.conn.execute("SELECT max(id) FROM topic_runs").fetchone()[0]
    add_assignments(store, run_id, pd.DataFrame({"comment_id": [new_id], "topic_key": [keys["fuel"]],
                                                 "similarity": [0.9]}))
    changed = client.get("/api/v1/topics", headers={**reader, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_errors_and_bad_keys_are_never_served_from_the_cache(client, headers, keys):
    reader = headers["reader"]
    assert client.get("/api/v1/topics", headers=reader).status_code == 200
    assert client.get("/api/v1/topics").status_code == 401
    assert client.get("/api/v1/topics", headers={"X-API-Key": "tp_000000000000_wrong"}).status_code == 401
    assert client.get("/api/v1/topics", headers={"Authorization": f"Bearer {reader['X-API-Key']}"}).status_code == 200
    assert client.get("/api/v1/topics/t9999", headers=reader).status_code == 404
    assert client.get("/api/v1/topics/t9999", headers=reader).status_code == 404
    assert len(client.app.state.read_cache) == 1


def test_a_key_revoked_through_the_api_stops_at_once(client, headers, keys):
    store = client.app.state.store
    record, token = create_key(store, "dashboard", "reader")
    assert client.get("/api/v1/topics", headers={"X-API-Key": token}).status_code == 200
    assert client.delete(f"/api/v1/keys/{record['id']}", headers=headers["admin"]).status_code == 200
    assert client.get("/api/v1/topics", headers={"X-API-Key": token}).status_code == 401


def test_a_key_revoked_in_the_store_stops_within_the_key_cache_time(app_settings):
    settings = _with_service(app_settings, key_cache_seconds=0.5)
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        store = http.app.state.store
        seed_topics(settings, store)
        record, token = create_key(store, "dashboard", "reader")
        assert http.get("/api/v1/topics", headers={"X-API-Key": token}).status_code == 200
        revoke_key(store, record["id"])  # behind the service's back: only the expiry can notice
        give_up = time.monotonic() + 30  # a guard against hanging, far above the configured 0.5 s
        statuses = []
        while time.monotonic() < give_up and statuses[-1:] != [401]:
            statuses.append(http.get("/api/v1/topics", headers={"X-API-Key": token}).status_code)
            time.sleep(0.1)
        assert statuses[-1] == 401 and set(statuses) <= {200, 401}


def test_the_cache_stays_within_its_byte_budget_and_refuses_oversize_answers(app_settings):
    settings = _with_service(app_settings, cache_max_bytes=6_000, max_response_bytes=4_000)
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        store = http.app.state.store
        topic_keys = seed_topics(settings, store)
        reader = {"X-API-Key": create_key(store, "reader", "reader")[1]}
        cache = http.app.state.read_cache
        sizes = []
        for offset in range(20):
            start = LAST_DAY - timedelta(days=19 - offset)
            answer = http.get(f"/api/v1/topics/{topic_keys['fuel']}", params={"start": str(start)}, headers=reader)
            assert answer.status_code == 200
            sizes.append(len(answer.content))
            assert cache.total_bytes <= 6_000
        assert sum(sizes) > 6_000 and 0 < len(cache) < 20

        wide = http.get(f"/api/v1/topics/{topic_keys['fuel']}", params={"start": "2025-01-01"}, headers=reader)
        assert wide.status_code == 422 and "max_response_bytes" in wide.json()["detail"]
        assert wide.json()["request_id"] == wide.headers["x-request-id"]
        assert cache.total_bytes <= 6_000
