"""Sentence embeddings over sentence-transformers: any local folder or hub id, on GPU or CPU.

The embedder owns the choices that make a large run finish: it picks the device and a batch size
that fits it, uses fp16 on CUDA, halves the batch when CUDA runs out of memory, sorts texts by
length so batches pad little, and shows progress on long runs. Its ``fingerprint`` names the
vectors it makes, so a cache never mixes vectors of two models or two prompts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from config.errors import TopicPulseError
from models.embedding_onnx import OnnxRunner, find_prepared, request_key, supports
from models.embedding_onnx import prepare as prepare_onnx
from models.model_cache import default_cache_dir

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = {"cuda": 128, "mps": 64, "cpu": 32}
BACKENDS = ("auto", "torch", "onnx")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx", ".pt")
PROGRESS_MIN_TEXTS = 2000
_CHUNK_BATCHES = 16


class ModelUnavailableError(TopicPulseError, ValueError):
    """The model is neither a local folder nor in the local hub cache; the message says how to provide it."""


def local_model_folder(model: str) -> Path | None:
    """The folder that ``model`` names when it names one (a path, ``./x``, ``~/x``), else None: a hub id.

    One rule for the embedder and the readiness check, so a model that loads is also ready.
    """
    folder = Path(model).expanduser()
    return folder if folder.is_absolute() or model.startswith((".", "~")) or folder.exists() else None


def is_model_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a sentence-transformers or transformers model (weights not checked)."""
    return (folder / "modules.json").is_file() or (folder / "config.json").is_file()


def pick_device(requested: str | None = None) -> str:
    """The device to run on: the one asked for, else CUDA, then Apple MPS, then CPU.

    Where no GPU can exist (no NVIDIA or ROCm driver, not macOS) the answer is CPU without
    importing torch, which would cost seconds of a run that uses ONNX Runtime only.
    """
    if requested:
        return requested
    if not _gpu_possible():
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def _gpu_possible() -> bool:
    drivers = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/kfd")
    return sys.platform == "darwin" or any(os.path.exists(path) for path in drivers)


def default_batch_size(device: str) -> int:
    """Texts per pass that fit the device: more on a GPU with more memory (OOM back-off covers the rest)."""
    kind = device.split(":")[0]
    if kind == "cuda":
        import torch

        index = int(device.split(":")[1]) if ":" in device else torch.cuda.current_device()
        memory_gib = torch.cuda.get_device_properties(index).total_memory / 2**30
        return 64 if memory_gib < 8 else 128 if memory_gib < 24 else 256
    return DEFAULT_BATCH_SIZE.get(kind, 32)


def hub_offline() -> bool:
    """Whether Hugging Face's own HF_HUB_OFFLINE switch forbids reaching the hub."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable_message(model: str, reason: str) -> str:
    return (
        f"embedding model {model!r} is not available: {reason}. Put a sentence-transformers folder on "
        "this machine and set TOPICPULSE_EMBEDDING__MODEL to its path, or run `topicpulse models prepare` "
        "and leave the model unset to use the offline multilingual default."
    )


@lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_identity(folder: Path) -> str:
    """A hash of every file in a model folder: weights by content, the rest by content too.

    Two folders with the same files get the same identity wherever they live, so a moved model
    keeps its cached vectors and a re-trained one with the same name does not.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(".") or "/." in rel or rel.endswith(".md"):
            continue
        stat = path.stat()
        digest.update(rel.encode())
        digest.update(_file_digest(str(path), stat.st_size, stat.st_mtime_ns).encode())
    return digest.hexdigest()


