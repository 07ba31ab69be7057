"""Incremental assignment: comments that arrive after a topic run get the nearest topic of that run.

It is cheap (one embedding per new text and a matrix product with the topic centroids) and never
changes topics: a comment whose cosine to its nearest centroid is below that topic's threshold
stays unassigned. The unassigned share then tells when the topics no longer cover what people
write about, which is when a full re-fit (``topicpulse topics``) is due:

- ``topics.refit_unassigned_share`` (default 0.25): at least that share of the comments assigned
  since the run (and at least ``REFIT_MIN_COMMENTS`` of them) found no topic; or
- ``topics.refit_max_age_days`` (default 30): the run is that old, whatever the share, so slow
  drift in existing topics is picked up too.

``refit_due`` checks both; the scheduler's weekly refit job runs regardless.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from config.errors import TopicPulseError
from models.diacritics import DiacriticRestorer
from models.topic_geometry import OUTLIER, nearest_topics
from config import Settings
from pipelines import ray_engine
from pipelines.restore import analysis_vectors, learned_restorer
from store import Store
from store import embeddings as store_embeddings
from store import topics as store_topics

log = logging.getLogger(__name__)

REFIT_MIN_COMMENTS = 30


class AssignError(TopicPulseError, ValueError):
    """Assignment cannot run as asked; the message says what to do."""


@dataclass
class AssignReport:
    run_id: int
    considered: int
    assigned: int
    unassigned: int
    without_vector: int
    unassigned_share: float
    refit_due: bool
    refit_reason: str
    seconds: float


@dataclass
class Classification:
    """The topic a text would get, for the API; nothing is stored."""

    topic_key: str | None
    label: str | None
    similarity: float


@dataclass
class RefitDecision:
    due: bool
    reason: str
    run_id: int | None
    age_days: float | None
    unassigned_share: float | None


def assign_new_comments(settings: Settings, store: Store, embedder=None) -> AssignReport:
    """Embed the comments the current run has not seen and give each its nearest topic (or none)."""
    from pipelines.embed import embed_comments, load_embedder

    started = time.perf_counter()
    run = _current_run(store)
    embedder = _matching_embedder(embedder or load_embedder(settings), run)
    ids = store_topics.comments_to_assign(store, run["run_id"])
    assigned = unassigned = without_vector = 0
    if len(ids):
        embed_comments(settings, store, embedder)
        topics = store_topics.topic_vectors(store, run["run_id"])
        centroids, thresholds = topics["centroids"], _thresholds(settings, topics)
        batches = _vector_batches(store, embedder, ids, settings.topics.assign_batch,
                                  learned_restorer(store, settings.topics.sample_size)
                                  if settings.topics.restore_diacritics else None)
        engine = ray_engine.for_settings(settings)
        if engine is not None:
            nearest = engine.map_ordered(nearest_topics, batches, centroids, thresholds)
        else:
            nearest = ((meta, nearest_topics(vectors, centroids, thresholds)) for meta, vectors in batches)
        for (done, found), (rows, similarity) in nearest:
            keys = [topics["keys"][row] if row != OUTLIER else None for row in rows]
            store_topics.add_assignments(store, run["run_id"], pd.DataFrame(
                {"comment_id": found, "topic_key": keys, "similarity": similarity}
            ))
            unassigned += int((rows == OUTLIER).sum())
            assigned += int((rows != OUTLIER).sum())
            log.info("assigned %d of %d new comments to run %s", done, len(ids), run["run_id"])
        without_vector = len(ids) - assigned - unassigned
    decision = refit_due(store, settings)
    return AssignReport(
        run_id=int(run["run_id"]), considered=len(ids), assigned=assigned, unassigned=unassigned,
        without_vector=without_vector, unassigned_share=decision.unassigned_share or 0.0,
        refit_due=decision.due, refit_reason=decision.reason, seconds=round(time.perf_counter() - started, 3),
    )


def classify_texts(settings: Settings, store: Store, texts: Sequence[str], embedder=None) -> list[Classification]:
    """The nearest topic of the current run for each text, normalised as ingest would; stores nothing."""
    from models.text import normalise_text
    from pipelines.embed import load_embedder

    run = _current_run(store)
    if not texts:
        return []
    embedder = _matching_embedder(embedder or load_embedder(settings), run)
    topics = store_topics.topic_vectors(store, run["run_id"])
    labels = {topic["topic_key"]: topic["label"] for topic in store_topics.list_topics(store, run["run_id"])}
    clean = [normalise_text(text, redact_pii=settings.ingest.redact_pii) for text in texts]
    rows, similarity = nearest_topics(embedder.encode(clean), topics["centroids"], _thresholds(settings, topics))
    out = []
    for row, score in zip(rows.tolist(), similarity.tolist()):
        key = topics["keys"][row] if row != OUTLIER else None
        out.append(Classification(topic_key=key, label=labels.get(key) if key else None, similarity=round(score, 4)))
    return out


def refit_due(store: Store, settings: Settings, *, now: dt.datetime | None = None) -> RefitDecision:
    """Whether a full re-fit is due: no run yet, too many unassigned new comments, or an old run."""
    run = store_topics.current_run(store)
    if run is None:
        return RefitDecision(True, "no topic run yet", None, None, None)
    now = now or dt.datetime.now(dt.UTC)
    age = (now - run["finished_at"]).total_seconds() / 86400
    new, unassigned = store_topics.incremental_counts(store, run["run_id"])
    share = unassigned / new if new else 0.0
    cfg = settings.topics
    if new >= REFIT_MIN_COMMENTS and share >= cfg.refit_unassigned_share:
        reason = f"{share:.0%} of {new} comments since run {run['run_id']} found no topic (limit {cfg.refit_unassigned_share:.0%})"
        return RefitDecision(True, reason, run["run_id"], age, share)
    if age >= cfg.refit_max_age_days:
        return RefitDecision(True, f"run {run['run_id']} is {age:.0f} days old (limit {cfg.refit_max_age_days})",
                             run["run_id"], age, share)
    return RefitDecision(False, "topics are current", run["run_id"], age, share)


def _vector_batches(
    store: Store, embedder, ids: np.ndarray, size: int, restorer: DiacriticRestorer | None
) -> Iterator[tuple[tuple[int, np.ndarray], np.ndarray]]:
    """((ids handled so far, ids found), vectors) per batch of ``size`` comment ids, read as needed.

    With ``restorer``, comments typed without diacritics get the vector of their restored text,
    as the fit gave them (``pipelines.restore``). Keyed by comment id: writing a batch twice adds
    nothing, so a batch Ray redoes is harmless.
    """
    for start in range(0, len(ids), size):
        wanted = ids[start:start + size]
        found, vectors = store_embeddings.comment_vectors(store, embedder.fingerprint, wanted)
        if len(found) and restorer is not None:
            texts = store_topics.comment_texts(store, found)
            _, vectors, _ = analysis_vectors(store, embedder.fingerprint, embedder, texts, vectors, restorer)
        if len(found):
            yield (start + len(wanted), found), vectors


def _current_run(store: Store) -> dict:
    run = store_topics.current_run(store)
    if run is None:
        raise AssignError("no topic run yet: run `topicpulse topics` first")
    return run


def _matching_embedder(embedder, run: dict):
    if embedder.fingerprint != run["embedding_fingerprint"]:
        raise AssignError(
            f"run {run['run_id']} clustered {run['embedding_fingerprint']} vectors but the embedder is "
            f"{embedder.fingerprint}: configure the run's model again, or re-fit with `topicpulse topics`"
        )
    return embedder


def _thresholds(settings: Settings, topics: dict) -> np.ndarray:
    if settings.topics.assign_threshold is not None:
        return np.full(len(topics["keys"]), settings.topics.assign_threshold, dtype=np.float32)
    return topics["min_similarity"]
