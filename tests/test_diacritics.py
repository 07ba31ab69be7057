"""Diacritic restoration: unaccented Vietnamese is fitted as its accented neighbours write it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from models.diacritics import DiacriticRestorer, analysis_texts, needs_restoration
from models.text import fold_diacritics, text_hash
from models.topic_geometry import OUTLIER, nearest_topics
from pipelines.assign import assign_new_comments
from pipelines.embed import embed_comments, load_embedder
from pipelines.ingest import ingest_records
from config import Settings
from pipelines.topics import load_inputs, restore_diacritics, run_topics
from store import Store
from store import embeddings as store_embeddings
from store import topics as store_topics
from tests.conftest import shared_dataset
from tests.topics_corpus import ENGLISH_THEMES, english_records

ACCENTED = [
    "học phí năm học mới tăng gấp đôi",
    "giá xăng lại tăng, mọi người khổ quá",
    "sữa giả bán tràn lan trên mạng",
    "học phí tăng mà chất lượng không tăng",
]


def test_restorer_writes_the_corpus_spelling_by_context_and_keeps_case() -> None:
    restorer = DiacriticRestorer().fit(ACCENTED)
    assert restorer.restore("Hoc phi nam hoc moi tang gap doi!") == "Học phí năm học mới tăng gấp đôi!"
    assert restorer.restore("GIA XANG lai tang") == "GIÁ XĂNG lại tăng"
    assert restorer.restore("sua gia ban qua zalo") == "sữa giả bán quá zalo"  # "zalo" never seen: kept


def test_only_unmarked_vietnamese_is_restored() -> None:
    texts = [*ACCENTED, "hoc phi tang gap doi", "the school fees doubled this year", "giá xăng tăng"]
    out, restored = analysis_texts(texts)
    assert restored == [4]
    assert out[4] == "học phí tăng gấp đôi"
    assert out[5:] == texts[5:] and out[:4] == ACCENTED
    assert needs_restoration("gia xang lai tang, moi nguoi kho qua")
    assert not needs_restoration("giá xăng lại tăng") and not needs_restoration("petrol prices rise again")


def test_restoration_on_held_out_student_feedback_is_mostly_right() -> None:
    """Learned from half of UIT-VSFC's test sentences, restoring the other half with marks stripped."""
    sents = (shared_dataset("uit-vsfc") / "test" / "sents.txt").read_text(encoding="utf-8").splitlines()
    restorer = DiacriticRestorer().fit(sents[0::2])
    word = re.compile(r"[^\W\d_]+")
    right = total = 0
    for sentence in sents[1::2]:
        truth = word.findall(sentence.lower())
        guess = word.findall(restorer.restore(fold_diacritics(sentence)).lower())
        assert len(guess) == len(truth)
        right += sum(a == b for a, b in zip(truth, guess))
        total += len(truth)
    assert right / total >= 0.9  # measured 0.945; pyvi's add_accents: 0.68 on the same split


def test_topic_run_fits_an_unaccented_comment_on_its_accented_twins_vector(settings: Settings, minilm_path: str
                                                                            ) -> None:
    settings = Settings(data_dir=settings.data_dir, embedding={"model": minilm_path})
    records = [{"id": f"a{i}", "text": text, "created_at": "2026-03-01T10:00:00+00:00"}
               for i, text in enumerate(ACCENTED)]
    records.append({"id": "u1", "text": "hoc phi nam hoc moi tang gap doi", "created_at": "2026-03-02T10:00:00+00:00"})
    embedder = load_embedder(settings)
    with Store(settings.store_path) as store:
        ingest_records(settings, store, records)
        embed_comments(settings, store, embedder)
        inputs = load_inputs(store, embedder.fingerprint)
        before = inputs.embeddings.copy()
        assert restore_diacritics(inputs, store, embedder) == 1
        stored = [t for (t,) in store.conn.execute("SELECT text FROM comments ORDER BY id").fetchall()]
        again = load_inputs(store, embedder.fingerprint)
    assert inputs.texts[-1] == ACCENTED[0]
    assert stored[-1] == "hoc phi nam hoc moi tang gap doi"  # the store keeps what was written
    np.testing.assert_allclose(inputs.embeddings[-1], before[0], atol=1e-6)
    np.testing.assert_array_equal(inputs.embeddings[:-1], before[:-1])
    assert again.texts[-1] == stored[-1]


def test_a_comment_assigned_after_the_run_is_read_restored_as_the_fit_read_it(settings: Settings, minilm_path: str
                                                                              ) -> None:
    """The assign path restores as the fit path does: the new unaccented comment is matched with its twin's vector."""
    settings = Settings(data_dir=settings.data_dir, embedding={"model": minilm_path}, topics={"representation": "ctfidf"})
    school = [{"id": f"v{i}", "text": f"{text} #{i}", "created_at": "2026-03-01T10:00:00+00:00"}
              for i, text in enumerate(ACCENTED * 5)]
    late = {"id": "u1", "text": "hoc phi nam hoc moi tang gap doi #0", "created_at": "2026-03-03T10:00:00+00:00"}
    embedder = load_embedder(settings)
    with Store(settings.store_path) as store:
        ingest_records(settings, store, english_records(ENGLISH_THEMES, 15) + school)
        run_topics(settings, store, embedder)
        ingest_records(settings, store, [late])
        report = assign_new_comments(settings, store, embedder)
        key, similarity = store.conn.execute(
            "SELECT a.topic_key, a.similarity FROM topic_assignments a JOIN comments c ON c.id = a.comment_id"
            " WHERE a.method = 'assign'").fetchone()
        topics = store_topics.topic_vectors(store, store_topics.current_run(store)["run_id"])
        twin, typed = (store_embeddings.vectors_for_hashes(store, embedder.fingerprint, [text_hash(t)])[text_hash(t)]
                       for t in (school[0]["text"], late["text"]))
    rows, expected = nearest_topics(np.stack([twin, typed]), topics["centroids"], topics["min_similarity"])
    assert report.considered == 1
    assert key == (topics["keys"][rows[0]] if rows[0] != OUTLIER else None)
    assert similarity == pytest.approx(expected[0], abs=1e-5)
    assert abs(expected[0] - expected[1]) > 0.01  # as typed, the comment would have been compared differently
