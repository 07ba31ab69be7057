"""Stored alerts: written once per ``dedup_key`` (kind, topic, day), read back filtered."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from store.db import Store
from store.rows import records

KINDS = ("emerging", "surge", "fading", "unassigned_growth", "negative_rise")
SEVERITIES = ("low", "medium", "high")
_COLUMNS = ["id", "kind", "topic_key", "day", "severity", "score", "numbers", "explanation", "dedup_key", "created_at"]


def put_alerts(store: Store, alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store the alerts whose dedup_key is new, in one transaction; returns those stored, with ids.

    Each alert is a dict with kind, topic_key, day, severity, score, numbers (a dict),
    explanation and dedup_key. An alert already stored under its key is skipped, so running
    detection again over the same days never repeats an alert.
    """
    stored = []
    with store.transaction() as cur:
        existing = {row[0] for row in cur.execute("SELECT dedup_key FROM alerts").fetchall()}
        for alert in alerts:
            if alert["dedup_key"] in existing:
                continue
            existing.add(alert["dedup_key"])
            cur.execute(
                "INSERT INTO alerts (kind, topic_key, day, severity, score, numbers, explanation, dedup_key)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {', '.join(_COLUMNS)}",
                [alert["kind"], alert["topic_key"], alert["day"], alert["severity"], alert["score"],
                 json.dumps(alert["numbers"], ensure_ascii=False), alert["explanation"], alert["dedup_key"]],
            )
            stored.append(_decoded(records(cur)[0]))
    return stored


def recent_alerts(store: Store, *, since: dt.date) -> pd.DataFrame:
    """kind, topic_key and day of the alerts about ``since`` or later: what cooldowns look at."""
    with store.cursor() as cur:
        frame = cur.execute(
            "SELECT kind, topic_key, day FROM alerts WHERE day >= ? ORDER BY day", [since]
        ).df()
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def list_alerts(
    store: Store,
    *,
    kind: str | None = None,
    severity: str | None = None,
    start: dt.date | dt.datetime | None = None,
    end: dt.date | dt.datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Alerts about days in [start, end), newest day first, highest score first within a day.

    A datetime bound counts by its own calendar date, so local midnight in the settings' time
    zone means that local day. Raises ValueError for an unknown kind or severity.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    start_day, end_day = _day(start), _day(end)
    with store.cursor() as cur:
        cur.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM alerts"
            " WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR severity = ?)"
            " AND (? IS NULL OR day >= ?) AND (? IS NULL OR day < ?)"
            " ORDER BY day DESC, score DESC, id LIMIT ?",
            [kind, kind, severity, severity, start_day, start_day, end_day, end_day, limit],
        )
        return [_decoded(alert) for alert in records(cur)]


def _day(value: dt.date | dt.datetime | None) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def _decoded(alert: dict[str, Any]) -> dict[str, Any]:
    alert["numbers"] = json.loads(alert["numbers"]) if isinstance(alert["numbers"], str) else alert["numbers"]
    return alert
