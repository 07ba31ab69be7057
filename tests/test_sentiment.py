"""Sentiment per comment: the offline e5 default on a real sample of UIT-VSFC, on the shipped
examples, and scoring in the store."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import cross_val_predict

from bench.sentiment import load_uit_vsfc
from config import SentimentSettings, Settings
from models.sentiment import SentimentClassifier, classifier_key, examples
from pipelines.embed import embed_comments, load_embedder
from store import sentiment as store_sentiment
from tests.conftest import shared_dataset
from tests.embedding_helpers import converted_e5
from tests.test_embed import add_comments

SAMPLE = 300


@pytest.fixture(scope="module")
def e5(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("sentiment"),
                        embedding={"cache_dir": tmp_path_factory.getbasetemp() / "models"})
    converted_e5(settings.embedding.cache_dir)
    return load_embedder(settings)


@pytest.mark.shared_data
def test_beats_the_majority_class_on_a_real_uit_vsfc_sample(e5) -> None:
    texts, labels = load_uit_vsfc(shared_dataset("uit-vsfc"), "test")
    picked = np.arange(0, len(texts), len(texts) // SAMPLE)[:SAMPLE]
    texts, labels = [texts[i] for i in picked], labels[picked]
    predicted = SentimentClassifier(e5, SentimentSettings()).probabilities(e5.encode(texts)).argmax(axis=1)
    majority = np.bincount(labels).argmax()
    accuracy, baseline = float(np.mean(predicted == labels)), float(np.mean(labels == majority))
    macro_f1 = f1_score(labels, predicted, average="macro")
    assert accuracy >= baseline + 0.12, (accuracy, baseline)  # full test split: 0.750 vs 0.502 (bench/RESULTS.md)
    assert macro_f1 >= 0.5, macro_f1  # the majority class scores about 0.23


def test_the_shipped_examples_teach_each_class_to_held_out_examples(e5) -> None:
    """Five-fold cross-validation on the repository's own examples: each class is learnt from
    the others' wording, well above the majority class (runs without the shared data)."""
    texts, labels = examples()
    params = SentimentSettings()
    model = LogisticRegression(C=params.regularisation, max_iter=params.max_iter)
    predicted = cross_val_predict(model, e5.encode(texts, show_progress=False), labels, cv=5)
    baseline = float(np.mean(labels == np.bincount(labels).argmax()))
    assert float(np.mean(predicted == labels)) >= baseline + 0.25
    assert f1_score(labels, predicted, average=None).min() >= 0.5  # no class is left out


def test_clear_comments_in_both_languages_get_their_sentiment(e5) -> None:
    classifier = SentimentClassifier(e5, SentimentSettings())
    texts = ["Nhân viên rất nhiệt tình, cảm ơn shop nhiều!", "Giao hàng chậm, hàng lỗi, quá thất vọng",
             "Great match, so proud of the team", "The app crashes every time, awful"]
    assert classifier.labels(e5.encode(texts)) == ["positive", "negative", "positive", "negative"]


def test_embedding_scores_each_new_text_once(e5, settings, store) -> None:
    add_comments(store, ["Tệ quá, không bao giờ quay lại", "Tệ quá, không bao giờ quay lại", "Tuyệt vời, rất hài lòng"])
    first = embed_comments(settings, store, e5)
    assert first.texts_scored == 2
    assert embed_comments(settings, store, e5).texts_scored == 0
    model_key = classifier_key(settings.sentiment, e5.fingerprint)
    assert store_sentiment.unscored_count(store, model_key) == 0
    ids = [row[0] for row in store.conn.execute("SELECT id FROM comments ORDER BY id").fetchall()]
    assert store_sentiment.comment_labels(store, model_key, ids) == dict(zip(ids, ["negative", "negative", "positive"]))


def test_sentiment_off_scores_nothing(e5, settings, store) -> None:
    add_comments(store, ["Tệ quá"])
    off = settings.updated("sentiment", enabled=False)
    assert embed_comments(off, store, e5).texts_scored == 0
    assert store_sentiment.unscored_count(store, classifier_key(settings.sentiment, e5.fingerprint)) == 1
