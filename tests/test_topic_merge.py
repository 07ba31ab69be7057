"""Topic merge: sub-subjects and a subject's other-language comments join one topic; a small distinct subject stays."""

from __future__ import annotations

import numpy as np

from models.topic_merge import OUTLIER, language_centred, merge_groups, merged_labels

VI = "giá xăng tăng quá mọi người ơi"
EN = "the petrol price went up again today"


def _corpus(seed: int = 0) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Two subjects, each split by HDBSCAN into a Vietnamese sub-topic pair and an English topic, and a small third.

    Every vector shares a large common component plus a language offset, as multilingual models'
    do, so raw centroid cosines are all high and raw similarity would merge by language.
    """
    rng = np.random.default_rng(seed)
    dim = 64
    common, offset = 3 * rng.normal(size=dim), {"vi": 1.5 * rng.normal(size=dim), "en": 1.5 * rng.normal(size=dim)}
    subjects = rng.normal(size=(3, dim))
    facets = 0.5 * rng.normal(size=(7, dim))
    # (subject, facet, language, comments) per HDBSCAN topic; the last one is small and emerging.
    plan = [(0, 0, "vi", 120), (0, 1, "vi", 100), (0, 2, "en", 40), (1, 3, "vi", 120), (1, 4, "vi", 90),
            (1, 5, "en", 40), (2, 6, "vi", 30)]
    vectors, texts, labels, subject_of = [], [], [], []
    for topic, (subject, facet, language, n) in enumerate(plan):
        noise = 0.6 * rng.normal(size=(n, dim))
        vectors.append(common + offset[language] + subjects[subject] + facets[facet] + noise)
        texts += [VI if language == "vi" else EN] * n
        labels += [topic] * n
        subject_of += [subject] * n
    vectors.append(common + rng.normal(size=(10, dim)))
    texts += [VI] * 10
    labels += [OUTLIER] * 10
    subject_of += [-1] * 10
    stacked = np.concatenate(vectors)
    return (stacked / np.linalg.norm(stacked, axis=1, keepdims=True)).astype(np.float32), texts, \
        np.array(labels), np.array(subject_of)


def test_topics_on_one_subject_merge_across_languages_and_a_small_subject_stays() -> None:
    vectors, texts, labels, subject = _corpus()
    groups = merge_groups(vectors, texts, labels, threshold=0.3)
    merged = merged_labels(labels, groups)
    assert sorted(set(groups.values())) == [0, 1, 2]
    for s in range(3):
        assert len(set(merged[subject == s].tolist())) == 1
    assert len({int(merged[subject == s][0]) for s in range(3)}) == 3
    assert (merged[labels == OUTLIER] == OUTLIER).all()


def test_language_centring_removes_the_language_offset() -> None:
    vectors, texts, labels, subject = _corpus(seed=1)
    centred = language_centred(vectors, texts)
    english = np.array([t == EN for t in texts])
    np.testing.assert_allclose(centred[english].mean(axis=0), 0, atol=1e-5)
    raw = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert float((raw[subject == 0].mean(0) / np.linalg.norm(raw[subject == 0].mean(0)))
                 @ (raw[subject == 1].mean(0) / np.linalg.norm(raw[subject == 1].mean(0)))) > 0.8


def test_one_topic_or_a_high_threshold_leaves_labels_alone() -> None:
    vectors, texts, labels, _ = _corpus(seed=2)
    assert merge_groups(vectors, texts, labels, threshold=1.0) == {t: t for t in range(7)}
    single = np.where(labels == OUTLIER, OUTLIER, 0)
    assert merge_groups(vectors, texts, single, threshold=0.3) == {0: 0}
