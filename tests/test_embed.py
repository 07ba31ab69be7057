import hashlib
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from models.embedding import Embedder, ModelUnavailableError
from models.sentiment import examples as sentiment_examples
from pipelines.embed import embed_comments, load_embedder
from config import Settings
from store import Store
from store.embeddings import comment_vectors, missing_texts, put_vectors, register_model, text_counts
from tests.embedding_helpers import converted_e5


@pytest.fixture(scope="module")
def minilm(minilm_path: str) -> Embedder:
    return Embedder(minilm_path, device="cpu")


@pytest.fixture
def small_settings(settings: Settings, minilm_path: str) -> Settings:
    return settings.updated("embedding", model=minilm_path, write_batch=2)


def add_comments(store: Store, texts: list[str]) -> list[int]:
    """Comments inserted as ingest leaves them, so these tests do not depend on the ingest rules."""
    ids = []
    with store.transaction() as cur:
        for text in texts:
            (comment_id,) = cur.execute(
                "INSERT INTO comments (batch_id, source, created_at, text, text_hash, lang)"
                " VALUES (1, 'test', now(), ?, ?, 'vi') RETURNING id",
                [text, hashlib.sha256(text.encode()).hexdigest()],
            ).fetchone()
            ids.append(comment_id)
    return ids


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed (and able to fail mid-run)."""

    def __init__(self, inner: Embedder, fail_after_calls: int | None = None) -> None:
        self.inner = inner
        self.texts: list[str] = []
        self.fail_after_calls = fail_after_calls
        self.calls = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode(self, texts, **kwargs):
        if self.fail_after_calls is not None and self.calls >= self.fail_after_calls:
            raise KeyboardInterrupt("stopped by the operator")
        self.calls += 1
        self.texts.extend(texts)
        return self.inner.encode(texts, **kwargs)


TEXTS = ["kẹt xe quá", "giá xăng tăng", "kẹt xe quá", "trời mưa to", "đội tuyển thắng rồi"]


def test_second_run_embeds_nothing_and_new_comments_only_their_text(small_settings, store, minilm) -> None:
    ids = add_comments(store, TEXTS)
    counting = CountingEmbedder(minilm)
    first = embed_comments(small_settings, store, counting)
    assert (first.texts_total, first.texts_embedded, first.batches) == (4, 4, 2)
    comment_texts = [text for text in counting.texts if text not in set(sentiment_examples()[0])]
    assert sorted(comment_texts) == sorted(set(TEXTS))  # besides the sentiment classifier's examples

    again = CountingEmbedder(minilm)
    second = embed_comments(small_settings, store, again)
    assert (second.texts_embedded, second.texts_cached, again.texts) == (0, 4, [])

    add_comments(store, ["giá xăng tăng", "mất điện cả buổi"])
    third = CountingEmbedder(minilm)
    assert embed_comments(small_settings, store, third).texts_embedded == 1
    assert third.texts == ["mất điện cả buổi"]

    got_ids, vectors = comment_vectors(store, minilm.fingerprint)
    assert got_ids.tolist() == ids + [ids[-1] + 1, ids[-1] + 2]
    np.testing.assert_allclose(vectors[0], vectors[2])
    np.testing.assert_allclose(vectors[:1], minilm.encode(TEXTS[:1]), atol=1e-5)
    some_ids, some = comment_vectors(store, minilm.fingerprint, [ids[1], 10_000])
    assert some_ids.tolist() == [ids[1]] and some.shape == (1, minilm.dim)


def test_interrupted_run_keeps_finished_batches(small_settings, store, minilm) -> None:
    add_comments(store, TEXTS)
    with pytest.raises(KeyboardInterrupt):
        embed_comments(small_settings, store, CountingEmbedder(minilm, fail_after_calls=1))
    assert text_counts(store, minilm.fingerprint) == (4, 2)
    resumed = embed_comments(small_settings, store, minilm)
    assert (resumed.texts_cached, resumed.texts_embedded) == (2, 2)


def test_another_model_or_prompt_never_reuses_vectors(small_settings, store, minilm, minilm_path) -> None:
    add_comments(store, TEXTS)
    embed_comments(small_settings, store, minilm)
    prompted = Embedder(minilm_path, device="cpu", prompt="query: ")
    report = embed_comments(small_settings, store, prompted)
    assert report.fingerprint != minilm.fingerprint and report.texts_embedded == 4
    plain, with_prompt = comment_vectors(store, minilm.fingerprint)[1], comment_vectors(store, prompted.fingerprint)[1]
    assert plain.shape == with_prompt.shape and not np.allclose(plain, with_prompt)


def test_put_vectors_checks_shapes_and_keeps_existing(store) -> None:
    register_model(store, "fp-3", 3, "tiny")
    assert put_vectors(store, "fp-3", ["a", "b"], np.eye(3, dtype=np.float32)[:2]) == 2
    assert put_vectors(store, "fp-3", ["a"], np.ones((1, 3), dtype=np.float32)) == 0
    with pytest.raises(ValueError, match="2 vectors"):
        put_vectors(store, "fp-3", ["c", "d"], np.ones((3, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="dimension 3"):
        register_model(store, "fp-3", 4, "tiny")
    add_comments(store, ["x"])
    assert [hashes for hashes, _ in missing_texts(store, "fp-3")] == [[hashlib.sha256(b"x").hexdigest()]]


def test_unavailable_model_gives_a_clear_error(settings: Settings, tmp_path: Path, monkeypatch) -> None:
    settings = settings.updated("embedding", model=str(tmp_path / "missing-model"))
    with pytest.raises(ModelUnavailableError, match="TOPICPULSE_EMBEDDING__MODEL"):
        load_embedder(settings)

    from service.cli import app

    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__MODEL", str(tmp_path / "missing-model"))
    result = CliRunner().invoke(app, ["embed"])
    assert result.exit_code == 1  # a domain error, not a usage error: there is no option to fix
    flat = " ".join(result.output.replace("│", " ").split())
    assert "is not available" in flat and "models prepare" in flat


def test_embed_command_reports_what_it_did(small_settings, store, minilm_path, monkeypatch) -> None:
    from service.cli import app

    add_comments(store, TEXTS)
    store.close()
    monkeypatch.setenv("TOPICPULSE_DATA_DIR", str(small_settings.data_dir))
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__MODEL", minilm_path)
    monkeypatch.setenv("TOPICPULSE_EMBEDDING__BACKEND", "torch")
    first = CliRunner().invoke(app, ["embed"])
    assert first.exit_code == 0, first.output
    assert "4 texts embedded, 0 already cached" in first.output
    again = CliRunner().invoke(app, ["embed"])
    assert "0 texts embedded, 4 already cached" in again.output


def test_default_model_puts_vietnamese_near_duplicates_together(settings, store, tmp_path_factory) -> None:
    settings = settings.updated("embedding", cache_dir=tmp_path_factory.getbasetemp() / "models")
    converted_e5(settings.embedding.cache_dir)
    embedder = load_embedder(settings)
    assert embedder.prompt == "query: " and embedder.dim == 384
    texts = [
        "Giá xăng hôm nay lại tăng, dân mình khổ quá",
        "Giá xăng hôm nay lại tăng rồi, khổ thật sự 😢",
        "giá xăng lại tăng nữa rồi, khổ quá",
        "GIÁ XĂNG HÔM NAY LẠI TĂNG!!! dân mình khổ quá",
        "Đội tuyển Việt Nam thắng Thái Lan 2-0 tối qua",
        "Shop giao hàng nhanh, đóng gói cẩn thận",
        "Hôm nay trời mưa to quá, kẹt xe khắp nơi",
    ]
    ids = add_comments(store, texts)
    assert embed_comments(settings, store, embedder).texts_embedded == len(texts)
    got_ids, vectors = comment_vectors(store, embedder.fingerprint, ids)
    similarity = vectors @ vectors.T
    near, unrelated = similarity[0, 1:4], similarity[0, 4:]
    assert near.min() > unrelated.max() + 0.03, similarity.round(3)
