"""Topic runs, topics, per-comment assignments, lineage and volumes: the only SQL topic modelling runs.

The current run is the latest run with status 'done'. A run is written in two steps: a 'running'
row when it starts (so a crash leaves a trace), then everything else in one transaction that also
flips it to 'done'. A failed run never becomes current, so readers keep the previous one.
Volumes count the current run's assignments per local day (or Monday-based week) of the
comments' ``created_at``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from store.dates import clamp_day
from store.db import Store
from store.rows import records

DEFAULT_TZ = "Asia/Ho_Chi_Minh"  # the default of settings.ingest.timezone; callers pass theirs
_FREQS = {"day": "day", "week": "week"}
_RUN_COLUMNS = (
    "status", "finished_at", "duration_s", "params", "embedding_fingerprint", "model_fingerprint",
    "data_start", "data_end", "max_comment_id", "n_comments", "n_fitted", "n_topics", "n_unassigned",
    "raw_outlier_share", "outlier_share", "topic_diversity", "npmi", "stage_seconds", "artifact_path", "error",
)
_JSON_COLUMNS = ("params", "stage_seconds", "keywords")
_CORRECTED = "t.fitted_label, t.origin, t.hidden, t.merged_into, t.label_set_at"  # see store/corrections.py


def topic_key(number: int) -> str:
    return f"t{number:04d}"


# ---------------------------------------------------------------------------- runs

def start_run(store: Store, params: dict[str, Any]) -> int:
    """Record a run as 'running' and return its id."""
    with store.transaction() as cur:
        row = cur.execute(
            "INSERT INTO topic_runs (status, params) VALUES ('running', ?) RETURNING id", [json.dumps(params)]
        ).fetchall()[0]
    return int(row[0])


def fail_run(store: Store, run_id: int, error: str) -> None:
    """Mark a run failed with the reason; the previous run stays current."""
    with store.transaction() as cur:
        cur.execute(
            "UPDATE topic_runs SET status = 'failed', error = ?, finished_at = now(),"
            " duration_s = epoch(now() - started_at) WHERE id = ?",
            [error[:4000], run_id],
        )


def write_run(
    store: Store,
    run_id: int,
    *,
    run: dict[str, Any],
    topics: Sequence[dict[str, Any]],
    lineage: Sequence[dict[str, Any]],
    assignments: pd.DataFrame,
    correct: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
) -> None:
    """Store a finished run in one transaction: its topics, lineage and assignments, then status 'done'.

    ``correct`` runs inside that transaction before the run turns 'done' (analysts' corrections),
    so no reader ever sees the run without them.

    ``topics`` rows: topic_key, topic_index, label, keywords (list of {word, weight}), size,
    representative_ids, min_similarity, centroid. ``lineage`` rows: topic_key, parent_run_id,
    parent_keys, relation, score. ``assignments``: comment_id, topic_key (None: unassigned), similarity.
    """
    frame = assignments.assign(run_id=run_id, method="fit")[["run_id", "comment_id", "topic_key", "similarity", "method"]]
    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO topics (run_id, topic_key, topic_index, label, keywords, size, representative_ids,"
            " min_similarity, centroid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [run_id, t["topic_key"], t["topic_index"], t["label"], json.dumps(t["keywords"], ensure_ascii=False),
                 t["size"], list(t["representative_ids"]), t["min_similarity"], [float(x) for x in t["centroid"]]]
                for t in topics
            ],
        )
        if lineage:
            cur.executemany(
                "INSERT INTO topic_lineage (run_id, topic_key, parent_run_id, parent_keys, relation, score)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [[run_id, r["topic_key"], r["parent_run_id"], list(r["parent_keys"]), r["relation"], r["score"]]
                 for r in lineage],
            )
        cur.register("run_assignments", frame)
        cur.execute(
            "INSERT INTO topic_assignments (run_id, comment_id, topic_key, similarity, method)"
            " SELECT run_id, comment_id, topic_key, similarity, method FROM run_assignments"
        )
        cur.unregister("run_assignments")
        if correct is not None:
            correct(cur)
        values = {**run, "status": "done"}
        names = [name for name in _RUN_COLUMNS if name in values]
        sets = ", ".join(f"{name} = ?" for name in names)
        cur.execute(
            f"UPDATE topic_runs SET {sets}, finished_at = coalesce(finished_at, now()) WHERE id = ?",
            [_json_value(name, values[name]) for name in names] + [run_id],
        )


def record_stage_seconds(store: Store, run_id: int, stage_seconds: dict[str, float], duration_s: float) -> None:
    """Add the per-stage timings, known only once the run's transaction has committed."""
    with store.transaction() as cur:
        cur.execute("UPDATE topic_runs SET stage_seconds = ?, duration_s = ? WHERE id = ?",
                    [json.dumps({k: round(v, 3) for k, v in stage_seconds.items()}), duration_s, run_id])


def new_topic_keys(store: Store, count: int) -> list[str]:
    """``count`` never-used stable keys (t0001, t0002, ...)."""
    with store.cursor() as cur:
        rows = cur.execute("SELECT nextval('topic_key_number') FROM range(?)", [count]).fetchall()
        return [topic_key(int(row[0])) for row in rows]


def current_run(store: Store) -> dict[str, Any] | None:
    """The latest successful run, or None before the first one."""
    return _one_run(store, "WHERE status = 'done' ORDER BY id DESC LIMIT 1", [])


def get_run(store: Store, run_id: int) -> dict[str, Any] | None:
    return _one_run(store, "WHERE id = ?", [run_id])


def list_runs(store: Store, *, limit: int = 20) -> list[dict[str, Any]]:
    """Runs newest first, failed and running ones included (they say why in ``error``)."""
    return _query(store, f"SELECT id AS run_id, * EXCLUDE (id) FROM topic_runs ORDER BY id DESC LIMIT {int(limit)}")


# ---------------------------------------------------------------------------- topics

def list_topics(store: Store, run_id: int | None = None, *, include_hidden: bool = False) -> list[dict[str, Any]]:
    """Topics of a run (default: the current one), largest first, with lineage; no centroids.

    Topics an analyst merged into another are left out, and hidden ones unless ``include_hidden``.
    """
    run_id = _run_or_current(store, run_id)
    if run_id is None:
        return []
    return _query(
        store,
        f"SELECT t.run_id, t.topic_key, t.topic_index, t.label, t.keywords, t.size, t.representative_ids,"
        f" {_CORRECTED}, l.relation, l.parent_keys, l.parent_run_id"
        " FROM topics t LEFT JOIN topic_lineage l USING (run_id, topic_key)"
        f" WHERE t.run_id = ? AND t.merged_into IS NULL {'' if include_hidden else 'AND NOT t.hidden'}"
        " ORDER BY t.size DESC, t.topic_key",
        [run_id],
    )


def get_topic(store: Store, topic_key: str) -> dict[str, Any] | None:
    """A topic as of the latest successful run that has it, with its representative comments.

    ``current`` says whether that run is the current one (False: the key was retired by a re-fit).
    """
    current = current_run(store)
    rows = _query(
        store,
        f"SELECT t.run_id, t.topic_key, t.topic_index, t.label, t.keywords, t.size, t.representative_ids,"
        f" t.min_similarity, {_CORRECTED}, l.relation, l.parent_keys, l.parent_run_id"
        " FROM topics t JOIN topic_runs r ON r.id = t.run_id"
        " LEFT JOIN topic_lineage l USING (run_id, topic_key)"
        " WHERE t.topic_key = ? AND r.status = 'done' ORDER BY t.run_id DESC LIMIT 1",
        [topic_key],
    )
    if not rows:
        return None
    topic = rows[0]
    topic["current"] = current is not None and topic["run_id"] == current["run_id"]
    with store.cursor() as cur:
        texts = dict(cur.execute(
            "SELECT id, text FROM comments WHERE id IN (SELECT unnest(?::BIGINT[]))", [topic["representative_ids"]]
        ).fetchall())
    topic["representative_comments"] = [
        {"comment_id": cid, "text": texts[cid]} for cid in topic["representative_ids"] if cid in texts
    ]
    return topic


def topic_lineage(store: Store, topic_key: str) -> list[dict[str, Any]]:
    """How a topic evolved: one entry per successful run where it exists or is named as a parent.

    Each entry has run_id, finished_at, topic_key, relation (match | split | merge | new),
    parent_run_id, parent_keys, label, size and score. Entries whose topic_key differs from the one
    asked for are its descendants (topics split from or merged with it). Oldest run first.
    """
    return _query(
        store,
        "SELECT l.run_id, r.finished_at, l.topic_key, l.relation, l.parent_run_id, l.parent_keys,"
        " t.label, t.size, l.score"
        " FROM topic_lineage l JOIN topic_runs r ON r.id = l.run_id"
        " JOIN topics t ON t.run_id = l.run_id AND t.topic_key = l.topic_key"
        " WHERE r.status = 'done' AND (l.topic_key = ? OR list_contains(l.parent_keys, ?))"
        " ORDER BY l.run_id, l.topic_key = ? DESC, l.topic_key",
        [topic_key, topic_key, topic_key],
    )


def topic_vectors(store: Store, run_id: int, *, fitted: bool = False) -> dict[str, Any]:
    """A run's topics as arrays: keys, centroids, min_similarity, keywords.

    For assignment (default) every topic counts, seeded ones included, and a topic merged into
    another answers with the key it was merged into. For lineage (``fitted``) only the topics the
    fit found count, under their own keys, so corrections never change which key a re-fit inherits.
    """
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT CASE WHEN ? THEN topic_key ELSE coalesce(merged_into, topic_key) END, centroid, min_similarity,"
            " keywords FROM topics WHERE run_id = ? AND (NOT ? OR origin = 'fit') ORDER BY topic_key",
            [fitted, run_id, fitted],
        ).fetchall()
    return {
        "keys": [row[0] for row in rows],
        "centroids": np.array([row[1] for row in rows], dtype=np.float32).reshape(len(rows), -1),
        "min_similarity": np.array([row[2] for row in rows], dtype=np.float32),
        "keywords": [[entry["word"] for entry in json.loads(row[3])] for row in rows],
    }


