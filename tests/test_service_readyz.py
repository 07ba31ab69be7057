"""/readyz and the embedder read a configured model path by one rule (``models.embedding.local_model_folder``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config import Settings
from models.embedding import Embedder
from service.app import create_app


def test_a_model_under_the_home_folder_is_ready_and_loads(
    settings: Settings, minilm_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "minilm").symlink_to(minilm_path, target_is_directory=True)
    monkeypatch.setenv("HOME", str(home))
    configured = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"model": "~/models/minilm"})}
    )
    with TestClient(create_app(configured)) as started:
        response = started.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["model"]["detail"] == f"model folder {home / 'models' / 'minilm'}"
    assert Embedder("~/models/minilm", device="cpu", backend="torch").dim == 384


def test_a_missing_folder_under_home_is_not_ready(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    configured = settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"model": "~/models/absent"})}
    )
    with TestClient(create_app(configured)) as started:
        response = started.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["model"]["detail"] == f"model folder {tmp_path / 'models' / 'absent'} does not exist"
