"""A topic run: comments and their cached embeddings in, topics, lineage and assignments out.

``run_topics`` has three steps so the slow middle one can run in a worker process:

1. ``load_inputs`` reads the store: every comment with a vector for the embedder's fingerprint,
   and the current run's topics (for lineage).
2. ``compute_topics`` is pure computation on those arrays (``TopicInputs`` in, ``TopicComputation``
   out, both picklable): it fits ``models.topics.TopicModel`` and matches its topics to the
   previous run's (``models.lineage``). The fitted model is not saved: everything later steps
   read (topics, centroids, keywords, assignments) is in the store.
3. One short transaction writes topics, lineage and one assignment per comment, and marks the
   run 'done'. Any failure, Ctrl-C included, marks the run 'failed' with the reason instead, and
   the previous run stays current.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from config.errors import TopicPulseError
from models.lineage import LineageLink, match_topics
from models.topic_geometry import OUTLIER
from models.topic_keywords import WordEncoder
from models.topics import TopicModel
from pipelines.corrections import apply_corrections
from pipelines.restore import analysis_vectors
from config import Settings
from store import Store
from store import embeddings as store_embeddings
from store import topics as store_topics
from store.recovery import fail_running_runs

log = logging.getLogger(__name__)


class TopicRunError(TopicPulseError, ValueError):
    """The run cannot start as asked; the message says what to do."""


@dataclass
class TopicRunReport:
    run_id: int
    comments: int
    fitted: int
    topics: int
    unassigned: int
    outlier_share: float
    raw_outlier_share: float
    topic_diversity: float
    npmi: float
    matched: int
    split: int
    merged: int
    new: int
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for a person: what the run found and how it relates to the previous one."""
        return (
            f"topic run {self.run_id}: {self.topics} topics from {self.comments} comments "
            f"({self.fitted} fitted), {self.outlier_share:.1%} unassigned "
            f"(HDBSCAN noise {self.raw_outlier_share:.1%}), NPMI {self.npmi:.3f}, diversity {self.topic_diversity:.2f}; "
            f"lineage: {self.matched} matched, {self.split} split, {self.merged} merged, {self.new} new; "
            f"{self.seconds:.1f}s"
        )


@dataclass
class TopicInputs:
    """Everything ``compute_topics`` reads, as plain arrays (picklable for a worker process)."""

    comment_ids: np.ndarray
    texts: list[str]
    embeddings: np.ndarray
    embedding_fingerprint: str
    previous_run_id: int | None
    previous_keys: list[str]
    previous_centroids: np.ndarray
    previous_keywords: list[list[str]]


@dataclass
class TopicComputation:
    """A fitted run before it has stable keys: topics by BERTopic index, lineage, per-comment labels."""

    topics: list[dict[str, Any]]
    lineage: list[LineageLink]
    labels: np.ndarray
    similarity: np.ndarray
    fitted: int
    params: dict[str, Any]
    quality: dict[str, float]
    stage_seconds: dict[str, float]


def topic_model(settings: Settings, word_encoder: WordEncoder | None = None) -> TopicModel:
    """A TopicModel configured from ``settings.topics``."""
    return TopicModel(settings.topics, word_encoder=word_encoder)


def load_inputs(store: Store, embedding_fingerprint: str) -> TopicInputs:
    """Comments that have a vector for ``embedding_fingerprint``, and the current run's topics."""
    ids, vectors = store_embeddings.comment_vectors(store, embedding_fingerprint)
    if len(ids) == 0:
        raise TopicRunError("no comment has an embedding yet: ingest comments, then run `topicpulse embed`")
    texts = store_topics.comment_texts(store, ids)
    previous = store_topics.current_run(store)
    if previous is None:
        vectors_before = {"keys": [], "centroids": np.empty((0, vectors.shape[1]), np.float32), "keywords": []}
    else:
        vectors_before = store_topics.topic_vectors(store, previous["run_id"], fitted=True)
        if vectors_before["centroids"].shape[1] != vectors.shape[1]:
            log.warning("run %s used %d-dim vectors, now %d: lineage starts afresh",
                        previous["run_id"], vectors_before["centroids"].shape[1], vectors.shape[1])
            vectors_before = {"keys": [], "centroids": np.empty((0, vectors.shape[1]), np.float32), "keywords": []}
    return TopicInputs(
        comment_ids=ids,
        texts=texts,
        embeddings=vectors,
        embedding_fingerprint=embedding_fingerprint,
        previous_run_id=None if previous is None else int(previous["run_id"]),
        previous_keys=vectors_before["keys"],
        previous_centroids=vectors_before["centroids"],
        previous_keywords=vectors_before["keywords"],
    )