# ---------------------------------------------------------------------------- comments of a run

def comment_texts(store: Store, comment_ids: np.ndarray) -> list[str]:
    """The texts of ``comment_ids``, in that order (all must exist)."""
    frame = pd.DataFrame({"id": np.asarray(comment_ids, dtype=np.int64), "pos": np.arange(len(comment_ids))})
    with store.cursor() as cur:
        cur.register("wanted_comments", frame)
        rows = cur.execute(
            "SELECT c.text FROM wanted_comments w JOIN comments c ON c.id = w.id ORDER BY w.pos"
        ).fetchall()
    if len(rows) != len(frame):
        raise ValueError(f"{len(frame) - len(rows)} of the comment ids are not in the store")
    return [row[0] for row in rows]


def recent_comment_texts(store: Store, limit: int) -> list[str]:
    """The texts of the latest ``limit`` comments by id (what the assign path learns spellings from)."""
    rows = store.cursor().execute("SELECT text FROM comments ORDER BY id DESC LIMIT ?", [limit]).fetchall()
    return [row[0] for row in rows]


def data_window(store: Store, comment_ids: np.ndarray) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Earliest and latest ``created_at`` among the comments."""
    frame = pd.DataFrame({"id": np.asarray(comment_ids, dtype=np.int64)})
    with store.cursor() as cur:
        cur.register("window_comments", frame)
        first, last = cur.execute(
            "SELECT min(c.created_at), max(c.created_at) FROM comments c JOIN window_comments w ON w.id = c.id"
        ).fetchall()[0]
    return first, last


# ---------------------------------------------------------------------------- assignments

def comments_to_assign(store: Store, run_id: int) -> np.ndarray:
    """Ids of comments with no assignment in the run (ingested after it), oldest first."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT c.id FROM comments c WHERE NOT EXISTS"
            " (SELECT 1 FROM topic_assignments a WHERE a.run_id = ? AND a.comment_id = c.id) ORDER BY c.id",
            [run_id],
        ).fetchall()
    return np.array([row[0] for row in rows], dtype=np.int64)


