"""store.topics on hand-written runs: current run, lineage queries, local-day volumes, unassigned share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.ingest import ingest_records
from config import Settings
from store import Store
from store import topics as store_topics
from store.recovery import fail_running_runs


def _comments(settings: Settings, store: Store) -> list[int]:
    records = [
        {"id": "a", "text": "giá nhà đất tăng quá", "created_at": "2026-03-01T20:00:00+00:00"},  # 03:00 on 2 March in Hà Nội
        {"id": "b", "text": "ùn tắc giao thông", "created_at": "2026-03-01T10:00:00+00:00"},
        {"id": "c", "text": "spam spam spam", "created_at": "2026-03-04T10:00:00+00:00"},
        {"id": "d", "text": "giá đất lại tăng", "created_at": "2026-03-09T10:00:00+00:00"},
    ]
    ingest_records(settings, store, records)
    return [row[0] for row in store.conn.execute("SELECT id FROM comments ORDER BY external_id").fetchall()]


def _topic(key: str, index: int, words: list[str], reps: list[int]) -> dict:
    return {"topic_key": key, "topic_index": index, "label": ", ".join(words), "size": len(reps),
            "keywords": [{"word": w, "weight": 1.0} for w in words], "representative_ids": reps,
            "min_similarity": 0.5, "centroid": np.ones(4, np.float32) / 2}


def _write(store: Store, topics: list[dict], lineage: list[dict], assignments: dict[int, str | None]) -> int:
    run_id = store_topics.start_run(store, {"test": True})
    store_topics.write_run(store, run_id, run={"n_comments": len(assignments), "npmi": 0.1, "params": {"x": 1}},
                           topics=topics, lineage=lineage,
                           assignments=pd.DataFrame({"comment_id": list(assignments), "topic_key": list(assignments.values()),
                                                     "similarity": 0.9}))
    return run_id


def test_volumes_count_local_days_zero_filled(settings: Settings, store: Store) -> None:
    a, b, c, d = _comments(settings, store)
    keys = store_topics.new_topic_keys(store, 2)
    assert keys == ["t0001", "t0002"]
    _write(store, [_topic(keys[0], 0, ["giá_đất"], [a, d]), _topic(keys[1], 1, ["giao_thông"], [b])],
           [{"topic_key": k, "parent_run_id": None, "parent_keys": [], "relation": "new", "score": 0.0} for k in keys],
           {a: keys[0], b: keys[1], c: None, d: keys[0]})

    local = store_topics.topic_volume(store, freq="day", tz="Asia/Ho_Chi_Minh")
    utc = store_topics.topic_volume(store, freq="day", tz="UTC")
    first = local[local["topic_key"] == "t0001"].set_index("ds")["y"]
    assert first[pd.Timestamp("2026-03-02")] == 1 and first[pd.Timestamp("2026-03-09")] == 1
    assert utc[utc["topic_key"] == "t0001"].set_index("ds")["y"][pd.Timestamp("2026-03-01")] == 1
    assert len(local) == 2 * 9 and local["y"].sum() == 3  # 1 to 9 March, both topics, zeros included

    window = store_topics.topic_volume(store, freq="day", start="2026-02-27", end="2026-03-03", topic_keys=["t0002"])
    assert list(window["ds"].dt.day) == [27, 28, 1, 2, 3] and window["y"].tolist() == [0, 0, 1, 0, 0]

    weekly = store_topics.topic_volume(store, freq="week", tz="Asia/Ho_Chi_Minh")
    assert sorted(weekly["ds"].unique()) == [pd.Timestamp("2026-02-23"), pd.Timestamp("2026-03-02"),
                                            pd.Timestamp("2026-03-09")]

    share = store_topics.unassigned_share(store, freq="day", tz="Asia/Ho_Chi_Minh").set_index("ds")
    assert share.loc[pd.Timestamp("2026-03-04"), "share"] == 1.0
    assert share["total"].sum() == 4 and share.loc[pd.Timestamp("2026-03-05"), "total"] == 0

    topic = store_topics.get_topic(store, "t0001")
    assert [c["text"] for c in topic["representative_comments"]] == ["giá nhà đất tăng quá", "giá đất lại tăng"]
    assert topic["keywords"][0] == {"word": "giá_đất", "weight": 1.0}


def test_current_run_lineage_and_retired_keys(settings: Settings, store: Store) -> None:
    a, b, c, d = _comments(settings, store)
    first = _write(store, [_topic("t0001", 0, ["giá_đất"], [a])],
                   [{"topic_key": "t0001", "parent_run_id": None, "parent_keys": [], "relation": "new", "score": 0.0}],
                   {a: "t0001", b: "t0001", c: None, d: "t0001"})
    store_topics.fail_run(store, store_topics.start_run(store, {}), "ValueError: boom")
    assert store_topics.current_run(store)["run_id"] == first
    second = _write(store, [_topic("t0001", 0, ["giá_đất"], [a]), _topic("t0005", 1, ["giao_thông"], [b])],
                    [{"topic_key": "t0001", "parent_run_id": first, "parent_keys": ["t0001"], "relation": "split", "score": 0.9},
                     {"topic_key": "t0005", "parent_run_id": first, "parent_keys": ["t0001"], "relation": "split", "score": 0.7}],
                    {a: "t0001", b: "t0005", c: None, d: "t0001"})
    store_topics.start_run(store, {})  # still running: never current

    assert store_topics.current_run(store)["run_id"] == second
    history = store_topics.topic_lineage(store, "t0001")
    assert [(h["run_id"], h["topic_key"], h["relation"]) for h in history] == [
        (first, "t0001", "new"), (second, "t0001", "split"), (second, "t0005", "split")]
    assert [t["topic_key"] for t in store_topics.list_topics(store, first)] == ["t0001"]
    assert fail_running_runs(store) == 1
    runs = store_topics.list_runs(store)
    assert [r["status"] for r in runs] == ["failed", "done", "failed", "done"]
    assert runs[2]["error"] == "ValueError: boom" and "interrupted" in runs[0]["error"]
    assert store_topics.comments_to_assign(store, second).size == 0


def test_assignments_added_once(settings: Settings, store: Store) -> None:
    a, b, c, d = _comments(settings, store)
    run = _write(store, [_topic("t0001", 0, ["giá_đất"], [a])], [], {a: "t0001"})
    assert list(store_topics.comments_to_assign(store, run)) == [b, c, d]
    frame = pd.DataFrame({"comment_id": [b, c], "topic_key": ["t0001", None], "similarity": [0.8, 0.1]})
    assert store_topics.add_assignments(store, run, frame) == 2
    assert store_topics.add_assignments(store, run, frame) == 0
    assert store_topics.incremental_counts(store, run) == (2, 1)
    with pytest.raises(ValueError, match="freq"):
        store_topics.unassigned_share(store, freq="hour")
