"""Analysts' corrections over HTTP: the real app, a real store, real embeddings for seeds."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.service_helpers import app_settings, client, headers, seed_topics, test_embedder  # noqa: F401


@pytest.fixture
def keys(client, app_settings, test_embedder):
    return seed_topics(app_settings, client.app.state.store, embedder=test_embedder)


def _topics(client, headers, **params) -> dict[str, dict]:
    body = client.get("/api/v1/topics", params=params, headers=headers["reader"]).json()
    return {t["topic_key"]: t for t in body["items"]}


def test_rename_shows_who_free_provenance_and_undo_restores_the_fitted_label(client, headers, keys):
    fuel = keys["fuel"]
    refused = client.post(f"/api/v1/topics/{fuel}/label", json={"label": "Xăng"}, headers=headers["reader"])
    assert refused.status_code == 403
    made = client.post(f"/api/v1/topics/{fuel}/label", json={"label": "Giá xăng dầu"}, headers=headers["analyst"])
    assert made.status_code == 201, made.text
    today = dt.date.today().isoformat()
    topic = _topics(client, headers)[fuel]
    assert topic["label"] == "Giá xăng dầu" and topic["label_source"] == "analyst"
    assert topic["provenance"] == [f"label set by an analyst on {today}"]
    detail = client.get(f"/api/v1/topics/{fuel}", headers=headers["reader"]).json()
    assert detail["label"] == "Giá xăng dầu" and detail["provenance"] == topic["provenance"]
    assert "test analyst" not in made.text

    undone = client.post(f"/api/v1/corrections/{made.json()['id']}/undo", headers=headers["analyst"])
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    assert _topics(client, headers)[fuel]["label"] == "giá xăng"
    assert client.get("/api/v1/corrections", headers=headers["analyst"]).json()["items"] == []
    history = client.get("/api/v1/corrections", params={"include_undone": True}, headers=headers["analyst"]).json()
    assert [c["kind"] for c in history["items"]] == ["rename"]
    again = client.post(f"/api/v1/corrections/{made.json()['id']}/undo", headers=headers["analyst"])
    assert again.status_code == 404 and again.json()["detail"].startswith("path.correction_id")


def test_merge_and_hide_change_lists_and_volumes(client, headers, keys):
    fuel, traffic = keys["fuel"], keys["traffic"]
    merged = client.post(f"/api/v1/topics/{fuel}/merge", json={"topic_keys": [traffic]}, headers=headers["analyst"])
    assert merged.status_code == 201, merged.text
    listed = _topics(client, headers)
    assert list(listed) == [fuel] and listed[fuel]["volume"] == 28 and listed[fuel]["size"] == 54
    assert listed[fuel]["provenance"] == [f"merged with {traffic} by an analyst on {dt.date.today()}"]
    gone = client.get(f"/api/v1/topics/{traffic}", headers=headers["reader"]).json()
    assert gone["merged_into"] == fuel and gone["provenance"][0].startswith(f"merged into {fuel}")

    client.post(f"/api/v1/corrections/{merged.json()['id']}/undo", headers=headers["analyst"])
    assert set(_topics(client, headers)) == {fuel, traffic}
    assert client.post(f"/api/v1/topics/{traffic}/hide", headers=headers["analyst"]).status_code == 201
    assert set(_topics(client, headers)) == {fuel}
    hidden = _topics(client, headers, include_hidden=True)[traffic]
    assert hidden["hidden"] is True and hidden["provenance"][0].startswith("hidden by an analyst")


def test_a_seeded_topic_takes_the_comments_that_mention_its_phrases(client, headers, keys):
    made = client.post("/api/v1/seeded-topics", json={"label": "Fuel (English)", "phrases": ["fuel price"]},
                       headers=headers["analyst"])
    assert made.status_code == 201, made.text
    seeded = client.get(f"/api/v1/topics/{made.json()['topic_key']}", headers=headers["reader"]).json()
    assert seeded["origin"] == "seed" and seeded["label_source"] == "analyst" and seeded["size"] >= 1
    assert any("Fuel price" in c["text"] for c in seeded["representative_comments"])
    assert seeded["keywords"] == [{"word": "fuel price", "weight": 1.0}]


def test_bad_corrections_are_refused_naming_the_field(client, headers, keys):
    analyst = headers["analyst"]
    unknown = client.post("/api/v1/topics/t9999/label", json={"label": "x"}, headers=analyst)
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("path.topic_key")
    empty = client.post(f"/api/v1/topics/{keys['fuel']}/label", json={"label": ""}, headers=analyst)
    assert empty.status_code == 422 and "label" in empty.json()["detail"]
    blank = client.post(f"/api/v1/topics/{keys['fuel']}/label", json={"label": "   "}, headers=analyst)
    assert blank.status_code == 422 and blank.json()["detail"].startswith("body.label")
    itself = client.post(f"/api/v1/topics/{keys['fuel']}/merge", json={"topic_keys": [keys["fuel"]]}, headers=analyst)
    assert itself.status_code == 422 and itself.json()["detail"].startswith("body.topic_keys")
    stranger = client.post(f"/api/v1/topics/{keys['fuel']}/merge", json={"topic_keys": ["t9999"]}, headers=analyst)
    assert stranger.status_code == 404 and stranger.json()["detail"].startswith("body.topic_keys")
    assert "t9999" in stranger.json()["detail"]


def test_corrections_before_any_run_are_a_conflict(client, headers):
    answer = client.post("/api/v1/topics/t0001/hide", headers=headers["analyst"])
    assert answer.status_code == 409 and "topicpulse topics" in answer.json()["detail"]


def test_seeding_a_run_clustered_with_another_model_is_a_conflict(client, headers, app_settings):
    seed_topics(app_settings, client.app.state.store)  # placeholder vectors, not the configured model's
    answer = client.post("/api/v1/seeded-topics", json={"label": "Fuel", "phrases": ["fuel price"]},
                         headers=headers["analyst"])
    assert answer.status_code == 409 and "phrases" in answer.json()["detail"]