def restore_diacritics(inputs: TopicInputs, store: Store, embedder) -> int:
    """Fit on the restored text and its vector for comments typed without diacritics; returns how many.

    The spellings are learned from the comments fitted (``pipelines.restore``, shared with assign).
    """
    inputs.texts, inputs.embeddings, restored = analysis_vectors(
        store, inputs.embedding_fingerprint, embedder, inputs.texts, inputs.embeddings)
    return restored


def compute_topics(inputs: TopicInputs, settings: Settings, word_encoder: WordEncoder | None = None) -> TopicComputation:
    """Fit topics and match them to the previous run.

    Reads and writes no store, so it can run in another process. Without ``word_encoder`` and with
    a representation that needs one, the configured embedder is loaded here.
    """
    if word_encoder is None and settings.topics.representation != "ctfidf":
        from pipelines.embed import load_embedder

        word_encoder = load_embedder(settings)
    model = topic_model(settings, word_encoder).fit(inputs.texts, inputs.embeddings)
    clock = time.perf_counter()
    lineage = match_topics(
        inputs.previous_centroids, inputs.previous_keywords,
        np.stack([t.centroid for t in model.topics_]), [t.words() for t in model.topics_],
        min_score=settings.topics.lineage_min_score, centroid_weight=settings.topics.lineage_centroid_weight,
    )
    stages = {**model.stage_seconds_, "lineage": time.perf_counter() - clock}
    topics = [
        {
            "topic_index": t.index,
            "label": t.label,
            "keywords": [{"word": w, "weight": round(weight, 6)} for w, weight in t.keywords],
            "size": t.size,
            "representative_ids": [int(inputs.comment_ids[p]) for p in t.representatives],
            "min_similarity": t.min_similarity,
            "centroid": t.centroid,
        }
        for t in model.topics_
    ]
    return TopicComputation(
        topics=topics, lineage=lineage, labels=model.labels_, similarity=model.similarity_,
        fitted=len(model.sample_), params=model.params_, quality=model.quality_, stage_seconds=stages,
    )


def run_topics(settings: Settings, store: Store, embedder=None, *, executor: Executor | None = None) -> TopicRunReport:
    """Embed what is missing, fit topics on every embedded comment, and store the run atomically.

    With ``executor`` (e.g. a ``ProcessPoolExecutor``) the fit runs there, so a service keeps
    serving while it lasts; the worker loads its own word encoder if the representation needs one.
    """
    from pipelines.embed import embed_comments, load_embedder

    started = time.perf_counter()
    abandoned = fail_running_runs(store)
    if abandoned:
        log.warning("marked %d topic run(s) left running by a stopped process as failed", abandoned)
    embedder = embedder or load_embedder(settings)
    embed_comments(settings, store, embedder)
    params = {"topics": settings.topics.model_dump(mode="json"), "embedding_fingerprint": embedder.fingerprint}
    run_id = store_topics.start_run(store, params)
    try:
        clock = time.perf_counter()
        inputs = load_inputs(store, embedder.fingerprint)
        restored = restore_diacritics(inputs, store, embedder) if settings.topics.restore_diacritics else 0
        load_seconds = time.perf_counter() - clock
        log.info("topic run %d: %d comments with %s vectors, %d typed without diacritics restored",
                 run_id, len(inputs.comment_ids), embedder.fingerprint, restored)
        if executor is None:
            result = compute_topics(inputs, settings, word_encoder=embedder)
        else:
            result = executor.submit(compute_topics, inputs, settings).result()
        clock = time.perf_counter()
        report = _write(store, run_id, settings, inputs, result, embedder)
        report.stage_seconds = {"load": load_seconds, **result.stage_seconds, "write": time.perf_counter() - clock}
    except BaseException as exc:
        store_topics.fail_run(store, run_id, f"{type(exc).__name__}: {exc}")
        log.error("topic run %d failed: %s: %s", run_id, type(exc).__name__, exc)
        raise
    report.seconds = round(time.perf_counter() - started, 3)
    store_topics.record_stage_seconds(store, run_id, report.stage_seconds, report.seconds)
    log.info("topic run %d done: %d topics, %.1f%% unassigned, NPMI %.3f, diversity %.2f, %.0fs",
             run_id, report.topics, 100 * report.outlier_share, report.npmi, report.topic_diversity, report.seconds)
    return report