def add_assignments(store: Store, run_id: int, assignments: pd.DataFrame) -> int:
    """Record incremental assignments (comment_id, topic_key or None, similarity); returns rows added.

    Comments that already have a row in the run are left as they are, so a repeated call adds nothing.
    """
    frame = assignments.assign(run_id=run_id, method="assign")[["run_id", "comment_id", "topic_key", "similarity", "method"]]
    with store.transaction() as cur:
        cur.register("new_assignments", frame)
        added = cur.execute(
            "INSERT INTO topic_assignments (run_id, comment_id, topic_key, similarity, method)"
            " SELECT run_id, comment_id, topic_key, similarity, method FROM new_assignments n"
            " WHERE NOT EXISTS (SELECT 1 FROM topic_assignments a WHERE a.run_id = n.run_id"
            " AND a.comment_id = n.comment_id) RETURNING comment_id"
        ).fetchall()
        cur.unregister("new_assignments")
    return len(added)


def incremental_counts(store: Store, run_id: int) -> tuple[int, int]:
    """(comments assigned to the run after it was fitted, of those unassigned)."""
    with store.cursor() as cur:
        total, unassigned = cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE topic_key IS NULL) FROM topic_assignments"
            " WHERE run_id = ? AND method = 'assign'", [run_id]
        ).fetchall()[0]
    return int(total), int(unassigned)


