"""Analysts' corrections: record one, apply them to a run, undo one.

Corrections are keyed by stable topic key, and keys survive re-fits through lineage, so applying
the active corrections to every new run (``apply_corrections``, called in the run's own write
transaction) keeps a renamed topic's name, a merge merged, a hidden topic hidden and a seeded
topic alive until someone undoes the correction. Each change made here is applied to the current
run at once, in the same transaction that records it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np

from models.seeded import seed_members
from store import Store
from store import corrections as store_corrections
from store import embeddings as store_embeddings
from store import topics as store_topics

log = logging.getLogger(__name__)

MAX_LABEL_CHARS = 200
MAX_SEED_PHRASES = 50


class CorrectionError(ValueError):
    """A correction cannot be made as asked; ``field`` names the input at fault. ``missing``: it names
    a topic or correction that does not exist; ``conflict``: the store's state, not the input, is why."""

    def __init__(self, field: str, message: str, *, missing: bool = False, conflict: bool = False) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.missing = missing
        self.conflict = conflict


def rename_topic(store: Store, topic_key: str, label: str) -> dict[str, Any]:
    """Give a topic a label chosen by a person."""
    label = _label(label)
    return _record(store, "rename", topic_key, label=label)


def hide_topic(store: Store, topic_key: str) -> dict[str, Any]:
    """Hide a topic (noise, spam) from topic lists; its comments stay where they are."""
    return _record(store, "hide", topic_key)


def merge_topics(store: Store, topic_key: str, merged_keys: Sequence[str]) -> dict[str, Any]:
    """Fold ``merged_keys`` into ``topic_key``: their comments count for it from now on."""
    merged = list(dict.fromkeys(merged_keys))
    if not merged:
        raise CorrectionError("topic_keys", "name at least one topic to merge into this one")
    if topic_key in merged:
        raise CorrectionError("topic_keys", f"{topic_key!r} cannot be merged into itself")
    return _record(store, "merge", topic_key, merged_keys=merged)


def seed_topic(store: Store, label: str, phrases: Sequence[str], embedder) -> dict[str, Any]:
    """Split off a new topic defined by seed phrases; it gets a stable key of its own."""
    label = _label(label)
    phrases = [p.strip() for p in phrases if p and p.strip()]
    if not phrases:
        raise CorrectionError("phrases", "give at least one seed phrase")
    if len(phrases) > MAX_SEED_PHRASES or any(len(p) > MAX_LABEL_CHARS for p in phrases):
        raise CorrectionError("phrases", f"at most {MAX_SEED_PHRASES} phrases of {MAX_LABEL_CHARS} characters")
    run = _current_run(store)
    if embedder.fingerprint != run["embedding_fingerprint"]:
        raise CorrectionError("phrases", f"the run clustered {run['embedding_fingerprint']} vectors, the "
                                         f"configured embedder makes {embedder.fingerprint}", conflict=True)
    key = store_topics.new_topic_keys(store, 1)[0]
    return _record(store, "seed", key, label=label, seed_phrases=phrases, seed_vector=_seed_vector(embedder, phrases),
                   seed_fingerprint=embedder.fingerprint)


def undo(store: Store, correction_id: int) -> dict[str, Any]:
    """Undo a correction: the current run goes back to its fitted state plus the other corrections."""
    run = _current_run(store)
    with store.transaction() as cur:
        undone = store_corrections.undo_correction(cur, correction_id)
        if undone is None:
            raise CorrectionError("correction_id", f"no active correction {correction_id}", missing=True)
        apply_corrections(cur, store, int(run["run_id"]), run["embedding_fingerprint"])
    return undone


def apply_corrections(
    cur: duckdb.DuckDBPyConnection, store: Store, run_id: int, fingerprint: str, embedder=None
) -> int:
    """Re-apply every active correction to a run from its fitted state; returns how many applied.

    A correction whose topic the run lacks (its key retired by a re-fit) is kept for later runs.
    A seed made with another embedding model is re-encoded with ``embedder`` when one is given.
    """
    store_corrections.reset_run(cur, run_id)
    present = store_corrections.run_topic_keys(cur, run_id)
    applied = 0
    for correction in store_corrections.list_corrections(cur):
        kind, key = correction["kind"], correction["topic_key"]
        if kind == "seed":
            applied += _apply_seed(cur, store, run_id, fingerprint, correction, embedder)
            present.add(key)
        elif key not in present:
            continue
        elif kind == "rename":
            store_corrections.set_label(cur, run_id, key, correction["label"], correction["created_at"])
            applied += 1
        elif kind == "hide":
            store_corrections.hide(cur, run_id, key)
            applied += 1
        elif kind == "merge":
            for merged in correction["merged_keys"]:
                if merged in present and merged != key:
                    store_corrections.fold_topic(cur, run_id, merged, key)
            applied += 1
    store_corrections.recount_sizes(cur, run_id)
    return applied


