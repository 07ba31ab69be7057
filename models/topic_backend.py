"""Which library runs the topic fit's UMAP and HDBSCAN: umap-learn + hdbscan on CPU, or cuML on a GPU.

BERTopic takes cuML's UMAP and HDBSCAN as drop-in models (its documented GPU path), so only the
two objects change. ``auto`` picks cuML only when it imports and a CUDA device is visible, so every
machine without one keeps the CPU path; ``cuml`` insists and says why it cannot; ``cpu`` never
tries. The choice is part of the fit's resolved parameters, so each run records which was used.
cuML's UMAP has no PCA start: it starts from its spectral layout, seeded by ``random_state``.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

CPU = "cpu"
CUML = "cuml"
BACKENDS = ("auto", CPU, CUML)


def cuml_unavailable() -> str | None:
    """Why cuML cannot fit here (not installed, no CUDA device), or None when it can."""
    try:
        import cupy
        import cuml  # noqa: F401
    except ImportError as exc:
        return f"cuML is not installed ({exc.name} missing; see the README's GPU install)"
    try:
        devices = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as exc:
        return f"no usable CUDA device ({exc})"
    return None if devices > 0 else "no CUDA device is visible"


def choose_backend(requested: str) -> str:
    """``cpu`` or ``cuml`` for a requested ``auto``/``cpu``/``cuml``; ValueError when cuml cannot run."""
    if requested == CPU:
        return CPU
    reason = cuml_unavailable()
    if reason is None:
        return CUML
    if requested == CUML:
        raise ValueError(f"cluster_backend 'cuml' was asked for but {reason}")
    log.debug("topic fit on CPU: %s", reason)
    return CPU


def cuml_models(params: dict[str, Any]) -> tuple[Any, Any]:
    """cuML UMAP and HDBSCAN with the same resolved parameters as the CPU pair."""
    from cuml.cluster import HDBSCAN
    from cuml.manifold import UMAP

    umap_model = UMAP(
        n_neighbors=params["n_neighbors"], n_components=params["n_components"], min_dist=0.0,
        metric="cosine", random_state=params["random_state"],
    )
    hdbscan_model = HDBSCAN(
        min_cluster_size=params["min_cluster_size"], min_samples=params["min_samples"],
        metric="euclidean", cluster_selection_method="eom", prediction_data=False,
    )
    return umap_model, hdbscan_model
