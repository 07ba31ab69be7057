"""The auth matrix: every endpoint group against no key and each role, plus the open endpoints."""

from __future__ import annotations

import pytest

from service.routes.search import QueryEncoder
from tests.service_helpers import app_settings, client, headers, test_embedder  # noqa: F401  (fixtures)

READER = [
    ("GET", "/api/v1/topics", None),
    ("GET", "/api/v1/topics/t0001", None),
    ("GET", "/api/v1/topics/t0001/comments", None),
    ("GET", "/api/v1/topics/t0001/forecast", None),
    ("GET", "/api/v1/comments", None),
    ("GET", "/api/v1/alerts", None),
    ("GET", "/api/v1/runs", None),
    ("GET", "/api/v1/runs/1", None),
    ("POST", "/api/v1/search", {"query": "xăng"}),
    ("POST", "/api/v1/classify", {"texts": ["xăng"]}),
]
ANALYST = [("GET", "/api/v1/reports/topics?from=2026-02-01&to=2026-02-08&format=json", None)]
ADMIN = [
    ("POST", "/api/v1/comments", {"comments": [{"text": "xin chào", "created_at": "2026-02-01T00:00:00Z"}]}),
    ("POST", "/api/v1/runs", None),
    ("POST", "/api/v1/forecasts", None),
    ("POST", "/api/v1/assign", None),
    ("GET", "/api/v1/jobs", None),
    ("GET", "/api/v1/jobs/1", None),
    ("GET", "/api/v1/keys", None),
    ("POST", "/api/v1/keys", {"name": "x", "role": "reader"}),
    ("DELETE", "/api/v1/keys/999", None),
]
ROLES = ("reader", "analyst", "admin")
GROUPS = {"reader": READER, "analyst": ANALYST, "admin": ADMIN}


@pytest.fixture
def matrix_client(client, app_settings, test_embedder):
    client.app.state.encoder = QueryEncoder(app_settings, test_embedder)
    done = lambda settings, store, job: {}  # noqa: E731  (jobs finish at once; no pipeline runs)
    client.app.state.jobs.kinds = {"topics": done, "forecast": done, "assign": done}
    return client


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("role", [None, *ROLES])
def test_auth_matrix(matrix_client, headers, group, role):
    allowed = role is not None and ROLES.index(role) >= ROLES.index(group)
    for method, path, body in GROUPS[group]:
        response = matrix_client.request(method, path, json=body, headers=headers[role] if role else {})
        if role is None:
            assert response.status_code == 401, (method, path)
            assert "API key" in response.json()["detail"] and response.headers["www-authenticate"] == "Bearer"
        elif not allowed:
            assert response.status_code == 403, (method, path, role)
            assert f"needs the {group} role" in response.json()["detail"]
        else:
            assert response.status_code not in (401, 403), (method, path, role, response.text)


def test_upload_needs_admin(matrix_client, headers):
    files = {"file": ("c.csv", b"text,created_at\nhi,2026-02-01\n", "text/csv")}
    assert matrix_client.post("/api/v1/comments/upload", files=files).status_code == 401
    assert matrix_client.post("/api/v1/comments/upload", files=files, headers=headers["analyst"]).status_code == 403
    assert matrix_client.post("/api/v1/comments/upload", files=files, headers=headers["admin"]).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"])
def test_open_endpoints_need_no_key(client, path):
    assert client.get(path).status_code == 200
