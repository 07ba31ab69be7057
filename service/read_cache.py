"""Answering the dashboard's polled reads from serialised bytes, as plain ASGI middleware.

For a ``GET`` of a cached route (``service.app.CACHED_READS``) by a key with the reader role,
the answer is the bytes last produced for the same path and query string, when the store has
committed nothing since (``Store.data_version``). The key check is a ``KeyCache`` lookup and the
version check an integer comparison, so a hit never leaves the event loop. A client that sends
the ETag back in ``If-None-Match`` gets ``304 Not Modified`` and no body.

A miss runs the app once per request key and version (concurrent identical misses wait for
the first), keeps its 200 answer within the cache's bounds, and refuses (422) an answer larger
than ``service.max_response_bytes``. Anything else (no key, a wrong one, an error answer) is the
app's own response, passed through unchanged.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.cache import CachedResponse, ResponseCache
from service.key_cache import KeyCache
from service.middleware import request_id_of, send_json_error
from store.keys import role_allows

_VALIDATORS = (b"cache-control", b"private, no-cache")  # always revalidate; the data sits behind a key


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)))


def _token_of(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1")
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
    return None


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return value
    return None


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
    return etag in tags or b"*" in tags


def describe_in_schema(schema: dict, routes: Iterable[str]) -> None:
    """State the cached reads' validators in an OpenAPI schema: the routes cannot, since the
    middleware answers before them. ``If-None-Match`` may be sent, ``ETag`` comes back, 304 is an answer."""
    etag = {"description": "The answer's version; send it back in `If-None-Match`.", "schema": {"type": "string"}}
    for template in routes:
        operation = schema["paths"].get(template, {}).get("get")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append({
            "name": "If-None-Match", "in": "header", "required": False,
            "description": "ETags of answers already held (or `*`); when one is current the answer is 304.",
            "schema": {"type": "string", "examples": ["*"]},
        })
        responses = operation["responses"]
        responses["200"].setdefault("headers", {})["ETag"] = etag
        responses["304"] = {"description": "Not modified: the answer held under `If-None-Match` is current.",
                            "headers": {"ETag": etag}}


class ReadCacheMiddleware:
    """Serves cached reads before routing; everything else goes to the app untouched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Iterable[str],
        responses: ResponseCache,
        keys: KeyCache,
        max_response_bytes: int,
    ) -> None:
        self.app = app
        self.routes = [(template, _template_pattern(template)) for template in routes]
        self.responses = responses
        self.keys = keys
        self.max_response_bytes = max_response_bytes
        self._filling: dict[tuple[str, bytes], tuple[int, anyio.Event]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        template = self._template(scope["path"])
        if template is None or not await self._reader(scope):
            await self.app(scope, receive, send)
            return
        scope["route_template"] = template
        store = scope["app"].state.store
        version = store.data_version
        request_key = (scope["path"], scope["query_string"])
        entry = self.responses.get(request_key, version)
        if entry is None:
            entry = await self._fill(scope, receive, send, request_key, version)
            if entry is None:
                return
        await self._send(scope, send, entry)

    def _template(self, path: str) -> str | None:
        for template, pattern in self.routes:
            if pattern.fullmatch(path):
                return template
        return None

    async def _reader(self, scope: Scope) -> bool:
        """Whether the request carries an active key with the reader role (a lookup when cached)."""
        token = _token_of(scope["headers"])
        if not token:
            return False
        key = self.keys.lookup(token)
        if key is None:
            key = await anyio.to_thread.run_sync(self.keys.verify, scope["app"].state.store, token)
        return key is not None and role_allows(key["role"], "reader")

    async def _fill(
        self, scope: Scope, receive: Receive, send: Send, request_key: tuple[str, bytes], version: int
    ) -> CachedResponse | None:
        """The app's 200 answer as a cache entry; None when the app's own answer was sent instead."""
        filling = self._filling.get(request_key)
        if filling is not None and filling[0] == version:
            await filling[1].wait()
            entry = self.responses.get(request_key, version)
            if entry is not None:
                return entry
        done = anyio.Event()
        self._filling[request_key] = (version, done)
        try:
            return await self._run_app(scope, receive, send, request_key, version)
        finally:
            done.set()
            if self._filling.get(request_key, (None, None))[1] is done:
                del self._filling[request_key]

    async def _run_app(
        self, scope: Scope, receive: Receive, send: Send, request_key: tuple[str, bytes], version: int
    ) -> CachedResponse | None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            return None
        body = b"".join(chunks)
        if start["status"] != 200:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return None
        if len(body) > self.max_response_bytes:
            detail = (f"query: the answer would be {len(body)} bytes, over the limit of {self.max_response_bytes}"
                      " (service.max_response_bytes); ask for a shorter window or fewer items")
            await send_json_error(send, 422, detail, request_id_of(scope))
            return None
        etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        headers = tuple(
            (name, value) for name, value in start.get("headers", [])
            if name.lower() not in (b"content-length", b"etag", b"cache-control")
        ) + ((b"content-length", str(len(body)).encode()), (b"etag", etag), _VALIDATORS)
        entry = CachedResponse(version=version, etag=etag, body=body, headers=headers)
        self.responses.put(request_key, entry)
        return entry

    @staticmethod
    async def _send(scope: Scope, send: Send, entry: CachedResponse) -> None:
        if _matches(_header(scope, b"if-none-match"), entry.etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", entry.etag), _VALIDATORS]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": list(entry.headers)})
        await send({"type": "http.response.body", "body": entry.body})
