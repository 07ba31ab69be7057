"""The outermost request layer: request ids, the body-size limit, access logs, metrics, and 500s.

It is a plain ASGI middleware (not ``BaseHTTPMiddleware``) so it can refuse an oversize body
before any of it is read and count a streamed body as it arrives.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.metrics import ServiceMetrics

log = logging.getLogger("service.access")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BodyTooLarge(HTTPException):
    """A body that grew past the limit while it streamed in (no or a false Content-Length)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the limit of {limit} bytes")


def _route_template(scope: Scope) -> str:
    """The matched route's full path template (``/api/v1/jobs/{job_id}``), to keep labels few.

    FastAPI keeps routes of included routers relative to their router and records the full
    template in its own scope entry; plain Starlette routes carry it in ``route.path``.
    """
    if "route_template" in scope:  # set by the read cache, which answers before routing
        return scope["route_template"]
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None)
    if template:
        return template
    return getattr(scope.get("route"), "path", None) or "unmatched"


def request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


async def send_json_error(send: Send, status: int, detail: str, request_id: str) -> None:
    """A JSON error in the shape the route layer uses: ``{"detail": ..., "request_id": ...}``."""
    payload = json.dumps({"detail": detail, "request_id": request_id}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID), enforces the body limit, logs one JSON
    line and records metrics per request, and answers an unexpected error with a bare 500."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        received = 0

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        try:
            if self._declared_length(scope) > self.max_body_bytes:
                await send_json_error(send_with_id, 413, BodyTooLarge(self.max_body_bytes).detail, request_id)
            else:
                await self.app(scope, receive_with_limit, send_with_id)
        except BodyTooLarge as exc:
            if response_started:
                raise
            await send_json_error(send_with_id, 413, exc.detail, request_id)
        except Exception:
            log.exception("unexpected error", extra={"request_id": request_id, "path": scope["path"]})
            if response_started:
                raise
            await send_json_error(
                send_with_id, 500, "internal error; quote the request id when you report it", request_id
            )
        finally:
            elapsed = time.perf_counter() - started
            template = _route_template(scope)
            self.metrics.observe_request(scope["method"], template, status, elapsed)
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )

    @staticmethod
    def _request_id(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                if _CLIENT_REQUEST_ID.match(candidate):
                    return candidate
        return uuid.uuid4().hex

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

