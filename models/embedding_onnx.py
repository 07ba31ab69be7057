"""The fast CPU path: the embedder's transformer exported to ONNX and quantised to int8.

Export uses ``torch.onnx`` and quantisation ``onnxruntime.quantization`` directly (optimum pins an
older transformers). Weights of every MatMul are quantised per output channel with dynamic int8
activations; per-channel scales keep the embeddings within cosine 0.99 of fp32, where
per-tensor int8 of every Linear does not. Pooling (masked mean) and L2 normalisation run in
numpy, so the runner only needs the model's tokenizer and the ONNX file.

The exported files are cached per model folder and recipe, so the export runs once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.embedding import Embedder

log = logging.getLogger(__name__)

RECIPE = "matmul-int8-per-channel-v1"
_OPSET = 17
# Exports made by this process, by model: a second data folder in the same process reuses them.
_EXPORTED: dict[str, Path] = {}


def _default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "topicpulse-onnx"


class OnnxRunner:
    """Runs one sentence-transformers model's transformer with ONNX Runtime on int8 weights."""

    def __init__(self, onnx_path: Path, tokenizer, *, prompt: str, max_seq_length: int) -> None:
        import onnxruntime as ort

        import torch

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = torch.get_num_threads()  # one thread knob for both backends
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = tokenizer
        self.prompt = prompt
        self.max_seq_length = max_seq_length

    @classmethod
    def for_model(cls, embedder: Embedder, cache_dir: Path | None = None) -> OnnxRunner:
        """Export and quantise ``embedder``'s transformer on first use, then load the cached file."""
        if not supports(embedder._model):
            raise ValueError(
                f"the onnx backend runs Transformer + mean Pooling (+ Normalize) models only; use backend "
                f"'torch' for {embedder.model_name}"
            )
        transformer = embedder._model[0]
        key = hashlib.sha256(f"{embedder.fingerprint}|{RECIPE}".encode()).hexdigest()[:16]
        target = (cache_dir or _default_cache_dir()) / f"{key}.int8.onnx"
        exported = _EXPORTED.get(key)
        if not target.is_file() and exported is not None and exported.is_file():
            target = exported
        elif not target.is_file():
            export_int8(transformer.auto_model, target)
        _EXPORTED[key] = target
        return cls(
            target,
            transformer.tokenizer,
            prompt=embedder.prompt,
            max_seq_length=embedder.max_seq_length,
        )

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit-length mean-pooled vectors; batches are padded only to their longest text."""
        out = []
        for start in range(0, len(texts), batch_size):
            batch = [self.prompt + t for t in texts[start : start + batch_size]]
            tokens = self.tokenizer(
                batch, padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="np"
            )
            feed = {
                "input_ids": tokens["input_ids"].astype(np.int64),
                "attention_mask": tokens["attention_mask"].astype(np.int64),
            }
            if "token_type_ids" in self.input_names:
                feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            (hidden,) = self.session.run(["last_hidden_state"], feed)
            mask = feed["attention_mask"][:, :, None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out.append(pooled.astype(np.float32))
        return np.concatenate(out) if out else np.empty((0, 0), dtype=np.float32)


class _QuantiserChatter(logging.Filter):
    """Drops the INFO lines that onnxruntime's quantiser logs, one a tensor, through ``logging.info``."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or _QUANTISER_DIR not in record.pathname


_QUANTISER_DIR = os.path.join("onnxruntime", "quantization", "")


@contextmanager
def quiet_quantiser() -> Iterator[None]:
    """Hold back the quantiser's per-tensor INFO lines while it runs.

    They arrive on the root logger, so a filter there drops records from the quantiser's own
    files; the root logger's level is left alone, so other threads' logs still get through.
    """
    root = logging.getLogger()
    chatter = _QuantiserChatter()
    root.addFilter(chatter)
    try:
        yield
    finally:
        root.removeFilter(chatter)


def supports(model) -> bool:
    """Whether a SentenceTransformer is Transformer + mean Pooling over every token (+ Normalize)."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    pooling = model[1]
    return getattr(pooling, "pooling_mode", None) == "mean" and getattr(pooling, "include_prompt", True)


def export_int8(model, target: Path, *, per_channel: bool = True, op_types: tuple[str, ...] = ("MatMul",)) -> Path:
    """Export a transformers encoder to ONNX (dynamic batch and length) and quantise it to int8."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        fp32 = Path(work) / "model.onnx"
        export_fp32(model, fp32)
        partial = Path(work) / "model.int8.onnx"
        log.info("quantising %s to int8 (%s, per_channel=%s)", fp32.name, ",".join(op_types), per_channel)
        with quiet_quantiser():
            quantize_dynamic(
                str(fp32),
                str(partial),
                per_channel=per_channel,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=list(op_types),
            )
        os.replace(partial, target)
    return target


def export_fp32(model, path: Path) -> Path:
    """The encoder as one fp32 ONNX file taking input_ids/attention_mask, giving last_hidden_state."""
    import torch

    class _Encoder(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    path.parent.mkdir(parents=True, exist_ok=True)
    wrapped = _Encoder(model.float().eval())
    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    log.info("exporting the encoder to ONNX at %s", path)
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about shape checks it freezes; the graph is checked against torch in tests.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message="Exporting aten::index", category=UserWarning)
        torch.onnx.export(
            wrapped,
            example,
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "last_hidden_state": {0: "batch", 1: "sequence"},
            },
            opset_version=_OPSET,
            dynamo=False,
        )
    return path
