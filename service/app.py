"""The FastAPI application factory. Importing this module does no work; ``create_app`` wires
settings into an app, and its lifespan opens the store when the server starts."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from pipelines.jobs import recover_crashed_jobs
from pipelines.schedule import build_scheduler
from config import Settings
from service.cache import ResponseCache
from service.dashboard import add_dashboard
from service.docs import add_offline_docs
from service.jobs import JobRunner
from service.key_cache import KeyCache
from service.metrics import ServiceMetrics
from service.middleware import RequestContextMiddleware, request_id_of
from service.read_cache import ReadCacheMiddleware, describe_in_schema
from service.routes import alerts, comments, corrections, health, jobs, keys, reports, search, topics
from service.routes.search import QueryEncoder
from service.schemas import ErrorPublic
from store import Store

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

CACHED_READS = tuple(f"{API_PREFIX}{path}" for path in (
    "/topics", "/topics/{topic_key}", "/topics/{topic_key}/forecast", "/alerts",
))
"""Reads whose answer depends only on the stored data and the query string (the same for every
reader), so they are served from ``ReadCacheMiddleware`` until the store commits a write."""

_DESCRIPTION = """
Topics, trends and forecasts from public comments.

Every `/api/v1` endpoint needs an API key (`topicpulse keys create`), sent as `X-API-Key: <key>`
or `Authorization: Bearer <key>`. Roles: **reader** (reads, search, classify) < **analyst**
(+ reports) < **admin** (+ ingest, runs, jobs, keys). Only `/healthz`, `/readyz`, `/metrics` and
these docs (the schema, no data; `service.docs = false` turns them off) work without a key.

Errors are JSON: `{"detail": "...", "request_id": "..."}`; validation errors also list each
field in `errors`. Every response carries `X-Request-ID`.
"""


_ERROR_RESPONSES = {
    413: {"model": ErrorPublic, "description": "The request body is larger than `service.max_body_bytes`."},
    422: {"model": ErrorPublic, "description": "Malformed JSON, a wrong type or date, or a limit exceeded; "
          "`detail` and `errors` name the field."},
    500: {"model": ErrorPublic, "description": "An unexpected error; quote `request_id` when reporting it."},
}


def create_app(settings: Settings) -> FastAPI:
    """An app serving the store at ``settings.store_path``; nothing opens until it starts."""
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.store_path)
        recover_crashed_jobs(store)
        runner = JobRunner(settings, store, metrics)
        app.state.store = store
        app.state.jobs = runner
        scheduler = None
        if settings.schedule.enabled:
            scheduler_store = store.view()
            scheduler = build_scheduler(settings, scheduler_store)
            scheduler.start()
        app.state.scheduler = scheduler
        log.info("serving %s", settings.store_path)
        try:
            yield
        finally:
            if scheduler is not None:
                await anyio.to_thread.run_sync(scheduler.shutdown)
                scheduler_store.close()
            await anyio.to_thread.run_sync(runner.shutdown)
            store.close()

    docs = settings.service.docs
    app = FastAPI(
        title="TopicPulse",
        version="1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json" if docs else None,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    if docs:
        add_offline_docs(app, docs_url=f"{API_PREFIX}/docs", openapi_url=f"{API_PREFIX}/openapi.json")
    add_dashboard(app, timezone=settings.ingest.timezone)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.encoder = QueryEncoder(settings)
    app.state.key_cache = KeyCache(settings.service.key_cache_seconds)
    app.state.read_cache = ResponseCache(
        max_entries=settings.service.cache_max_entries, max_bytes=settings.service.cache_max_bytes
    )
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(
        ReadCacheMiddleware,
        routes=CACHED_READS,
        responses=app.state.read_cache,
        keys=app.state.key_cache,
        max_response_bytes=settings.service.max_response_bytes,
    )
    if settings.service.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.service.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.service.max_body_bytes)

    app.include_router(health.router)
    for module in (comments, topics, corrections, alerts, search, jobs, keys, reports):
        app.include_router(module.router, prefix=API_PREFIX, responses=_ERROR_RESPONSES)
    _finish_schema(app, settings.service.max_page_size)
    return app


def _finish_schema(app: FastAPI, largest: int) -> None:
    """Put what the routes cannot state in the schema: this server's page-size maximum (a setting),
    the 400 of every operation that reads a body (FastAPI refuses undecodable bytes itself), and
    the read cache's ETag, If-None-Match and 304."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            for operations in build()["paths"].values():
                for operation in operations.values():
                    for parameter in operation.get("parameters", []):
                        if parameter["name"] == "limit" and "maximum" not in parameter["schema"]:
                            parameter["schema"]["maximum"] = largest
                    if "requestBody" in operation:
                        operation["responses"].setdefault("400", _UNDECODABLE_BODY)
            describe_in_schema(app.openapi_schema, CACHED_READS)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_UNDECODABLE_BODY = {
    "description": "The body's bytes cannot be decoded (not UTF-8 JSON, or multipart without its boundary).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}},
}


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    headers, detail = exc.headers, exc.detail
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(_methods_at(request))}
    if exc.status_code == 400 and not str(detail).startswith("body"):  # FastAPI's own: the body's bytes
        detail = f"body: cannot be decoded ({detail}); send UTF-8 JSON, or multipart/form-data with its boundary"
    return JSONResponse(
        {"detail": detail, "request_id": request_id_of(request.scope)},
        status_code=exc.status_code,
        headers=headers,
    )


def _methods_at(request: Request) -> list[str]:
    """Every method the API documents at this path, from its OpenAPI schema; Starlette's 405
    names only the methods of the first route it matched."""
    path = request.scope["path"]
    return sorted({
        method.upper()
        for template, operations in request.app.openapi()["paths"].items()
        if compile_path(template)[0].match(path)
        for method in operations
    })


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field at fault; a body that is not JSON at all is named as such."""
    errors = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        if error.get("type") == "json_invalid":
            field = "body"
            message = f"malformed JSON: {error.get('ctx', {}).get('error', error.get('msg'))}"
        elif loc == ["body"] and "json" not in request.headers.get("content-type", ""):
            field = "body"
            message = "expected a JSON object; send it with Content-Type: application/json"
        else:
            field = ".".join(loc) or "request"
            message = error.get("msg", "invalid value")
        errors.append({"field": field, "message": message})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "invalid request"
    return JSONResponse(
        {"detail": detail, "request_id": request_id_of(request.scope), "errors": errors}, status_code=422
    )
