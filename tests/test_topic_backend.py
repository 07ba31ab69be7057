"""Which library fits UMAP and HDBSCAN: cuML only when it can run, the CPU pair otherwise.

This machine has no cuML and no GPU, so these tests take the fallback path; on a machine with
both they skip and ``bench/embed_gpu.py`` exercises the cuML fit instead.
"""

from __future__ import annotations

import pytest

from models.topic_backend import CPU, choose_backend, cuml_unavailable
from models.topics import TopicModel


@pytest.fixture
def without_cuml() -> str:
    reason = cuml_unavailable()
    if reason is None:
        pytest.skip("cuML and a CUDA device are present: the CPU fallback is not taken here")
    return reason


def test_auto_falls_back_to_the_cpu_pair_and_cpu_never_tries(without_cuml: str) -> None:
    assert choose_backend("auto") == CPU
    assert choose_backend("cpu") == CPU


def test_asking_for_cuml_where_it_cannot_run_says_why(without_cuml: str) -> None:
    with pytest.raises(ValueError, match="'cuml' was asked for but") as error:
        choose_backend("cuml")
    assert without_cuml in str(error.value)


def test_an_unknown_backend_is_refused_when_the_model_is_made() -> None:
    with pytest.raises(ValueError, match="cluster_backend must be one of"):
        TopicModel(cluster_backend="gpu")