def provenance(corrections: Sequence[dict[str, Any]], topic_key: str) -> list[str]:
    """Who-free sentences on what people changed about a topic, e.g. 'label set by an analyst on 2026-03-01'."""
    notes = []
    for c in corrections:
        day = c["created_at"].date().isoformat()
        if c["kind"] == "merge" and topic_key in (c["merged_keys"] or []):
            notes.append(f"merged into {c['topic_key']} by an analyst on {day}")
        if c["topic_key"] != topic_key:
            continue
        if c["kind"] == "rename":
            notes.append(f"label set by an analyst on {day}")
        elif c["kind"] == "hide":
            notes.append(f"hidden by an analyst on {day}")
        elif c["kind"] == "merge":
            notes.append(f"merged with {', '.join(c['merged_keys'])} by an analyst on {day}")
        elif c["kind"] == "seed":
            notes.append(f"seeded by an analyst on {day} from {len(c['seed_phrases'])} phrase(s)")
    return notes


def _record(store: Store, kind: str, topic_key: str, **fields: Any) -> dict[str, Any]:
    run = _current_run(store)
    run_id = int(run["run_id"])
    with store.transaction() as cur:
        present = store_corrections.run_topic_keys(cur, run_id)
        for name, key in [("topic_key", topic_key)] * (kind != "seed") + [
            ("topic_keys", k) for k in fields.get("merged_keys", ())
        ]:
            if key not in present:
                raise CorrectionError(name, f"the current run has no topic {key!r}; see GET /api/v1/topics",
                                      missing=True)
        correction = store_corrections.add_correction(cur, kind, topic_key, **fields)
        apply_corrections(cur, store, run_id, run["embedding_fingerprint"])
    log.info("correction %d (%s of %s) applied to run %d", correction["id"], kind, topic_key, run_id)
    return correction


def _apply_seed(cur, store: Store, run_id: int, fingerprint: str, correction: dict, embedder) -> int:
    vector = correction["seed_vector"]
    if correction["seed_fingerprint"] != fingerprint:
        if embedder is None or embedder.fingerprint != fingerprint:
            log.warning("seed correction %d was made with %s vectors, run %d has %s: not applied",
                        correction["id"], correction["seed_fingerprint"], run_id, fingerprint)
            return 0
        vector = _seed_vector(embedder, correction["seed_phrases"])
        store_corrections.set_seed_vector(cur, correction["id"], vector, fingerprint)
    assignments = store_corrections.run_assignments(cur, run_id)
    ids, vectors = store_embeddings.comment_vectors(store, fingerprint, assignments["comment_id"].to_numpy())
    own = assignments.set_index("comment_id").loc[ids, "similarity"].to_numpy(dtype=np.float32)
    mentions = np.isin(ids, store_corrections.comments_mentioning(cur, run_id, correction["seed_phrases"]))
    found = seed_members(vectors, np.nan_to_num(own, nan=-1.0), np.asarray(vector, dtype=np.float32), mentions)
    order = np.argsort(-found.similarity)
    topic = {
        "topic_key": correction["topic_key"], "label": correction["label"],
        "keywords_json": json.dumps([{"word": p, "weight": 1.0} for p in correction["seed_phrases"]], ensure_ascii=False),
        "representative_ids": [int(ids[found.positions[i]]) for i in order[:5]],
        "min_similarity": found.min_similarity, "centroid": found.centroid, "label_set_at": correction["created_at"],
    }
    store_corrections.add_seed_topic(cur, run_id, topic, ids[found.positions])
    return 1


def _seed_vector(embedder, phrases: Sequence[str]) -> np.ndarray:
    vectors = np.asarray(embedder.encode(list(phrases), show_progress=False), dtype=np.float32)
    mean = vectors.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def _label(label: str) -> str:
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL_CHARS:
        raise CorrectionError("label", f"give a label of 1 to {MAX_LABEL_CHARS} characters")
    return label


def _current_run(store: Store) -> dict[str, Any]:
    run = store_topics.current_run(store)
    if run is None:
        raise CorrectionError("topic_key", "no topic run yet: run `topicpulse topics` first", conflict=True)
    return run
