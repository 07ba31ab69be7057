"""GET /alerts over HTTP: filters by kind, severity and days, and their 4xx messages."""

from __future__ import annotations

from store.alerts import put_alerts
from tests.service_helpers import app_settings, client, headers  # noqa: F401  (fixtures)


def alert(kind: str, day: str, severity: str, score: float, topic: str | None = "t0001") -> dict:
    return {"kind": kind, "topic_key": topic, "day": day, "severity": severity, "score": score,
            "numbers": {"score": score}, "explanation": f"{kind} on {day}.", "dedup_key": f"{kind}:{topic}:{day}"}


def test_alerts_filters(client, headers):
    put_alerts(client.app.state.store, [
        alert("surge", "2026-02-14", "high", 4.0),
        alert("emerging", "2026-02-10", "medium", 2.0, "t0002"),
        alert("unassigned_growth", "2026-02-01", "low", 1.0, None),
    ])
    reader = headers["reader"]

    def days(**params):
        response = client.get("/api/v1/alerts", params=params, headers=reader)
        assert response.status_code == 200, response.text
        return [a["day"] for a in response.json()["items"]]

    assert days() == ["2026-02-14", "2026-02-10", "2026-02-01"]
    assert days(kind="emerging") == ["2026-02-10"]
    assert days(severity="low") == ["2026-02-01"]
    assert days(start="2026-02-05", end="2026-02-14") == ["2026-02-10"]
    assert days(limit=1) == ["2026-02-14"]
    item = client.get("/api/v1/alerts", params={"kind": "unassigned_growth"}, headers=reader).json()["items"][0]
    assert item["topic_key"] is None and item["numbers"] == {"score": 1.0} and item["explanation"]


def test_alert_filter_errors_name_the_field(client, headers):
    reader = headers["reader"]
    for params, field in (({"kind": "panic"}, "query.kind"), ({"severity": "huge"}, "query.severity"),
                          ({"start": "14/02/2026"}, "query.start"), ({"start": "2026-02-10", "end": "2026-02-01"},
                                                                     "query.end")):
        response = client.get("/api/v1/alerts", params=params, headers=reader)
        assert response.status_code == 422 and response.json()["detail"].startswith(field), params