def _write(store: Store, run_id: int, settings: Settings, inputs: TopicInputs, result: TopicComputation,
           embedder) -> TopicRunReport:
    """Give topics their stable keys from the lineage and store everything, analysts' corrections
    re-applied, in one transaction."""
    fresh = iter(store_topics.new_topic_keys(store, sum(link.inherits is None for link in result.lineage)))
    keys = [inputs.previous_keys[link.inherits] if link.inherits is not None else next(fresh)
            for link in result.lineage]
    key_of = {topic["topic_index"]: key for topic, key in zip(result.topics, keys)}
    rows = [{**topic, "topic_key": key} for topic, key in zip(result.topics, keys)]
    lineage = [
        {"topic_key": key, "parent_run_id": inputs.previous_run_id,
         "parent_keys": [inputs.previous_keys[j] for j in link.parents], "relation": link.relation,
         "score": round(link.score, 6)}
        for key, link in zip(keys, result.lineage)
    ]
    assignments = pd.DataFrame({
        "comment_id": inputs.comment_ids,
        "topic_key": [key_of.get(int(label)) if label != OUTLIER else None for label in result.labels],
        "similarity": result.similarity.astype(np.float32),
    })
    window = store_topics.data_window(store, inputs.comment_ids)
    unassigned = int((result.labels == OUTLIER).sum())
    fingerprint = hashlib.sha256(json.dumps(
        [result.params, inputs.embedding_fingerprint, len(inputs.comment_ids), int(inputs.comment_ids.max())],
        sort_keys=True, default=str,
    ).encode()).hexdigest()[:16]
    store_topics.write_run(store, run_id, run={
        "params": {"topics": settings.topics.model_dump(mode="json"), "resolved": result.params,
                   "embedding_fingerprint": inputs.embedding_fingerprint},
        "embedding_fingerprint": inputs.embedding_fingerprint,
        "model_fingerprint": fingerprint,
        "data_start": window[0], "data_end": window[1],
        "max_comment_id": int(inputs.comment_ids.max()),
        "n_comments": len(inputs.comment_ids), "n_fitted": result.fitted, "n_topics": len(rows),
        "n_unassigned": unassigned, **result.quality,
    }, topics=rows, lineage=lineage, assignments=assignments,
        correct=lambda cur: apply_corrections(cur, store, run_id, inputs.embedding_fingerprint, embedder))
    relations = [link.relation for link in result.lineage]
    return TopicRunReport(
        run_id=run_id, comments=len(inputs.comment_ids), fitted=result.fitted, topics=len(rows),
        unassigned=unassigned, outlier_share=result.quality["outlier_share"],
        raw_outlier_share=result.quality["raw_outlier_share"], topic_diversity=result.quality["topic_diversity"],
        npmi=result.quality["npmi"], matched=relations.count("match"), split=relations.count("split"),
        merged=relations.count("merge"), new=relations.count("new"), seconds=0.0,
    )
