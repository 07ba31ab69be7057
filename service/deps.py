"""What routes receive: the settings, a per-request view of the store, and the caller's API key.

``StoreDep`` hands each request its own DuckDB connection (a cursor on the service's one
database), so concurrent requests never share a connection and reads keep going while a job
writes. Keys come in ``X-API-Key`` or ``Authorization: Bearer``; a missing or wrong key is 401,
a key whose role is too low is 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from config import Settings
from service.jobs import JobRunner
from service.metrics import ServiceMetrics
from store import Store
from store.keys import role_allows
from store.topics import current_run, list_topics


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Iterator[Store]:
    view = request.app.state.store.view()
    try:
        yield view
    finally:
        view.close()


def get_metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs


def get_page_size(
    settings: Annotated[Settings, Depends(get_settings)],
    limit: Annotated[int, Query(ge=1, description="Items per page; at most service.max_page_size (500).")] = 50,
) -> int:
    """The asked page size, refused (not cut) above the configured maximum."""
    if limit > settings.service.max_page_size:
        raise HTTPException(422, f"query.limit: at most {settings.service.max_page_size} items per page")
    return limit


SettingsDep = Annotated[Settings, Depends(get_settings)]
PageSizeDep = Annotated[int, Depends(get_page_size)]
StoreDep = Annotated[Store, Depends(get_store)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]

_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key from `topicpulse keys create`.")
_bearer = HTTPBearer(auto_error=False, description="The same API key, as `Authorization: Bearer <key>`.")


def get_api_key(
    request: Request,
    store: StoreDep,
    header_key: Annotated[str | None, Security(_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> dict:
    """The caller's key record; 401 when no key or an unknown or revoked one is presented."""
    token = header_key or (bearer.credentials if bearer else None)
    if not token:
        raise HTTPException(
            401,
            "missing API key: send it in the X-API-Key header or as Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = request.app.state.key_cache.verify(store, token)
    if key is None:
        raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    return key


def current_run_with_topic(store: Store, topic_key: str | None, field: str) -> dict | None:
    """The current topic run; 404 naming ``field`` when ``topic_key`` is given but not one of its topics."""
    run = current_run(store)
    if topic_key is not None and (
        run is None or all(topic["topic_key"] != topic_key for topic in list_topics(store, run["run_id"]))
    ):
        raise HTTPException(404, f"{field}: the current run has no topic {topic_key!r}")
    return run


def require_role(needed: str):
    """A dependency that lets a key through only when its role includes ``needed``."""

    def check(key: Annotated[dict, Depends(get_api_key)]) -> dict:
        if not role_allows(key["role"], needed):
            raise HTTPException(403, f"this needs the {needed} role; your key ({key['prefix']}) is {key['role']}")
        return key

    return check


ReaderKey = Annotated[dict, Depends(require_role("reader"))]
AnalystKey = Annotated[dict, Depends(require_role("analyst"))]
AdminKey = Annotated[dict, Depends(require_role("admin"))]