class Embedder:
    """Turns texts into L2-normalised float32 vectors with one sentence-transformers model.

    Parameters
    ----------
    model:
        A local sentence-transformers folder, or a Hugging Face id found in the local hub cache
        (or downloadable when HF_HUB_OFFLINE is not set).
    device:
        ``cuda``, ``mps`` or ``cpu``; None picks CUDA, then MPS, then CPU.
    batch_size:
        Texts per forward pass; None picks one for the device (``default_batch_size``). On CUDA
        out-of-memory the batch is halved and the pass retried.
    max_seq_length:
        Tokens kept per text (the rest is cut); at most the model's own limit.
    prompt:
        Prefix put before every text (e5 models want ``"query: "``). None uses the model's
        default prompt when it has one, else no prefix.
    backend:
        ``torch``; ``onnx`` for the int8 ONNX Runtime path on CPU (see ``models.embedding_onnx``),
        faster there within cosine 0.99 of fp32; ``auto`` is onnx on CPU for mean-pooled models, else
        torch.
    cache_dir:
        Where the onnx backend keeps its exports (default: ``onnx`` in the machine-wide model
        cache). When it already holds the export for this model folder and these settings, the
        embedder runs it without loading the torch model.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        max_seq_length: int = 256,
        prompt: str | None = None,
        backend: str = "torch",
        cache_dir: Path | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if max_seq_length < 1:
            raise ValueError(f"max_seq_length must be at least 1, got {max_seq_length}")
        self.model_name = str(model)
        self.device = pick_device(device)
        if backend == "onnx" and self.device != "cpu":
            raise ValueError(f"the onnx backend runs on cpu only, not {self.device}")
        self.batch_size = batch_size or default_batch_size(self.device)
        self._cache_dir = cache_dir if cache_dir is not None else default_cache_dir() / "onnx"
        self._runner = None  # the ONNX session, made on first encode so a run with nothing to do skips it
        self._lock = threading.Lock()  # tokenizers and CUDA streams are not safe to share between threads
        self._request = self._onnx_request(backend, prompt, max_seq_length)
        self._prepared = find_prepared(self._cache_dir, self._request) if self._request else None
        if self._prepared is not None:
            self._model = None
            self.backend = "onnx"
            self.max_seq_length = self._prepared.max_seq_length
            self.prompt = self._prepared.prompt
            self.dim = self._prepared.dim
            self.fingerprint = self._prepared.fingerprint
            log.info("embedding model %s: its prepared int8 ONNX export, torch not loaded", self.model_name)
            return
        self._model = self._load()
        if backend == "auto":
            backend = "onnx" if self.device == "cpu" and supports(self._model) else "torch"
        self.backend = backend
        limit = self._model.max_seq_length or max_seq_length
        self.max_seq_length = min(max_seq_length, limit)
        self._model.max_seq_length = self.max_seq_length
        self.prompt = prompt if prompt is not None else self._default_prompt()
        self.dim = int(self._model.get_embedding_dimension())
        self.fingerprint = self._fingerprint()

    def _onnx_request(self, backend: str, prompt: str | None, max_seq_length: int) -> str | None:
        """The key of a prepared export that could serve this embedder: CPU, not torch, a local folder."""
        folder = Path(self.model_name).expanduser()
        if backend == "torch" or self.device != "cpu" or not (folder / "modules.json").is_file():
            return None
        return request_key(folder_identity(folder), prompt, max_seq_length)

    def _load(self):
        from sentence_transformers import SentenceTransformer

        folder = local_model_folder(self.model_name)
        if folder is not None and not is_model_folder(folder):
            raise ModelUnavailableError(unavailable_message(self.model_name, f"{folder} is not a model folder"))
        st_log = logging.getLogger("sentence_transformers.base.model")
        st_log.addFilter(_expected_prompt_notice)
        try:
            loaded = SentenceTransformer(
                str(folder) if folder is not None else self.model_name,
                device=self.device,
                local_files_only=hub_offline(),
            )
        except OSError as exc:
            reason = "HF_HUB_OFFLINE is set and it is not in the local hub cache" if hub_offline() else str(exc)
            raise ModelUnavailableError(unavailable_message(self.model_name, reason)) from exc
        finally:
            st_log.removeFilter(_expected_prompt_notice)
        if self.device.startswith("cuda"):
            loaded.half()
        self._folder = folder if folder is not None else _snapshot_folder(self.model_name)
        log.info("loaded embedding model %s on %s (batch %d)", self.model_name, self.device, self.batch_size)
        return loaded

    def _default_prompt(self) -> str:
        name = self._model.default_prompt_name
        return self._model.prompts.get(name, "") if name else ""

    def _fingerprint(self) -> str:
        """Names the vector space: model files, prompt, sequence length and numeric backend."""
        identity = folder_identity(self._folder) if self._folder is not None else self.model_name
        parts = {
            "model": identity,
            "prompt": self.prompt,
            "max_seq_length": self.max_seq_length,
            "backend": self.backend,
        }
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
        path = Path(self.model_name)
        name = path.parent.name if path.name in {"model", "models", ""} else path.name
        return f"{name[:40]}-{digest[:16]}"

    def encode(self, texts: Sequence[str], *, show_progress: bool | None = None) -> np.ndarray:
        """Vectors for ``texts`` in their order, shape (n, dim), float32, each of unit length.

        Texts are sorted by length and cut into chunks of a few batches, so progress can be
        shown and logged and a CUDA out-of-memory error costs one chunk, not the run.
        """
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([-len(t) for t in texts], kind="stable")
        if show_progress is None:
            show_progress = len(texts) >= PROGRESS_MIN_TEXTS
        progress = progress_bar(len(texts), show_progress)
        try:
            step = self.batch_size * _CHUNK_BATCHES
            with self._lock:
                for start in range(0, len(texts), step):
                    chunk = order[start : start + step]
                    out[chunk] = self._encode_chunk([texts[i] for i in chunk])
                    progress.update(len(chunk))
                    if show_progress:
                        log.info("embedded %d/%d texts", start + len(chunk), len(texts))
        finally:
            progress.close()
        return out

    def _encode_chunk(self, texts: list[str]) -> np.ndarray:
        """One chunk; on torch, halving the batch size on CUDA out-of-memory until it fits."""
        if self.backend == "onnx":
            return self._onnx_runner().encode(texts, self.batch_size)
        import torch

        while True:
            try:
                return self._encode_torch(texts, self.batch_size)
            except torch.cuda.OutOfMemoryError:
                if self.batch_size == 1:
                    raise
                self.batch_size = max(1, self.batch_size // 2)
                log.warning("CUDA out of memory; retrying with batch size %d", self.batch_size)
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()

    def _onnx_runner(self) -> OnnxRunner:
        """The ONNX session, exporting the model into the cache first when no process has yet."""
        if self._runner is None:
            if self._prepared is None:
                self._prepared = prepare_onnx(self, self._cache_dir, self._request)
            self._runner = OnnxRunner.from_prepared(self._prepared)
        return self._runner

    def _encode_torch(self, texts: list[str], batch_size: int) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            prompt=self.prompt,
            batch_size=batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def _expected_prompt_notice(record: logging.LogRecord) -> bool:
    """Drops sentence-transformers' warning that a default prompt is set: for e5 that is the point."""
    return not record.getMessage().startswith("Default prompt name is set to")


def _snapshot_folder(model_id: str) -> Path | None:
    """The local hub-cache folder of a model id, so its fingerprint hashes the files themselves."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model_id, local_files_only=True))
    except (OSError, ValueError):
        return None


def progress_bar(total: int, enabled: bool):
    """A tqdm bar over texts (shown on stderr only when enabled)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="text", desc="embedding")