# ---------------------------------------------------------------------------- volumes

def topic_volume(
    store: Store,
    *,
    freq: str = "day",
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    topic_keys: Sequence[str] | None = None,
    tz: str = DEFAULT_TZ,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Comments per topic and local day (or week starting Monday): columns topic_key, ds, y.

    Every topic of the run gets a row for every period from ``start`` to ``end`` (both included;
    default: the first and last period with comments), zero where it had none. ``ds`` is the
    period's first local day as a naive timestamp. Unassigned comments are in ``unassigned_share``.
    Topics an analyst merged into another are never rows; hidden ones only when asked by key.
    """
    unit = _unit(freq)
    run_id = _run_or_current(store, run_id)
    empty = pd.DataFrame({"topic_key": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[us]"),
                          "y": pd.Series(dtype="int64")})
    if run_id is None:
        return empty
    rows = _query(store, "SELECT topic_key, hidden FROM topics WHERE run_id = ? AND merged_into IS NULL"
                         " ORDER BY topic_key", [run_id])
    if topic_keys is None:
        keys = [row["topic_key"] for row in rows if not row["hidden"]]
    else:
        keys = [row["topic_key"] for row in rows if row["topic_key"] in set(topic_keys)]
    counts = _period_counts(store, run_id, unit, tz, start, end, "a.topic_key, count(*) AS y",
                            "a.topic_key IS NOT NULL", "a.topic_key")
    grid = _periods(unit, start, end, counts["ds"])
    if not keys or grid.empty:
        return empty
    index = pd.MultiIndex.from_product([keys, grid], names=["topic_key", "ds"])
    filled = counts.set_index(["topic_key", "ds"])["y"].reindex(index, fill_value=0)
    out = filled.reset_index()
    out["y"] = out["y"].astype("int64")
    return out


def topic_sentiment(
    store: Store,
    model_key: str,
    *,
    freq: str = "day",
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    topic_keys: Sequence[str] | None = None,
    tz: str = DEFAULT_TZ,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Negative, scored and all comments per topic and local day (or week), and the negative share.

    Columns topic_key, ds, negative, scored, share; the same topics and periods as ``topic_volume``
    (``model_key`` names the sentiment classifier whose labels count). The share is of scored
    comments, None where a period has none, so a day without comments is no 0 % day.
    """
    volume = topic_volume(store, freq=freq, start=start, end=end, topic_keys=topic_keys, tz=tz, run_id=run_id)
    columns = ["topic_key", "ds", "negative", "scored", "share"]
    if volume.empty:
        return pd.DataFrame(columns=columns)
    counts = _period_counts(
        store, _run_or_current(store, run_id), _unit(freq), tz, start, end,
        "a.topic_key, count(s.label) FILTER (WHERE s.label = 'negative') AS negative, count(s.label) AS scored",
        "a.topic_key IS NOT NULL", "a.topic_key",
        join="LEFT JOIN comment_sentiment s ON s.text_hash = c.text_hash AND s.model_key = ?", join_params=[model_key],
    )
    out = volume[["topic_key", "ds"]].merge(counts, on=["topic_key", "ds"], how="left")
    out[["negative", "scored"]] = out[["negative", "scored"]].fillna(0).astype("int64")
    out["share"] = (out["negative"] / out["scored"].where(out["scored"] > 0)).astype(object)
    out.loc[out["scored"] == 0, "share"] = None
    return out[columns]


def unassigned_share(
    store: Store,
    *,
    freq: str = "day",
    start: dt.date | dt.datetime | str | None = None,
    end: dt.date | dt.datetime | str | None = None,
    tz: str = DEFAULT_TZ,
    run_id: int | None = None,
) -> pd.DataFrame:
    """Per local day (or week): unassigned comments, all assigned-or-not comments, and the share.

    Counts the current run's assignment rows: comments ingested after it count once ``assign`` has
    looked at them. A rising share means comments about something the run has no topic for.
    Periods without comments have total 0 and share 0.
    """
    unit = _unit(freq)
    run_id = _run_or_current(store, run_id)
    columns = ["ds", "unassigned", "total", "share"]
    if run_id is None:
        return pd.DataFrame(columns=columns)
    counts = _period_counts(store, run_id, unit, tz, start, end,
                            "count(*) FILTER (WHERE a.topic_key IS NULL) AS unassigned, count(*) AS total", "TRUE", None)
    grid = _periods(unit, start, end, counts["ds"])
    if grid.empty:
        return pd.DataFrame(columns=columns)
    out = counts.set_index("ds").reindex(grid, fill_value=0).rename_axis("ds").reset_index()
    out[["unassigned", "total"]] = out[["unassigned", "total"]].astype("int64")
    out["share"] = np.where(out["total"] > 0, out["unassigned"] / out["total"].clip(lower=1), 0.0)
    return out[columns]


# ---------------------------------------------------------------------------- helpers

def _unit(freq: str) -> str:
    if freq not in _FREQS:
        raise ValueError(f"freq must be 'day' or 'week', got {freq!r}")
    return _FREQS[freq]


def _period_start(value: dt.date | dt.datetime | str, unit: str) -> pd.Timestamp:
    """The local day (or Monday) starting ``value``'s period, moved into the store's span of days
    so that no bound a caller picks (year 1, year 9999) overflows a calendar or zero-fills a series."""
    day = pd.Timestamp(value)
    day = (day.tz_localize(None) if day.tzinfo else day).normalize()
    day = pd.Timestamp(clamp_day(day.date()))
    return day - pd.Timedelta(days=day.weekday()) if unit == "week" else day


def _period_counts(store, run_id, unit, tz, start, end, measures, condition, group, join="", join_params=()) -> pd.DataFrame:
    where, params = ["a.run_id = ?", condition], [unit, tz, *join_params, run_id]
    if start is not None:
        where.append("(c.created_at AT TIME ZONE ?) >= ?")
        params += [tz, _period_start(start, unit).to_pydatetime()]
    if end is not None:
        where.append("(c.created_at AT TIME ZONE ?) < ?")
        params += [tz, (_period_start(end, "day") + pd.Timedelta(days=1)).to_pydatetime()]
    keys = f"{group}, ds" if group else "ds"
    sql = (
        f"SELECT {group + ', ' if group else ''}date_trunc(?, c.created_at AT TIME ZONE ?) AS ds, {measures}"
        f" FROM topic_assignments a JOIN comments c ON c.id = a.comment_id {join}"
        f" WHERE {' AND '.join(where)} GROUP BY {keys}"
    )
    with store.cursor() as cur:
        frame = cur.execute(sql, params).df()
    frame["ds"] = pd.to_datetime(frame["ds"]).astype("datetime64[us]")
    return frame


def _periods(unit: str, start, end, seen: pd.Series) -> pd.DatetimeIndex:
    first = _period_start(start, unit) if start is not None else (seen.min() if len(seen) else None)
    last = _period_start(end, unit) if end is not None else (seen.max() if len(seen) else None)
    if first is None or last is None or pd.isna(first) or pd.isna(last) or last < first:
        return pd.DatetimeIndex([], dtype="datetime64[us]", name="ds")
    step = "7D" if unit == "week" else "D"
    return pd.date_range(first, last, freq=step, name="ds").astype("datetime64[us]")


def _run_or_current(store: Store, run_id: int | None) -> int | None:
    if run_id is not None:
        return run_id
    run = current_run(store)
    return None if run is None else int(run["run_id"])


def _one_run(store: Store, clause: str, params: list) -> dict[str, Any] | None:
    rows = _query(store, f"SELECT id AS run_id, * EXCLUDE (id) FROM topic_runs {clause}", params)
    return rows[0] if rows else None


def _query(store: Store, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with store.cursor() as cur:
        rows = records(cur.execute(sql, params or []))
    for row in rows:
        for name in _JSON_COLUMNS:
            if isinstance(row.get(name), str):
                row[name] = json.loads(row[name])
    return rows


def _json_value(name: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if name in ("params", "stage_seconds") else value
