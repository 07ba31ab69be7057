"""Topics from precomputed comment embeddings: BERTopic (UMAP + HDBSCAN + c-TF-IDF) wrapped in Prophet's shape.

``TopicModel`` owns the choices that make BERTopic work on Vietnamese comments:

- Keywords come from word-segmented text (``models.segment``) with a vocabulary chosen on the
  comments themselves (stop words, ``min_df``/``max_df``, 1-2 grams), each found in at least
  ``min_topic_share`` of its topic's comments, never BERTopic's default
  ``language="english"`` path, which deletes every letter outside A-Z before c-TF-IDF when no
  embedding model is given (``BERTopic._preprocess_text``) and would turn "đất đai" into "t ai".
- UMAP (cosine, fixed ``random_state``) and HDBSCAN parameters scale with the number of comments
  fitted; every one can be set explicitly (see ``scaled_parameters``).
- No probability matrix: ``calculate_probabilities=False`` and HDBSCAN without prediction data.
- Outliers (topic -1) are reduced with BERTopic's ``reduce_outliers`` ("embeddings" or
  "c-tf-idf" strategy, both work with precomputed embeddings) under a similarity threshold.
- Large corpora: fit on a random sample (``sample_size``) and give the remaining comments the
  nearest topic centroid by cosine, in batches, as new comments are assigned later.
- Keywords are refined with MaximalMarginalRelevance and/or KeyBERTInspired when a word encoder
  (anything with ``encode(texts) -> L2-normalised array``, e.g. ``models.embedding.Embedder``)
  is given; without one they stay plain c-TF-IDF.

Why this file is over 400 lines: ``TopicModel.fit`` is one sequence of stages (segment, cluster,
merge, outliers, assign, describe) whose private steps all read the model's parameters and its
BERTopic instance; splitting the class would pass that state around. What does not need it lives
apart: the vector geometry in ``models.topic_geometry``, keyword steps and labels in
``models.topic_keywords``, merging in ``models.topic_merge``, quality in ``models.topic_quality``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from config import TopicSettings
from config.errors import TopicPulseError
from models.segment import corpus_vectorizer, segment_all
from models.topic_backend import BACKENDS, CUML, choose_backend, cuml_models
from models.topic_geometry import OUTLIER, centroids_of, nearest_ids, similarity_to_own, unit_vector
from models.topic_keywords import (
    WordEncoder,
    ctfidf,
    encoder_backend,
    label_from_keywords,
    representatives,
    topic_share_floor,
    vietnamese_first,
)
from models.topic_merge import merge_groups, merged_labels
from models.topic_quality import npmi_coherence, topic_diversity

log = logging.getLogger(__name__)

OUTLIER_STRATEGIES = ("embeddings", "c-tf-idf", "none")
REPRESENTATIONS = ("ctfidf", "mmr", "keybert", "keybert+mmr")
ASSIGN_QUANTILE = 0.05
CTFIDF_OUTLIER_THRESHOLD = 0.1


class TopicFitError(TopicPulseError, ValueError):
    """The comments gave no topic with these parameters; the message says which to change."""


@dataclass
class Topic:
    """One fitted topic. ``index`` is BERTopic's topic id in this fit; stable keys live in the store."""

    index: int
    label: str
    keywords: list[tuple[str, float]]
    size: int
    representatives: list[int] = field(default_factory=list)  # positions in the docs given to fit
    min_similarity: float = 0.0  # cosine to the centroid a comment needs to be assigned here
    centroid: np.ndarray | None = None

    def words(self) -> list[str]:
        return [word for word, _ in self.keywords]


def _check(values: dict[str, Any]) -> None:
    """The parameter rules a model states itself, before the settings' own validation, so that
    a wrong choice is named with the choices."""
    if values["representation"] not in REPRESENTATIONS:
        raise ValueError(f"representation must be one of {REPRESENTATIONS}, got {values['representation']!r}")
    if values["outlier_strategy"] not in OUTLIER_STRATEGIES:
        raise ValueError(f"outlier_strategy must be one of {OUTLIER_STRATEGIES}, got {values['outlier_strategy']!r}")
    if not 0 <= values["mmr_diversity"] <= 1:
        raise ValueError(f"mmr_diversity must be in [0, 1], got {values['mmr_diversity']}")
    if not 0 < values["merge_similarity"] <= 1:
        raise ValueError(f"merge_similarity must be in (0, 1], got {values['merge_similarity']}")
    if not 0 <= values["min_topic_share"] < 1:
        raise ValueError(f"min_topic_share must be in [0, 1), got {values['min_topic_share']}")
    if values["cluster_backend"] not in BACKENDS:
        raise ValueError(f"cluster_backend must be one of {BACKENDS}, got {values['cluster_backend']!r}")
    if values["sample_size"] < 10:
        raise ValueError(f"sample_size must be at least 10, got {values['sample_size']}")


