"""Every date and time the API takes is range-checked at the edge: a 422 naming the field, never a 500,
and no answer that grows with the range a caller asks for."""

from __future__ import annotations

from datetime import date

import pytest

from service.routes.topics import MAX_SERIES_DAYS
from store import topics as topic_store
from tests.service_helpers import LAST_DAY, app_settings, client, headers, seed_topics  # noqa: F401


@pytest.fixture
def keys(client, app_settings):
    return seed_topics(app_settings, client.app.state.store)


def _refused(client, headers, path: str, params: dict, field: str) -> None:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 422, (path, params, response.text)
    assert response.json()["detail"].startswith(f"{field}:"), response.json()


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-01", "0", "1989-12-31", "2100-01-01", "2026-02-30", "20260220"])
def test_topic_list_refuses_days_outside_the_span(client, headers, keys, end):
    _refused(client, headers["reader"], "/api/v1/topics", {"end": end}, "query.end")


@pytest.mark.parametrize("params, field", [
    ({"end": "9999-12-31"}, "query.end"),
    ({"end": "9999-12-30"}, "query.end"),
    ({"start": "0001-01-01"}, "query.start"),
    ({"end": "0"}, "query.end"),
    ({"start": "2026-02-20", "end": "2026-02-19"}, "query.end"),
    ({"start": "2020-01-01", "end": "2026-02-20"}, "query.end"),
])
def test_topic_detail_refuses_bad_or_too_long_windows(client, headers, keys, params, field):
    _refused(client, headers["reader"], f"/api/v1/topics/{keys['fuel']}", params, field)


def test_topic_detail_series_never_longer_than_the_maximum(client, headers, keys):
    reader = headers["reader"]
    far = client.get(f"/api/v1/topics/{keys['fuel']}", params={"end": "2099-12-31"}, headers=reader).json()
    assert len(far["daily_volume"]) == MAX_SERIES_DAYS and far["daily_volume"][-1]["ds"] == "2099-12-31"
    early = client.get(f"/api/v1/topics/{keys['fuel']}", params={"start": "1990-01-01"}, headers=reader).json()
    assert len(early["daily_volume"]) == MAX_SERIES_DAYS and early["daily_volume"][0]["ds"] == "1990-01-01"
    one_day = client.get(f"/api/v1/topics/{keys['fuel']}", params={"start": str(LAST_DAY), "end": str(LAST_DAY)},
                         headers=reader).json()
    assert [p["y"] for p in one_day["daily_volume"]] == [3]


def test_report_refuses_days_outside_the_span(client, headers, keys):
    _refused(client, headers["analyst"], "/api/v1/reports/topics", {"from": "0001-01-01", "to": "0001-01-31"},
             "query.from")
    _refused(client, headers["analyst"], "/api/v1/reports/topics", {"from": "2026-02-01", "to": "9999-12-31"},
             "query.to")


@pytest.mark.parametrize("params, field", [
    ({"end": "0"}, "query.end"),
    ({"start": "9999-12-31T00:00:00Z"}, "query.start"),
    ({"start": "2026-02-14T08:30:00"}, "query.start"),  # no offset: which local time would it be?
    ({"start": "2026-02-15T00:00:00Z", "end": "2026-02-14T00:00:00Z"}, "query.end"),
])
def test_comment_filters_take_rfc3339_moments_in_order(client, headers, keys, params, field):
    _refused(client, headers["reader"], "/api/v1/comments", params, field)
    _refused(client, headers["reader"], f"/api/v1/topics/{keys['fuel']}/comments", params, field)


def test_alerts_take_days_in_order(client, headers):
    _refused(client, headers["reader"], "/api/v1/alerts", {"start": "0001-01-01"}, "query.start")
    _refused(client, headers["reader"], "/api/v1/alerts", {"start": "2026-02-02", "end": "2026-02-01"}, "query.end")


def test_search_body_moments_are_checked_before_any_model_loads(client, headers):
    response = client.post("/api/v1/search", json={"query": "xăng", "start": 0}, headers=headers["reader"])
    assert response.status_code == 422 and response.json()["detail"].startswith("body.start:")


def test_store_volume_clamps_far_bounds_instead_of_overflowing(app_settings, store):
    seed_topics(app_settings, store)
    volume = topic_store.topic_volume(store, freq="week", start=date(1, 1, 1), end=date(9999, 12, 31))
    assert volume["ds"].min().date() == date(1990, 1, 1) and volume["ds"].max().year == 2099
    assert int(volume["y"].sum()) == 54
