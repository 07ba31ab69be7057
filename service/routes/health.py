"""Liveness, readiness and Prometheus metrics: the only endpoints that need no API key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from huggingface_hub import try_to_load_from_cache

from config import Settings
from models.e5_convert import E5PackageError, package_model_file
from models.embedding import is_model_folder, local_model_folder
from service.deps import MetricsDep, SettingsDep, StoreDep
from service.schemas import HealthPublic, ReadyCheck, ReadyPublic

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthPublic, summary="Liveness: the process answers")
async def healthz() -> HealthPublic:
    return HealthPublic()


@router.get(
    "/readyz",
    response_model=ReadyPublic,
    summary="Readiness: the database answers and the embedding model is on disk",
    responses={503: {"model": ReadyPublic, "description": "Not ready; `checks` says what is missing."}},
)
def readyz(store: StoreDep, settings: SettingsDep) -> JSONResponse:
    checks = {"database": _database_check(store), "model": _model_check(settings)}
    ready = all(check.ok for check in checks.values())
    body = ReadyPublic(ready=ready, checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=metrics.content_type)


def _database_check(store) -> ReadyCheck:
    try:
        version = store.schema_version()
    except Exception as exc:  # readiness reports any failure instead of raising it
        return ReadyCheck(ok=False, detail=f"database query failed: {exc}")
    return ReadyCheck(ok=True, detail=f"schema version {version}")


def _model_check(settings: Settings) -> ReadyCheck:
    """Whether the configured embedding model is on disk, without loading its weights."""
    model = settings.embedding.model
    if model is None:
        try:
            package_file = package_model_file()
        except E5PackageError as exc:
            return ReadyCheck(ok=False, detail=str(exc))
        return ReadyCheck(ok=True, detail=f"default model from {package_file.name} (converted on first use)")
    path = local_model_folder(model)
    if path is not None:
        if not path.is_dir():
            return ReadyCheck(ok=False, detail=f"model folder {path} does not exist")
        if is_model_folder(path):
            return ReadyCheck(ok=True, detail=f"model folder {path}")
        return ReadyCheck(ok=False, detail=f"{path} holds no model (no config.json or modules.json)")
    try:
        cached = isinstance(try_to_load_from_cache(model, "config.json"), str)  # a path: the file is cached
    except ValueError:  # not a valid hub id either
        cached = False
    if cached:
        return ReadyCheck(ok=True, detail=f"{model} in the local Hugging Face cache")
    return ReadyCheck(ok=False, detail=f"{model} is neither a model folder nor in the local Hugging Face cache")
