"""Sentiment per distinct comment text, and the negative share of topics per day or week.

Scores are keyed by text hash like vectors are, so duplicates are scored once and a classifier
change (new ``model_key``) re-scores without mixing old and new labels in one series.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from store.db import Store
from store.embeddings import model_dim, vectors_table

if TYPE_CHECKING:  # frames come from store.topics; an embed run with nothing to do stays without pandas
    import pandas as pd

LABELS = ("negative", "neutral", "positive")


def register_model(store: Store, model_key: str, fingerprint: str) -> None:
    """Record a classifier that reads ``fingerprint`` vectors (once; later calls change nothing)."""
    with store.transaction() as cur:
        cur.execute("INSERT OR IGNORE INTO sentiment_models (model_key, fingerprint) VALUES (?, ?)",
                    [model_key, fingerprint])


def unscored_count(store: Store, model_key: str) -> int:
    """Distinct comment texts that ``model_key`` has not scored (embedded or not)."""
    with store.cursor() as cur:
        (count,) = cur.execute(
            "SELECT count(DISTINCT c.text_hash) FROM comments c WHERE NOT EXISTS"
            " (SELECT 1 FROM comment_sentiment s WHERE s.model_key = ? AND s.text_hash = c.text_hash)", [model_key],
        ).fetchone()
    return int(count)


def unscored_vectors(
    store: Store, model_key: str, fingerprint: str, *, batch_size: int = 4096
) -> Iterator[tuple[list[str], np.ndarray]]:
    """Pages of (text hashes, vectors) of comment texts with a vector but no score from ``model_key``."""
    dim = model_dim(store, fingerprint)
    if dim is None:
        return
    table = vectors_table(dim)
    after = ""
    while True:
        with store.cursor() as cur:
            result = cur.sql(
                f"SELECT e.text_hash, e.vector FROM {table} e WHERE e.fingerprint = ? AND e.text_hash > ?"
                " AND EXISTS (SELECT 1 FROM comments c WHERE c.text_hash = e.text_hash)"
                " AND NOT EXISTS (SELECT 1 FROM comment_sentiment s WHERE s.model_key = ? AND s.text_hash = e.text_hash)"
                " ORDER BY e.text_hash LIMIT ?",
                params=[fingerprint, after, model_key, batch_size],
            ).to_arrow_table()
        if result.num_rows == 0:
            return
        hashes = result.column("text_hash").to_pylist()
        flat = result.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        after = hashes[-1]
        yield hashes, flat.astype(np.float32, copy=False).reshape(len(hashes), dim)


def put_scores(store: Store, model_key: str, text_hashes: Sequence[str], probabilities: np.ndarray) -> int:
    """Store each text's class probabilities (columns in ``LABELS`` order) and its most likely label."""
    probabilities = np.asarray(probabilities, dtype=np.float32)
    if probabilities.shape != (len(text_hashes), len(LABELS)):
        raise ValueError(f"expected {len(text_hashes)}x{len(LABELS)} probabilities, got {probabilities.shape}")
    if not len(text_hashes):
        return 0
    batch = pa.table({
        "text_hash": pa.array(list(text_hashes), pa.string()),
        "label": pa.array([LABELS[i] for i in probabilities.argmax(axis=1)], pa.string()),
        **{name: pa.array(probabilities[:, i]) for i, name in enumerate(LABELS)},
    })
    with store.transaction() as cur:
        cur.register("new_scores", batch)
        (inserted,) = cur.execute(
            "INSERT OR IGNORE INTO comment_sentiment (model_key, text_hash, label, negative, neutral, positive)"
            " SELECT ?, text_hash, label, negative, neutral, positive FROM new_scores", [model_key],
        ).fetchone()
        cur.unregister("new_scores")
    return int(inserted)


def comment_labels(store: Store, model_key: str, comment_ids: Sequence[int]) -> dict[int, str]:
    """The sentiment label of each scored comment among ``comment_ids``."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT c.id, s.label FROM comments c JOIN comment_sentiment s ON s.text_hash = c.text_hash"
            " AND s.model_key = ? WHERE list_contains(?, c.id)", [model_key, [int(i) for i in comment_ids]],
        ).fetchall()
    return {int(i): str(label) for i, label in rows}


def negative_shares(frame: pd.DataFrame) -> dict[str, float | None]:
    """Per topic of a ``store.topics.topic_sentiment`` frame: negative / scored over all its periods
    (None where nothing was scored)."""
    totals = frame.groupby("topic_key")[["negative", "scored"]].sum()
    return {str(key): (int(row.negative) / int(row.scored) if row.scored else None) for key, row in totals.iterrows()}
