"""The app's edges: health, readiness, metrics, request ids, errors, limits, CORS and API keys."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from store import Store
from store.keys import create_key, list_keys, revoke_key, role_allows, verify_key
from tests.service_helpers import app_settings, client, headers  # noqa: F401  (fixtures)


def test_create_app_does_no_work_until_started(app_settings):
    app = create_app(app_settings)
    assert not app_settings.store_path.exists()
    with TestClient(app) as started:
        assert started.get("/healthz").json() == {"status": "ok"}
    assert app_settings.store_path.exists()


def test_readyz_reports_database_and_model(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["checks"]["database"]["ok"] and body["checks"]["model"]["ok"]


def test_readyz_is_503_when_the_model_folder_is_missing(app_settings, tmp_path):
    settings = app_settings.model_copy(
        update={"embedding": app_settings.embedding.model_copy(update={"model": str(tmp_path / "absent")})}
    )
    with TestClient(create_app(settings)) as started:
        response = started.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["model"]["ok"] is False


@pytest.mark.parametrize(
    ("model", "ready", "detail"),
    [(None, True, "default model"), ("someone/not-cached-model", False, "neither a model folder")],
)
def test_readyz_checks_the_default_and_hub_models_without_loading(settings, model, ready, detail):
    settings = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"model": model})})
    with TestClient(create_app(settings)) as started:
        response = started.get("/readyz")
    assert response.json()["ready"] is ready and detail in response.json()["checks"]["model"]["detail"]


def test_metrics_count_requests_by_route_template(client, headers):
    client.get("/api/v1/jobs/12345", headers=headers["admin"])
    text = client.get("/metrics").text
    assert 'topicpulse_http_requests_total{method="GET",route="/api/v1/jobs/{job_id}",status="404"} 1.0' in text
    assert "topicpulse_http_request_duration_seconds_bucket" in text
    assert "topicpulse_job_duration_seconds" in text
    assert "topicpulse_comments_ingested" in text


def test_each_app_has_its_own_metrics_registry(app_settings):
    first, second = create_app(app_settings), create_app(app_settings)
    assert first.state.metrics.registry is not second.state.metrics.registry


def test_request_id_is_generated_or_echoed(client):
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    unsafe = "bad id; " + "x" * 70
    replaced = client.get("/healthz", headers={"X-Request-ID": unsafe}).headers["X-Request-ID"]
    assert replaced != unsafe and len(replaced) == 32


def test_request_logs_are_one_json_line_with_the_request_id(client, caplog):
    from service.logs import JsonFormatter

    with caplog.at_level("INFO", logger="service.access"):
        response = client.get("/healthz")
    record = next(r for r in caplog.records if r.name == "service.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["route"] == "/healthz" and line["status"] == 200 and "duration_ms" in line


def test_unexpected_error_is_500_with_request_id_and_no_trace(client, headers, monkeypatch):
    import store.jobs

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(store.jobs, "get_job", broken)
    response = client.get("/api/v1/jobs/1", headers=headers["admin"])
    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "secret" not in response.text and "Traceback" not in response.text


def test_validation_errors_name_the_field(client, headers):
    response = client.get("/api/v1/jobs", params={"limit": "many"}, headers=headers["admin"])
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("query.limit:")
    assert body["errors"][0]["field"] == "query.limit"
    assert body["request_id"]


def test_malformed_json_is_422_naming_the_body(client, headers):
    response = client.post(
        "/api/v1/keys", content=b'{"name": "x", ', headers={**headers["admin"], "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("body: malformed JSON")


def test_body_without_json_content_type_says_so(client, headers):
    response = client.post("/api/v1/keys", content=b'{"name": "x", "role": "reader"}', headers=headers["admin"])
    assert response.status_code == 422 and "Content-Type: application/json" in response.json()["detail"]


def test_bad_cursor_is_422_naming_the_cursor(client, headers):
    response = client.get("/api/v1/jobs", params={"cursor": "not-ours!"}, headers=headers["admin"])
    assert response.status_code == 422
    assert response.json()["detail"].startswith("query.cursor:")


def test_oversize_body_is_413_before_it_is_read(app_settings, headers):
    settings = app_settings.model_copy(
        update={"service": app_settings.service.model_copy(update={"max_body_bytes": 1000})}
    )
    with TestClient(create_app(settings)) as small:
        admin = {"X-API-Key": create_key(small.app.state.store, "admin", "admin")[1]}
        declared = small.post("/api/v1/keys", content=b"x" * 2000, headers={**admin, "Content-Type": "application/json"})
        assert declared.status_code == 413
        assert "1000 bytes" in declared.json()["detail"]

        def chunks():
            for _ in range(5):
                yield b"y" * 400

        streamed = small.post("/api/v1/keys", content=chunks(), headers={**admin, "Content-Type": "application/json"})
        assert streamed.status_code == 413
        assert streamed.headers["X-Request-ID"]


def test_no_cors_headers_by_default(client):
    response = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_come_from_settings(app_settings):
    settings = app_settings.model_copy(
        update={"service": app_settings.service.model_copy(update={"cors_origins": ["https://dash.example"]})}
    )
    with TestClient(create_app(settings)) as started:
        allowed = started.options(
            "/api/v1/topics",
            headers={"Origin": "https://dash.example", "Access-Control-Request-Method": "GET"},
        )
        other = started.get("/healthz", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "access-control-allow-origin" not in other.headers


def test_docs_are_public_and_can_be_turned_off(client, app_settings):
    assert client.get("/api/v1/openapi.json").status_code == 200
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "/api/v1/docs/assets/swagger-ui-bundle.js" in page.text
    bundle = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    settings = app_settings.model_copy(update={"service": app_settings.service.model_copy(update={"docs": False})})
    with TestClient(create_app(settings)) as closed:
        assert closed.get("/api/v1/openapi.json").status_code == 404
        assert closed.get("/api/v1/docs").status_code == 404


# API keys


def test_keys_are_stored_hashed_and_verified(store: Store):
    record, token = create_key(store, "dashboard", "reader")
    stored = store.conn.execute("SELECT key_hash, prefix FROM api_keys").fetchone()
    assert token not in stored[0] and stored[1] == record["prefix"]
    assert verify_key(store, token)["role"] == "reader"
    assert verify_key(store, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert verify_key(store, "tp_nothing_here") is None
    assert verify_key(store, "garbage") is None
    revoke_key(store, record["id"])
    assert verify_key(store, token) is None
    assert list_keys(store) == [] and len(list_keys(store, include_revoked=True)) == 1
    assert revoke_key(store, record["id"]) is None


def test_key_roles_are_ordered_and_checked(store: Store):
    assert role_allows("admin", "reader") and role_allows("analyst", "analyst")
    assert not role_allows("reader", "analyst")
    with pytest.raises(ValueError, match="role must be one of"):
        create_key(store, "x", "owner")
    with pytest.raises(ValueError, match="name"):
        create_key(store, " ", "reader")


def test_missing_wrong_and_revoked_keys_are_401(client, headers):
    assert client.get("/api/v1/jobs").status_code == 401
    assert client.get("/api/v1/jobs", headers={"X-API-Key": "tp_0000_nope"}).status_code == 401
    bearer = {"Authorization": f"Bearer {headers['admin']['X-API-Key']}"}
    assert client.get("/api/v1/jobs", headers=bearer).status_code == 200
    store = client.app.state.store
    key_id = verify_key(store, headers["admin"]["X-API-Key"])["id"]
    assert client.delete(f"/api/v1/keys/{key_id}", headers=headers["admin"]).status_code == 200
    response = client.get("/api/v1/jobs", headers=headers["admin"])
    assert response.status_code == 401 and response.json()["detail"] == "invalid or revoked API key"


def test_keys_over_http(client, headers):
    created = client.post("/api/v1/keys", json={"name": "bot", "role": "analyst"}, headers=headers["admin"])
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("tp_") and key["role"] == "analyst"
    listed = client.get("/api/v1/keys", headers=headers["admin"]).json()["items"]
    assert {k["name"] for k in listed} >= {"bot"} and all("key" not in k for k in listed)
    assert client.post("/api/v1/keys", json={"name": "x", "role": "god"}, headers=headers["admin"]).status_code == 422
    assert client.delete(f"/api/v1/keys/{key['id']}", headers=headers["admin"]).status_code == 200
    assert client.delete(f"/api/v1/keys/{key['id']}", headers=headers["admin"]).status_code == 404
    assert client.get("/api/v1/keys", headers={"X-API-Key": key["key"]}).status_code == 401


def test_schedule_runs_inside_the_service_when_enabled(app_settings):
    settings = app_settings.model_copy(
        update={"schedule": app_settings.schedule.model_copy(update={"enabled": True})}
    )
    with TestClient(create_app(settings)) as started:
        scheduler = started.app.state.scheduler
        assert scheduler.running
        assert {job.id for job in scheduler.get_jobs()} >= {"ingest_inbox", "nightly", "refit"}
        assert started.get("/readyz").json()["ready"] is True
    assert not scheduler.running


def test_no_scheduler_by_default(client):
    assert client.app.state.scheduler is None


def test_openapi_documents_auth_and_error_shapes_for_every_api_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = [(path, method, op) for path, item in schema["paths"].items() if path.startswith("/api/v1/")
                  for method, op in item.items()]
    assert len(operations) >= 20
    for path, method, op in operations:
        assert {"401", "403", "422"} <= set(op["responses"]), (method, path)
        assert op.get("security"), (method, path)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_the_schema_states_the_limits_and_errors_the_server_enforces(client, headers):
    schema = client.get("/api/v1/openapi.json").json()
    limit = next(p for p in schema["paths"]["/api/v1/comments"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == client.app.state.settings.service.max_page_size
    assert {"400", "413", "422"} <= set(schema["paths"]["/api/v1/comments"]["post"]["responses"])
    refused = client.get("/api/v1/comments", params={"limit": limit["schema"]["maximum"] + 1}, headers=headers["reader"])
    assert refused.status_code == 422 and refused.json()["detail"].startswith("query.limit:")
    with_body = [op for item in schema["paths"].values() for op in item.values() if "requestBody" in op]
    assert len(with_body) >= 8 and all("400" in op["responses"] for op in with_body)


def test_the_schema_states_the_read_caches_etag_and_304(client, headers):
    topics = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/topics"]["get"]
    assert "ETag" in topics["responses"]["200"]["headers"] and "304" in topics["responses"]
    assert any(p["name"] == "If-None-Match" and p["in"] == "header" for p in topics["parameters"])
    unchanged = client.get("/api/v1/topics", headers={**headers["reader"], "If-None-Match": "*"})
    assert unchanged.status_code == 304 and unchanged.headers["etag"]


def test_an_undecodable_body_is_400_naming_the_body(client, headers):
    response = client.post("/api/v1/comments", content=b'{"comments": ["\xff"]}',
                           headers={**headers["admin"], "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["detail"].startswith("body:")


def test_405_allows_every_method_of_the_path(client, headers):
    response = client.put("/api/v1/comments", headers=headers["admin"])
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
