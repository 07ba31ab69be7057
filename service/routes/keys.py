"""API keys over HTTP, for admins; the same as ``topicpulse keys``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from service.deps import StoreDep, require_role
from service.schemas import ErrorPublic, KeyCreate, KeyCreated, KeyPublic, KeysPublic
from store import keys

router = APIRouter(
    prefix="/keys",
    tags=["keys"],
    dependencies=[Depends(require_role("admin"))],
    responses={401: {"model": ErrorPublic}, 403: {"model": ErrorPublic}},
)


@router.get("", response_model=KeysPublic, summary="List keys (never the keys themselves)")
def list_keys(store: StoreDep, include_revoked: bool = False) -> KeysPublic:
    return KeysPublic(items=[KeyPublic(**key) for key in keys.list_keys(store, include_revoked=include_revoked)])


@router.post("", response_model=KeyCreated, status_code=201, summary="Create a key; it is shown only once")
def create_key(body: KeyCreate, store: StoreDep) -> KeyCreated:
    record, token = keys.create_key(store, body.name, body.role)
    return KeyCreated(**record, key=token)


@router.delete(
    "/{key_id}", response_model=KeyPublic, summary="Revoke a key", responses={404: {"model": ErrorPublic}}
)
def revoke_key(key_id: int, store: StoreDep, request: Request) -> KeyPublic:
    """The key stops working on the next request: the service forgets every key it had checked."""
    record = keys.revoke_key(store, key_id)
    if record is None:
        raise HTTPException(404, f"key_id: no active key with id {key_id}")
    request.app.state.key_cache.clear()
    return KeyPublic(**record)
