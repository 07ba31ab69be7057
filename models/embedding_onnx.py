"""The fast CPU path: the embedder's transformer exported to ONNX and quantised to int8.

Export uses ``torch.onnx`` and quantisation ``onnxruntime.quantization`` directly (optimum pins an
older transformers). Weights of every MatMul are quantised per output channel with dynamic int8
activations; per-channel scales keep the embeddings within cosine 0.99 of fp32, where
per-tensor int8 of every Linear does not. Pooling (masked mean) and L2 normalisation run in
numpy, so the runner only needs the model's tokenizer and the ONNX file.

An export is paid once per machine: it lives in the model cache (``models.model_cache``) in a
folder named by the model's fingerprint (a checksum of its files and settings) and the recipe,
with the tokenizer and the embedder's resolved settings (``embedder.json``). A small pointer
file, named by what an embedder is asked for before it loads anything (the model files'
checksum, prompt, sequence length), leads a later process straight to that folder, so it runs
the export without loading the torch model at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from models.model_cache import prepare_once

if TYPE_CHECKING:
    from models.embedding import Embedder

log = logging.getLogger(__name__)

RECIPE = "matmul-int8-per-channel-v1"
_OPSET = 17
_ONNX_FILE = "model.int8.onnx"
_MANIFEST = "embedder.json"
_TOKENIZER_FILE = "tokenizer.json"


@dataclass(frozen=True)
class PreparedOnnx:
    """An export in the model cache and the embedder settings it was made with."""

    folder: Path
    fingerprint: str
    dim: int
    max_seq_length: int
    prompt: str

    @classmethod
    def read(cls, folder: Path) -> PreparedOnnx | None:
        """The export in ``folder``, or None when the folder holds no finished one."""
        try:
            manifest = json.loads((folder / _MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        if not (folder / _ONNX_FILE).is_file():
            return None
        return cls(folder=folder, **{name: manifest[name] for name in ("fingerprint", "dim", "max_seq_length", "prompt")})


def request_key(identity: str, prompt: str | None, max_seq_length: int) -> str:
    """Names what an embedder is asked for before it loads: the model files' checksum and settings."""
    parts = {"model": identity, "prompt": prompt, "max_seq_length": max_seq_length, "recipe": RECIPE}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def find_prepared(cache_dir: Path, request: str) -> PreparedOnnx | None:
    """The export an earlier embedder made for the same request, if the cache still holds it."""
    try:
        entry = json.loads((cache_dir / "requests" / f"{request}.json").read_text())["entry"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return PreparedOnnx.read(cache_dir / str(entry))


def prepare(embedder: Embedder, cache_dir: Path, request: str | None = None) -> PreparedOnnx:
    """Export and quantise ``embedder``'s transformer unless the cache holds it; remember ``request``."""
    if not supports(embedder._model):
        raise ValueError(
            f"the onnx backend runs Transformer + mean Pooling (+ Normalize) models only; use backend "
            f"'torch' for {embedder.model_name}"
        )
    transformer = embedder._model[0]
    folder = cache_dir / hashlib.sha256(f"{embedder.fingerprint}|{RECIPE}".encode()).hexdigest()[:16]
    settings = {"fingerprint": embedder.fingerprint, "dim": embedder.dim,
                "max_seq_length": embedder.max_seq_length, "prompt": embedder.prompt}

    def build(staged: Path) -> None:
        staged.mkdir()
        export_int8(transformer.auto_model, staged / _ONNX_FILE)
        runner_tokenizer(transformer.tokenizer).save(str(staged / _TOKENIZER_FILE))
        (staged / _MANIFEST).write_text(json.dumps({**settings, "model": embedder.model_name}, indent=1))

    prepare_once(folder, build, ready=lambda candidate: PreparedOnnx.read(candidate) is not None)
    if request is not None:
        pointer = cache_dir / "requests" / f"{request}.json"
        pointer.parent.mkdir(parents=True, exist_ok=True)
        partial = pointer.with_name(f".{pointer.name}.{os.getpid()}")
        partial.write_text(json.dumps({"entry": folder.name}))
        os.replace(partial, pointer)
    return PreparedOnnx(folder=folder, **settings)


class OnnxRunner:
    """Runs one sentence-transformers model's transformer with ONNX Runtime on int8 weights.

    It tokenises with the Rust ``tokenizers`` library directly (``runner_tokenizer``), the same
    calls transformers' fast tokenizers make, so a run from the cache imports neither torch nor
    transformers.
    """

    def __init__(self, onnx_path: Path, tokenizer, *, prompt: str, max_seq_length: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if "torch" in sys.modules:  # one thread knob for both backends once torch is loaded anyway
            options.intra_op_num_threads = sys.modules["torch"].get_num_threads()
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = tokenizer
        self.tokenizer.enable_truncation(max_seq_length)
        self.prompt = prompt

    @classmethod
    def from_prepared(cls, prepared: PreparedOnnx) -> OnnxRunner:
        """A runner for an export in the cache."""
        from tokenizers import Tokenizer

        return cls(prepared.folder / _ONNX_FILE, Tokenizer.from_file(str(prepared.folder / _TOKENIZER_FILE)),
                   prompt=prepared.prompt, max_seq_length=prepared.max_seq_length)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit-length mean-pooled vectors; batches are padded only to their longest text."""
        out = []
        for start in range(0, len(texts), batch_size):
            encodings = self.tokenizer.encode_batch([self.prompt + t for t in texts[start : start + batch_size]])
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
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
def runner_tokenizer(tokenizer):
    """A copy of a transformers fast tokenizer's Rust tokenizer, padding as it pads (to the longest)."""
    from tokenizers import Tokenizer

    rust = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    rust.no_truncation()
    rust.enable_padding(direction=tokenizer.padding_side, pad_id=tokenizer.pad_token_id,
                        pad_type_id=tokenizer.pad_token_type_id, pad_token=tokenizer.pad_token)
    return rust


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
