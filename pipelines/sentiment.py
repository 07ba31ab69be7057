"""Score the sentiment of every embedded comment text that the current classifier has not scored.

Runs after embedding (``embed_comments`` calls it), reading the cached vectors back in pages, so
it costs one matrix product per page and no model beyond the embedder already loaded.
"""

from __future__ import annotations

import logging

from models.sentiment import SentimentClassifier
from store import Store
from store import sentiment as store_sentiment

log = logging.getLogger(__name__)

_classifiers: dict[str, SentimentClassifier] = {}


def classifier_for(embedder) -> SentimentClassifier:
    """The classifier for an embedder, trained once per process and embedder fingerprint."""
    if embedder.fingerprint not in _classifiers:
        _classifiers[embedder.fingerprint] = SentimentClassifier(embedder)
    return _classifiers[embedder.fingerprint]


def score_comments(store: Store, embedder, *, batch_size: int = 4096) -> int:
    """Score each comment text with a vector from ``embedder`` and no score yet; returns how many."""
    classifier = classifier_for(embedder)
    store_sentiment.register_model(store, classifier.key, embedder.fingerprint)
    scored = 0
    for text_hashes, vectors in store_sentiment.unscored_vectors(
        store, classifier.key, embedder.fingerprint, batch_size=batch_size
    ):
        scored += store_sentiment.put_scores(store, classifier.key, text_hashes, classifier.probabilities(vectors))
    if scored:
        log.info("sentiment: %d texts scored with %s", scored, classifier.key)
    return scored
