"""The Ray engine (``engine = "ray"``): embed, assign and forecast in keyed batches on a Ray cluster.

Why this shape:

- DuckDB stays the one store, written by one process: this driver. Workers get batches (Arrow
  tables of texts, arrays of vectors, forecast tasks) and hand results back; they never open it.
- Every batch is keyed: text hashes for embeddings, comment ids for assignments, the series
  fingerprint for forecasts. Every write is insert-if-absent by that key, so a batch that Ray redoes
  after losing a worker (tasks are retried, embedding actors restarted) writes nothing twice.
- The driver pages its inputs from the store and keeps at most ``2 x workers`` batches in flight,
  so its memory is a few batches whatever the corpus size.

Ray is an optional extra (``pip install -e ".[ray]"``); it is imported only here, only when chosen.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from config import Settings

log = logging.getLogger(__name__)

Meta = TypeVar("Meta")
_IN_FLIGHT_PER_WORKER = 2
_RETRIES = 3


class EngineError(RuntimeError):
    """The Ray engine cannot run as configured; the message says what to do."""


def start_ray(address: str | None = None, **options: Any) -> ModuleType:
    """``ray.init(address, **options)`` unless Ray is already up in this process; returns the ``ray`` module.

    Ray's driver replaces ``builtins.print`` with its tqdm-aware one the first time it relays a
    worker's log line. numba then cannot compile functions that call print (pynndescent's
    ``get_num_threads``), so a topic fit later in the same process failed; RAY_TQDM_PATCH_PRINT=0
    keeps the builtin.
    """
    try:
        import ray
    except ImportError as exc:
        raise EngineError('engine = "ray" needs Ray: install the extra with pip install -e ".[ray]"') from exc
    os.environ.setdefault("RAY_TQDM_PATCH_PRINT", "0")
    if not ray.is_initialized():
        log.info("starting Ray" if address is None else "joining the Ray cluster at %s", address)
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING, **options)
    return ray


def for_settings(settings: Settings) -> RayEngine | None:
    """The Ray engine when ``settings.engine`` is "ray", else None (the local engine)."""
    return RayEngine(settings) if settings.engine == "ray" else None


class RayEngine:
    """A connection to Ray (a local one started in this process when no address is set)."""

    def __init__(self, settings: Settings) -> None:
        self._ray = ray = start_ray(settings.ray.address)
        self.settings = settings
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = settings.ray.workers or max(1, cpus // settings.ray.cpus_per_worker)

    def map_ordered(
        self, fn: Callable[..., Any], batches: Iterable[tuple[Meta, Any]], *shared: Any
    ) -> Iterator[tuple[Meta, Any]]:
        """``fn(payload, *shared)`` for each ``(meta, payload)`` batch on Ray, yielded with its meta in order.

        ``fn`` must be pure (a redone batch gives the same result); ``meta`` stays in the driver
        and should be small (the batch's keys), ``shared`` is sent to the cluster once.
        """
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=_RETRIES)(fn)
        shared_refs = [ray.put(value) for value in shared]
        pending: deque = deque()
        for meta, payload in batches:
            pending.append((meta, remote.remote(payload, *shared_refs)))
            if len(pending) >= self.workers * _IN_FLIGHT_PER_WORKER:
                meta_done, ref = pending.popleft()
                yield meta_done, ray.get(ref)
        while pending:
            meta_done, ref = pending.popleft()
            yield meta_done, ray.get(ref)

    def embed_pages(
        self, model: str, pages: Iterable[tuple[list[str], list[str]]], fingerprint: str
    ) -> Iterator[tuple[list[str], np.ndarray]]:
        """(text hashes, vectors) for each page of (text hashes, texts), embedded by worker actors, in order.

        ``model`` is the driver's resolved model folder, so workers load the same files (on a
        cluster, that path must exist on every node). Raises EngineError when a worker's model
        fingerprint differs from ``fingerprint``: its vectors would not be comparable.
        """
        ray = self._ray
        worker_settings = self.settings.model_copy(update={
            "data_dir": self.settings.data_dir.resolve(),
            "embedding": self.settings.embedding.model_copy(update={"model": model}),
        })
        actor = ray.remote(
            num_cpus=self.settings.ray.cpus_per_worker, max_restarts=_RETRIES, max_task_retries=_RETRIES
        )(EmbedWorker)
        threads = self.settings.ray.cpus_per_worker
        # The first worker prepares the model's cached files (the ONNX export) alone; the rest reuse them.
        workers = [actor.remote(worker_settings, threads)]
        found = ray.get(workers[0].ready.remote())
        workers += [actor.remote(worker_settings, threads) for _ in range(self.workers - 1)]
        found = {found, *ray.get([w.ready.remote() for w in workers[1:]])}
        if found != {fingerprint}:
            for worker in workers:
                ray.kill(worker)
            raise EngineError(
                f"Ray workers embed with {sorted(found)} but the driver with {fingerprint}: "
                "give every node the same model files"
            )
        pending: deque = deque()
        try:
            for number, (hashes, texts) in enumerate(pages):
                batch = pa.table({"text_hash": pa.array(hashes, pa.string()), "text": pa.array(texts, pa.string())})
                pending.append((hashes, workers[number % len(workers)].encode.remote(batch)))
                if len(pending) >= len(workers) * _IN_FLIGHT_PER_WORKER:
                    done, ref = pending.popleft()
                    yield done, ray.get(ref)
            while pending:
                done, ref = pending.popleft()
                yield done, ray.get(ref)
        finally:
            for worker in workers:
                ray.kill(worker)


class EmbedWorker:
    """A Ray actor holding one loaded embedder, so the model is loaded once per worker, not per batch."""

    def __init__(self, settings: Settings, threads: int) -> None:
        import torch

        from pipelines.embed import load_embedder

        torch.set_num_threads(threads)
        self.embedder = load_embedder(settings)

    def ready(self) -> str:
        """The worker's model fingerprint, after one warm-up encode that prepares the backend."""
        self.embedder.encode(["warm-up"], show_progress=False)
        return self.embedder.fingerprint

    def encode(self, batch: pa.Table) -> np.ndarray:
        return self.embedder.encode(batch.column("text").to_pylist(), show_progress=False)
