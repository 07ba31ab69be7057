"""Score the sentiment of every embedded comment text that the configured classifier has not scored.

Runs after embedding (``embed_comments`` calls it), reading the cached vectors back in pages, so
it costs one matrix product per page and no model beyond the embedder already loaded.
"""

from __future__ import annotations

import logging

from config import Settings
from models.sentiment import SentimentClassifier, TextEncoder, classifier_key
from store import Store
from store import sentiment as store_sentiment

log = logging.getLogger(__name__)

_classifiers: dict[str, SentimentClassifier] = {}


def classifier_for(settings: Settings, embedder: TextEncoder) -> SentimentClassifier:
    """The configured classifier for an embedder, trained once per process and classifier key."""
    key = classifier_key(settings.sentiment, embedder.fingerprint)
    if key not in _classifiers:
        _classifiers[key] = SentimentClassifier(embedder, settings.sentiment)
    return _classifiers[key]


def model_key(settings: Settings, fingerprint: str | None) -> str | None:
    """The key whose scores readers count for vectors of ``fingerprint``; None when sentiment is off."""
    if not settings.sentiment.enabled or fingerprint is None:
        return None
    return classifier_key(settings.sentiment, fingerprint)


def score_comments(settings: Settings, store: Store, embedder: TextEncoder) -> int:
    """Score each comment text with a vector from ``embedder`` and no score yet; returns how many."""
    if not settings.sentiment.enabled:
        return 0
    classifier = classifier_for(settings, embedder)
    store_sentiment.register_model(store, classifier.key, embedder.fingerprint)
    scored = 0
    for text_hashes, vectors in store_sentiment.unscored_vectors(
        store, classifier.key, embedder.fingerprint, batch_size=settings.sentiment.score_batch
    ):
        scored += store_sentiment.put_scores(store, classifier.key, text_hashes, classifier.probabilities(vectors))
    if scored:
        log.info("sentiment: %d texts scored with %s", scored, classifier.key)
    return scored
