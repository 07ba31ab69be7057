from pathlib import Path

import numpy as np
import pytest
import torch

from models.embedding import Embedder, ModelUnavailableError


@pytest.fixture(scope="module")
def minilm(minilm_path: str) -> Embedder:
    return Embedder(minilm_path, device="cpu", batch_size=8)


def test_vectors_are_unit_length_float32_in_input_order(minilm: Embedder) -> None:
    texts = ["a cat sat on the mat", "stock prices fell sharply today", "the kitten sat on a rug"]
    vectors = minilm.encode(texts)
    assert vectors.shape == (3, minilm.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(minilm.encode(texts[::-1])[::-1], vectors, atol=1e-5)
    assert vectors[0] @ vectors[2] > vectors[0] @ vectors[1]
    assert minilm.encode([]).shape == (0, minilm.dim)


def test_fingerprint_is_stable_and_names_prompt_and_length(minilm: Embedder, minilm_path: str) -> None:
    assert Embedder(minilm_path, device="cpu").fingerprint == minilm.fingerprint
    assert Embedder(minilm_path, device="cpu", prompt="query: ").fingerprint != minilm.fingerprint
    assert Embedder(minilm_path, device="cpu", max_seq_length=64).fingerprint != minilm.fingerprint


def test_missing_local_folder_says_how_to_provide_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="TOPICPULSE_EMBEDDING__MODEL.*models prepare"):
        Embedder(str(tmp_path / "no-such-model"))


def test_hub_id_not_in_cache_fails_clearly_when_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(ModelUnavailableError, match="HF_HUB_OFFLINE"):
        Embedder("intfloat/multilingual-e5-small")


def test_cuda_out_of_memory_halves_the_batch_and_keeps_going(minilm_path: str, monkeypatch) -> None:
    embedder = Embedder(minilm_path, device="cpu", batch_size=32)
    inner = embedder._model.encode
    seen: list[int] = []

    def encode_that_fits_only_small_batches(texts, *, batch_size, **kwargs):
        seen.append(batch_size)
        if batch_size > 4:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return inner(texts, batch_size=batch_size, **kwargs)

    monkeypatch.setattr(embedder._model, "encode", encode_that_fits_only_small_batches)
    texts = [f"comment number {i} about traffic" for i in range(40)]
    vectors = embedder.encode(texts)
    assert seen[:4] == [32, 16, 8, 4] and embedder.batch_size == 4
    np.testing.assert_allclose(vectors, Embedder(minilm_path, device="cpu").encode(texts), atol=1e-5)


def test_bad_arguments_are_rejected_before_loading(minilm_path: str) -> None:
    with pytest.raises(ValueError, match="backend"):
        Embedder(minilm_path, backend="tensorrt")
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(minilm_path, batch_size=0)


def test_onnx_int8_backend_stays_close_to_torch_and_exports_once(
    minilm: Embedder, minilm_path: str, tmp_path
) -> None:
    texts = [f"comment {i}: the bus was late again and traffic was terrible" for i in range(6)] + [
        "great match last night",
        "prices keep going up",
    ]
    fast = Embedder(minilm_path, device="cpu", backend="auto", cache_dir=tmp_path)
    assert fast.backend == "onnx" and fast.fingerprint != minilm.fingerprint
    cosines = np.sum(fast.encode(texts) * minilm.encode(texts), axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.98
    exported = list(tmp_path.glob("*/model.int8.onnx"))
    assert len(exported) == 1
    stamp = exported[0].stat().st_mtime_ns
    again = Embedder(minilm_path, device="cpu", backend="onnx", cache_dir=tmp_path)
    np.testing.assert_allclose(again.encode(texts[:2]), fast.encode(texts[:2]), atol=1e-5)
    assert exported[0].stat().st_mtime_ns == stamp


def test_default_batch_size_grows_with_gpu_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from models.embedding import default_batch_size

    for gib, expected in ((6, 64), (16, 128), (80, 256)):
        device = SimpleNamespace(total_memory=gib * 2**30)
        monkeypatch.setattr(torch.cuda, "get_device_properties", lambda index, device=device: device)
        assert default_batch_size("cuda:0") == expected
    assert default_batch_size("cpu") == 32


def test_quantiser_chatter_is_held_back_without_raising_the_root_level(caplog: pytest.LogCaptureFixture) -> None:
    """Only the quantiser's own INFO lines are dropped; the root level, and everyone else's INFO, stay."""
    import logging
    import os

    from models.embedding_onnx import quiet_quantiser

    root = logging.getLogger()
    quantiser_file = os.path.join("site-packages", "onnxruntime", "quantization", "onnx_quantizer.py")
    caplog.set_level(logging.INFO)
    level = root.level
    with quiet_quantiser():
        assert root.level == level
        root.handle(root.makeRecord("root", logging.INFO, quantiser_file, 1, "per-tensor chatter", (), None))
        root.handle(root.makeRecord("root", logging.WARNING, quantiser_file, 1, "quantiser warning", (), None))
        logging.getLogger("another.thread").info("still heard")
    root.handle(root.makeRecord("root", logging.INFO, quantiser_file, 1, "after the quantiser", (), None))
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["quantiser warning", "still heard", "after the quantiser"]