def scaled_parameters(n_docs: int) -> dict[str, int]:
    """UMAP/HDBSCAN defaults for a fit on ``n_docs`` comments.

    - ``min_cluster_size`` = max(5, round(sqrt(n)/2)): 9 at 300, 50 at 10k, 158 at 100k, so a
      topic is a visible share of the corpus at every scale rather than a fixed 10 comments.
    - ``min_samples`` = max(2, round(min_cluster_size/4)): lower than HDBSCAN's default (equal
      to min_cluster_size), which would mark a third or more of short comments as noise.
    - ``n_neighbors`` = clamp(round(sqrt(n)/6), 15, 50): UMAP's 15 for small sets, more global
      structure for large ones, capped because its cost grows with it.
    """
    min_cluster_size = max(5, round(math.sqrt(n_docs) / 2))
    return {
        "min_cluster_size": min_cluster_size,
        "min_samples": max(2, round(min_cluster_size / 4)),
        "n_neighbors": int(min(50, max(15, round(math.sqrt(n_docs) / 6)))),
    }


class TopicModel:
    """Topics for a set of comments whose embeddings are already computed.

    Parameters
    ----------
    params: the topics section of the settings (``config.TopicSettings``, whose fields, defaults
        and checks are the one list of the model's parameters); None means the defaults.
    overrides: any field of ``TopicSettings`` by name (``sample_size=120``), validated as the
        settings are. (``restore_diacritics``, ``lineage_*`` and ``refit_*`` are the pipeline's.)
    word_encoder: encodes keywords for MMR/KeyBERTInspired (syllables joined by spaces).

    What the fields do (``None`` means "scale with the corpus", see ``scaled_parameters``):
        n_neighbors, n_components: UMAP; metric is cosine, ``min_dist`` 0.
        min_cluster_size, min_samples: HDBSCAN (euclidean on the UMAP output, "eom").
        random_state: seeds UMAP and the sample, so the same input gives the same topics.
        sample_size: fit on at most this many comments; the rest get the nearest centroid.
        top_n_words: keywords kept per topic.
        representation: "ctfidf" (default), "mmr", "keybert" or "keybert+mmr"; the last three
            need ``word_encoder`` and fall back to "ctfidf" (with a warning) without it. On short
            Vietnamese comments (UIT-VSFC, bench/RESULTS.md) each refinement raised diversity
            but lowered NPMI coherence, hence the plain default.
        reduce_frequent_words: c-TF-IDF option that damps words frequent in every topic: more
            distinct keywords (diversity) at the cost of coherence; off by default, as in BERTopic.
        mmr_diversity: 0 (pure relevance) to 1 (pure diversity).
        min_topic_share: a keyword must occur in at least this share of its topic's comments
            (0 turns the rule off). c-TF-IDF alone ranks a word seen in 3 of a topic's 300 short
            comments high when it is rare elsewhere; such a word describes almost none of the
            topic. A topic may then show fewer than ``top_n_words`` keywords.
        merge_topics, merge_similarity: merge topics whose language-centred centroids have an
            average cosine of at least ``merge_similarity`` (``models.topic_merge``), so that
            HDBSCAN's sub-subjects and a subject's English comments join one topic.
        outlier_strategy: "embeddings", "c-tf-idf" or "none".
        outlier_threshold: minimum similarity for ``reduce_outliers`` to move an outlier. None
            (default) adapts like ``assign_threshold``: for "embeddings", the 5th percentile of the
            cosines of clustered comments to their topic's centroid, so only outliers as close
            to a topic as its own members join it and noise stays out; for "c-tf-idf", 0.1.
        assign_threshold: minimum cosine to a topic centroid for comments outside the sample
            (and for ``transform``); below it a comment stays unassigned (-1). None (default)
            adapts to the embedding model and to each topic: the 5th percentile of the cosines
            of the comments HDBSCAN put in the topic. Cosines differ a lot between models
            (e5 puts unrelated texts at 0.7+, MiniLM at 0.1), so one fixed number fits none.
        min_df, max_df: keyword document-frequency rules (``models.segment``).
        n_representatives: deduplicated example comments kept per topic.
        assign_batch: comments per batch when assigning outside the sample.
        cluster_backend: "auto" (cuML's UMAP and HDBSCAN when cuML imports and a GPU is
            visible, else the CPU pair), "cpu" or "cuml"; ``params_`` records the one used.

    Fitted attributes (None until ``fit``): ``topics_``, ``labels_`` (topic index per comment,
    -1 unassigned), ``similarity_`` (cosine to the comment's topic centroid, or to the nearest
    one when unassigned), ``sample_`` (positions fitted by BERTopic), ``params_`` (resolved
    parameters), ``quality_`` (outlier shares, diversity, NPMI), ``stage_seconds_``, ``model_``
    (the BERTopic instance). After ``load`` only ``topics_``, ``params_``, ``quality_`` and
    ``model_`` are set: per-comment results live in the store, not in the artifact.
    """

    def __init__(
        self, params: TopicSettings | None = None, *, word_encoder: WordEncoder | None = None, **overrides: Any
    ) -> None:
        values = {**(params or TopicSettings()).model_dump(), **overrides}
        unknown = set(overrides) - set(TopicSettings.model_fields)
        if unknown:
            raise TypeError(f"unknown topic parameters: {', '.join(sorted(unknown))}")
        _check(values)
        self.params = TopicSettings.model_validate(values)
        self.word_encoder = word_encoder

        self.topics_: list[Topic] | None = None
        self.labels_: np.ndarray | None = None
        self.similarity_: np.ndarray | None = None
        self.sample_: np.ndarray | None = None
        self.params_: dict[str, Any] | None = None
        self.quality_: dict[str, float] | None = None
        self.stage_seconds_: dict[str, float] | None = None
        self.model_ = None

    # ------------------------------------------------------------------ fitting

    def fit(self, docs: Sequence[str], embeddings: np.ndarray) -> TopicModel:
        """Fit topics on ``docs`` (comment texts) with their precomputed ``embeddings`` (n, dim)."""
        embeddings = self._validate(docs, embeddings)
        stages: dict[str, float] = {}
        clock = time.perf_counter()

        sample = self._sample(len(docs))
        params = self._resolve(len(sample))
        sample_docs = segment_all(docs[i] for i in sample)
        sample_vectors = embeddings[sample]
        vectorizer, _ = corpus_vectorizer(sample_docs, min_df=self.params.min_df, max_df=self.params.max_df)
        stages["segment"] = time.perf_counter() - clock

        clock = time.perf_counter()
        model = self._bertopic(params, vectorizer)
        labels, _ = model.fit_transform(sample_docs, sample_vectors)
        labels = np.asarray(labels, dtype=np.int64)
        if not (labels != OUTLIER).any():
            raise TopicFitError(
                f"HDBSCAN found no topic among {len(sample)} comments (all noise); lower min_cluster_size "
                f"(now {params['min_cluster_size']}) or min_samples (now {params['min_samples']})"
            )
        clustered = labels != OUTLIER
        raw_outliers = float(np.mean(~clustered))
        stages["cluster"] = time.perf_counter() - clock
        params["clusters"] = len(set(labels.tolist()) - {OUTLIER})
        log.info("clustered %d comments into %d topics, %.1f%% outliers",
                 len(sample), params["clusters"], 100 * raw_outliers)

        clock = time.perf_counter()
        if self.params.merge_topics:
            labels = self._merge(model, labels, [docs[i] for i in sample], sample_docs, sample_vectors, vectorizer)
        stages["merge"] = time.perf_counter() - clock

        clock = time.perf_counter()
        params["outlier_threshold"] = outlier_threshold = self._outlier_threshold(sample_vectors, labels)
        if raw_outliers > 0 and self.params.outlier_strategy != "none":
            reduced = model.reduce_outliers(
                sample_docs, labels.tolist(), strategy=self.params.outlier_strategy,
                threshold=outlier_threshold, embeddings=sample_vectors,
            )
            labels = np.asarray(reduced, dtype=np.int64)
            model.update_topics(
                sample_docs, topics=labels.tolist(), top_n_words=self.params.top_n_words,
                vectorizer_model=vectorizer, ctfidf_model=ctfidf(self.params.reduce_frequent_words),
                representation_model=self._representation_model(),
            )
        stages["outliers"] = time.perf_counter() - clock

        clock = time.perf_counter()
        topic_ids = sorted(set(labels.tolist()) - {OUTLIER})
        all_labels = np.full(len(docs), OUTLIER, dtype=np.int64)
        all_labels[sample] = labels
        centroids = centroids_of(embeddings, all_labels, topic_ids)
        rest = np.setdiff1d(np.arange(len(docs)), sample, assume_unique=True)
        similarity = np.zeros(len(docs), dtype=np.float32)
        similarity[sample] = similarity_to_own(sample_vectors, labels, topic_ids, centroids)
        thresholds = self._thresholds(similarity[sample], clustered, labels, topic_ids)
        # Comments outside the sample get what a sampled comment would have got: a topic when
        # HDBSCAN-like close to it, or when reduce_outliers("embeddings") would have moved it there.
        rest_thresholds = (np.minimum(thresholds, outlier_threshold)
                           if self.params.outlier_strategy == "embeddings" else thresholds)
        for start in range(0, len(rest), self.params.assign_batch):
            batch = rest[start:start + self.params.assign_batch]
            all_labels[batch], similarity[batch] = nearest_ids(embeddings[batch], topic_ids, centroids, rest_thresholds)
            log.info("assigned %d of %d comments outside the sample", min(start + self.params.assign_batch, len(rest)), len(rest))
        if len(rest):
            centroids = centroids_of(embeddings, all_labels, topic_ids)
        stages["assign"] = time.perf_counter() - clock

        clock = time.perf_counter()
        self.topics_ = self._topics(model, topic_ids, centroids, thresholds, all_labels, similarity, sample, sample_docs)
        self._set_topic_embeddings(model, embeddings, all_labels, centroids)
        words = [topic.words() for topic in self.topics_]
        self.quality_ = {
            "raw_outlier_share": raw_outliers,
            "outlier_share": float(np.mean(all_labels == OUTLIER)),
            "topic_diversity": topic_diversity(words, self.params.top_n_words),
            "npmi": npmi_coherence(words, sample_docs, self.params.top_n_words),
        }
        stages["describe"] = time.perf_counter() - clock

        self.labels_, self.similarity_, self.sample_ = all_labels, similarity, sample
        self.params_, self.stage_seconds_, self.model_ = params, stages, model
        return self

    def _merge(self, model, labels, texts, sample_docs, sample_vectors, vectorizer) -> np.ndarray:
        """Labels after merging topics on one subject (``models.topic_merge``); BERTopic follows."""
        groups = merge_groups(sample_vectors, texts, labels, self.params.merge_similarity)
        if len(set(groups.values())) == len(groups):
            return labels
        merged = merged_labels(labels, groups)
        log.info("merged %d topics into %d (centred centroid cosine >= %.2f)",
                 len(groups), len(set(groups.values())), self.params.merge_similarity)
        model.update_topics(
            sample_docs, topics=merged.tolist(), top_n_words=self.params.top_n_words, vectorizer_model=vectorizer,
            ctfidf_model=ctfidf(self.params.reduce_frequent_words), representation_model=self._representation_model(),
        )
        # reduce_outliers("embeddings") compares outliers with these: the merged topics' centroids.
        topic_ids = sorted(set(merged.tolist()) - {OUTLIER})
        self._set_topic_embeddings(model, sample_vectors, merged, centroids_of(sample_vectors, merged, topic_ids))
        return merged

    def transform(self, embeddings: np.ndarray, *, threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Topic index (-1 below ``threshold``) and cosine to that centroid for new comment vectors."""
        if self.topics_ is None:
            raise ValueError("the model is not fitted; call fit() or load() first")
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.topics_[0].centroid.shape[0]:
            raise ValueError(
                f"embeddings must have shape (n, {self.topics_[0].centroid.shape[0]}), got {vectors.shape}"
            )
        centroids = np.stack([topic.centroid for topic in self.topics_])
        ids = [topic.index for topic in self.topics_]
        if threshold is None and self.params.assign_threshold is None:
            thresholds = np.array([topic.min_similarity for topic in self.topics_], dtype=np.float32)
        else:
            thresholds = np.full(len(ids), self.params.assign_threshold if threshold is None else threshold, np.float32)
        return nearest_ids(vectors, ids, centroids, thresholds)

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path | str) -> Path:
        """Write the model to the folder ``path`` atomically: a temporary folder renamed at the end.

        The folder holds BERTopic's safetensors export (``bertopic/``: topic embeddings, c-TF-IDF,
        vocabulary; no embedding model), ``topics.json`` and ``centroids.safetensors``.
        """
        from safetensors.numpy import save_file

        if self.topics_ is None or self.model_ is None:
            raise ValueError("the model is not fitted; nothing to save")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            self.model_.save(staging / "bertopic", serialization="safetensors",
                             save_ctfidf=True, save_embedding_model=False)
            save_file({"centroids": np.stack([t.centroid for t in self.topics_]).astype(np.float32)},
                      str(staging / "centroids.safetensors"))
            meta = {
                "settings": self.params.values(),
                "params": self.params_,
                "quality": self.quality_,
                "topics": [
                    {k: v for k, v in asdict(topic).items() if k != "centroid"} for topic in self.topics_
                ],
            }
            (staging / "topics.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    @classmethod
    def load(cls, path: Path | str) -> TopicModel:
        """A model saved by ``save``; ready for ``transform`` (no word encoder attached)."""
        from bertopic import BERTopic
        from safetensors.numpy import load_file

        folder = Path(path)
        if not (folder / "topics.json").is_file():
            raise ValueError(f"{folder} is not a saved topic model (topics.json is missing)")
        meta = json.loads((folder / "topics.json").read_text(encoding="utf-8"))
        centroids = load_file(str(folder / "centroids.safetensors"))["centroids"]
        model = cls(TopicSettings.model_validate(meta["settings"]))
        model.topics_ = [
            Topic(**{**info, "keywords": [tuple(k) for k in info["keywords"]]}, centroid=centroid)
            for info, centroid in zip(meta["topics"], centroids)
        ]
        model.params_, model.quality_ = meta["params"], meta["quality"]
        model.model_ = BERTopic.load(str(folder / "bertopic"))
        return model

    # ------------------------------------------------------------------ internals

    def _validate(self, docs: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"embeddings must be a 2-D array (comments x dim), got shape {vectors.shape}")
        if len(docs) != vectors.shape[0]:
            raise ValueError(f"got {len(docs)} comments but {vectors.shape[0]} embeddings")
        if not np.isfinite(vectors).all():
            raise ValueError("embeddings contain NaN or infinite values")
        minimum = max(10, 2 * (self.params.min_cluster_size or 5), self.params.n_components + 2)
        if len(docs) < minimum:
            raise ValueError(f"need at least {minimum} comments to find topics, got {len(docs)}")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _sample(self, n_docs: int) -> np.ndarray:
        if n_docs <= self.params.sample_size:
            return np.arange(n_docs)
        rng = np.random.default_rng(self.params.random_state)
        return np.sort(rng.choice(n_docs, size=self.params.sample_size, replace=False))

    def _resolve(self, n_fit: int) -> dict[str, Any]:
        scaled = scaled_parameters(n_fit)
        return {
            "n_fit": n_fit,
            "n_neighbors": min(self.params.n_neighbors or scaled["n_neighbors"], n_fit - 1),
            "n_components": self.params.n_components,
            "min_cluster_size": self.params.min_cluster_size or scaled["min_cluster_size"],
            "min_samples": self.params.min_samples or scaled["min_samples"],
            "random_state": self.params.random_state,
            "representation": self._representation_name(),
            "outlier_strategy": self.params.outlier_strategy,
            "outlier_threshold": self.params.outlier_threshold,
            "assign_threshold": self.params.assign_threshold,
            "cluster_backend": choose_backend(self.params.cluster_backend),
        }

    def _representation_name(self) -> str:
        if self.params.representation != "ctfidf" and self.word_encoder is None:
            log.warning("representation %r needs a word encoder; using plain c-TF-IDF keywords", self.params.representation)
            return "ctfidf"
        return self.params.representation

    def _representation_model(self) -> list | None:
        from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

        name = self._representation_name()
        chain = []
        # A list makes BERTopic call KeyBERTInspired without the precomputed embeddings; with them,
        # 0.17.4 picks the wrong rows (it indexes all embeddings by positions among representatives).
        if "keybert" in name:
            # Before MMR it keeps 30 candidates for MMR to choose from.
            keep = 30 if "mmr" in name else self.params.top_n_words
            chain.append(KeyBERTInspired(top_n_words=max(self.params.top_n_words, keep), random_state=self.params.random_state))
        if "mmr" in name:
            chain.append(MaximalMarginalRelevance(diversity=self.params.mmr_diversity, top_n_words=self.params.top_n_words))
        if self.params.min_topic_share > 0:
            # Last: MMR fails on fewer candidates than top_n_words, so the floor filters its choice.
            chain.append(topic_share_floor(self.params.min_topic_share, self.params.top_n_words))
        return chain or None

    def _bertopic(self, params: dict[str, Any], vectorizer):
        from bertopic import BERTopic
        from hdbscan import HDBSCAN
        from umap import UMAP

        umap_model = UMAP(
            n_neighbors=params["n_neighbors"], n_components=params["n_components"], min_dist=0.0,
            metric="cosine", random_state=params["random_state"], n_jobs=1, low_memory=True,
            # PCA, not the default spectral start: on near-duplicate-rich comment sets the spectral
            # solver fails and UMAP's fallback is not reproducible, so the same data gave other topics.
            init="pca",
        )
        hdbscan_model = HDBSCAN(
            min_cluster_size=params["min_cluster_size"], min_samples=params["min_samples"],
            metric="euclidean", cluster_selection_method="eom", prediction_data=False,
        )
        if params["cluster_backend"] == CUML:
            umap_model, hdbscan_model = cuml_models(params)
        return BERTopic(
            # "multilingual", never the default "english": see the module docstring.
            language="multilingual",
            embedding_model=encoder_backend(self.word_encoder) if self.word_encoder is not None else None,
            umap_model=umap_model,
            hdbscan_model=hdbscan_model,
            vectorizer_model=vectorizer,
            ctfidf_model=ctfidf(self.params.reduce_frequent_words),
            representation_model=self._representation_model(),
            top_n_words=self.params.top_n_words,
            calculate_probabilities=False,
            verbose=False,
        )

    def _outlier_threshold(self, vectors: np.ndarray, labels: np.ndarray) -> float:
        if self.params.outlier_threshold is not None:
            return float(self.params.outlier_threshold)
        if self.params.outlier_strategy != "embeddings":
            return CTFIDF_OUTLIER_THRESHOLD
        topic_ids = sorted(set(labels.tolist()) - {OUTLIER})
        own = similarity_to_own(vectors, labels, topic_ids, centroids_of(vectors, labels, topic_ids))
        return float(np.quantile(own[labels != OUTLIER], ASSIGN_QUANTILE))

    def _thresholds(self, similarity, clustered, labels, topic_ids) -> np.ndarray:
        """Per-topic assignment cosine: the fixed setting, else the 5th percentile of its clustered comments."""
        if self.params.assign_threshold is not None:
            return np.full(len(topic_ids), self.params.assign_threshold, dtype=np.float32)
        out = np.empty(len(topic_ids), dtype=np.float32)
        for row, topic_id in enumerate(topic_ids):
            members = similarity[clustered & (labels == topic_id)]
            out[row] = np.quantile(members, ASSIGN_QUANTILE) if len(members) else 0.0
        return out

    def _topics(self, model, topic_ids, centroids, thresholds, labels, similarity, sample, sample_docs) -> list[Topic]:
        sizes = np.bincount(labels[labels != OUTLIER], minlength=max(topic_ids) + 1)
        position = np.full(len(labels), -1, dtype=np.int64)
        position[sample] = np.arange(len(sample))
        topics = []
        for row, topic_id in enumerate(topic_ids):
            keywords = [(word, float(weight)) for word, weight in model.get_topic(topic_id) or [] if word]
            keywords = vietnamese_first(keywords[: self.params.top_n_words])
            members = sample[labels[sample] == topic_id]
            ranked = members[np.argsort(-similarity[members], kind="stable")]
            topics.append(Topic(
                index=int(topic_id),
                label=label_from_keywords([w for w, _ in keywords]),
                keywords=keywords,
                size=int(sizes[topic_id]),
                representatives=representatives(ranked, [sample_docs[p] for p in position[ranked]], self.params.n_representatives),
                min_similarity=float(thresholds[row]),
                centroid=centroids[row],
            ))
        return topics

    def _set_topic_embeddings(self, model, embeddings, labels, centroids) -> None:
        """Make the saved BERTopic carry our centroids (its own are keyword-based after update_topics)."""
        rows = list(centroids)
        if model._outliers:
            noise = embeddings[labels == OUTLIER]
            rows.insert(0, unit_vector(noise.mean(axis=0)) if len(noise) else np.zeros(centroids.shape[1], np.float32))
        model.topic_embeddings_ = np.stack(rows)
