"""Hardening that wraps every request: security headers, body-size limit, request log, 500s.

One pure ASGI middleware (no ``BaseHTTPMiddleware``: that one buffers and breaks
streaming responses and does not see WebSockets). For each connection it

1. adds the security headers to every HTTP response (pages, API, static files,
   404s, errors) unless the route set its own;
2. refuses a request body larger than ``settings.max_body_bytes`` with a 413
   *before* the route parses it: at once when ``Content-Length`` says so, and
   while streaming (chunked bodies, or a ``Content-Length`` that lies) by
   counting the bytes the route receives; a WebSocket message over the limit
   closes the socket with 1009 ("message too big");
3. logs one structured line (JSON) per request: method, path, status,
   duration_ms, client; a failure adds its traceback to that same line;
4. turns any unhandled exception into ``500 {"detail": "internal server
   error"}``: the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import re
import sys
import time
import traceback
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings

LOGGER_NAME = "app.requests"
logger = logging.getLogger(LOGGER_NAME)

# The lab pages load only the app's own scripts and styles (Plotly.js is served
# by the app at /vendor/plotly.min.js). No inline script, hence no inline event
# handlers either. ``connect-src 'self'`` also covers ws:/wss: to the same host
# and port (CSP Level 3; tests/e2e/test_csp.py opens a WebSocket under it).
#
# Plotly.js (measured with Chromium on plotly.js 4.1, tests/e2e/test_csp.py)
# needs two exceptions to ``style-src 'self'``, and nothing else:
# - ``style-src-attr 'unsafe-inline'``: d3 inside Plotly writes ``style="..."``
#   attributes (``setAttribute('style', ..)``) on the SVG it draws; their values
#   vary, so no hash can list them. Attribute styles cannot run code, cannot
#   load anything (``img-src``/``font-src`` still apply) and cannot select
#   other elements.
# - ``style-src-elem`` hashes of exactly two ``<style>`` contents: the empty
#   string (Plotly creates empty ``<style id="plotly.js-style-...">`` elements
#   and fills them through CSSOM ``insertRule``, which CSP does not restrict)
#   and the fixed MapLibre stylesheet the bundle inserts when it loads. Any
#   other inline ``<style>`` stays blocked. A new plotly.js version may change
#   the MapLibre CSS: the e2e test then fails and prints the hash to put here.
PLOTLY_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (empty <style>)
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",  # MapLibre CSS, plotly.js 4.1
)
PAGE_CSP = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    f"style-src-elem 'self' {' '.join(PLOTLY_STYLE_HASHES)}; "
    "style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "worker-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "frame-ancestors 'none'; "
    "form-action 'self'"
)

# FastAPI's /docs (Swagger UI) and /redoc load their bundles from jsDelivr and
# start them with an inline script. Those pages alone get a relaxed policy:
# the CDN hosts they use, and inline scripts only by the hash of the exact
# script FastAPI generated (computed from the response, so it cannot drift).
DOCS_CSP = (
    "default-src 'self'; "
    "script-src 'self' https://cdn.jsdelivr.net{hashes}; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' data: https://fonts.gstatic.com; "
    "connect-src 'self'; "
    "worker-src 'self' blob:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "frame-ancestors 'none'; "
    "form-action 'self'"
)

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_MAX_DOCS_BODY = 512 * 1024


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body passes the limit.

    An ``HTTPException`` so that FastAPI's body parsing re-raises it as it is
    (it turns other exceptions into a 400); the middleware answers 413 anyway.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=_too_large_detail(limit))


def _too_large_detail(limit: int) -> str:
    return f"request body too large: the limit is {limit} bytes"


def script_hashes(html: bytes) -> list[str]:
    """CSP sources (``'sha256-…'``) for every inline ``<script>`` in ``html``."""
    out = []
    for match in _INLINE_SCRIPT.finditer(html):
        digest = hashlib.sha256(match.group(1)).digest()
        out.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object a line; the fields passed as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """Sends ``app.requests`` lines to stderr at ``level`` (once per process)."""
    logger.setLevel(level.upper())
    if not any(getattr(h, "_np_handler", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._np_handler = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _with_headers(
    headers: Iterable[tuple[bytes, bytes]], extra: dict[str, str]
) -> list[tuple[bytes, bytes]]:
    out = list(headers)
    present = {k.lower() for k, _ in out}
    for name, value in extra.items():
        key = name.lower().encode()
        if key not in present:
            out.append((key, value.encode()))
    return out


class HardeningMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        docs_paths: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.docs_paths = frozenset(p for p in docs_paths if p)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:  # lifespan
            await self.app(scope, receive, send)

    # ------------------------------------------------------------------ HTTP
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        limit = self.max_body_bytes
        state: dict[str, Any] = {"status": None, "started": False, "too_large": False}
        path = scope.get("path", "")
        is_docs = path in self.docs_paths
        docs_start: Message | None = None
        docs_body: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal docs_start
            kind = message["type"]
            if kind == "http.response.start":
                if state["too_large"] and message["status"] != 413:
                    # The route caught the 413 and answered something else: ours wins.
                    raise BodyTooLarge(limit)
                state["started"] = True
                state["status"] = message["status"]
                message = dict(message)
                if is_docs:
                    docs_start = message
                    return
                message["headers"] = _with_headers(
                    message.get("headers", ()),
                    {"Content-Security-Policy": PAGE_CSP, **SECURITY_HEADERS},
                )
            elif kind == "http.response.body" and docs_start is not None:
                docs_body.append(message.get("body", b""))
                if message.get("more_body", False) and sum(map(len, docs_body)) < _MAX_DOCS_BODY:
                    return
                body = b"".join(docs_body)
                hashes = "".join(" " + h for h in script_hashes(body))
                docs_start["headers"] = _with_headers(
                    docs_start.get("headers", ()),
                    {"Content-Security-Policy": DOCS_CSP.format(hashes=hashes), **SECURITY_HEADERS},
                )
                await send(docs_start)
                docs_start = None
                message = {**message, "body": body}
            await send(message)

        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                declared_size = int(declared)
            except ValueError:
                declared_size = -1
            if declared_size < 0:
                await self._error(send, 400, "invalid Content-Length header")
                self._log(scope, 400, start)
                return
            if declared_size > limit:
                await self._error(send, 413, _too_large_detail(limit))
                self._log(scope, 413, start)
                return

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    state["too_large"] = True
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except Exception as exc:
            if state["too_large"] or isinstance(exc, BodyTooLarge):
                if not state["started"]:
                    await self._error(send, 413, _too_large_detail(limit))
                    state["status"] = 413
                self._log(scope, state["status"] or 413, start)
                return
            self._log(scope, 500 if not state["started"] else state["status"], start, exc)
            if not state["started"]:
                await self._error(send, 500, "internal server error")
            # A response already under way (a stream) cannot become a 500; the
            # server closes the connection when we return without finishing it.
            return
        self._log(scope, state["status"], start)

    async def _error(self, send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status == 413:
            headers.append((b"connection", b"close"))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": _with_headers(
                    headers, {"Content-Security-Policy": PAGE_CSP, **SECURITY_HEADERS}
                ),
            }
        )
        await send({"type": "http.response.body", "body": body})

    # ------------------------------------------------------------- WebSocket
    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        limit = self.max_body_bytes
        state: dict[str, Any] = {"status": None, "closed": False, "oversized": False}

        async def send_wrapper(message: Message) -> None:
            kind = message["type"]
            if kind == "websocket.accept":
                state["status"] = 101
            elif kind == "websocket.close":
                if state["closed"]:
                    return  # we already closed it (oversized message)
                state["closed"] = True
                state["status"] = message.get("code", 1000)
            elif kind == "websocket.http.response.start":
                state["status"] = message.get("status")
            await send(message)

        async def receive_wrapper() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive":
                data = message.get("bytes") or message.get("text") or ""
                size = len(data) if isinstance(data, bytes) else len(data.encode())
                if size > limit:
                    state["oversized"] = True
                    if not state["closed"]:
                        state["closed"] = True
                        state["status"] = 1009
                        await send({"type": "websocket.close", "code": 1009})
                    return {"type": "websocket.disconnect", "code": 1009}
            elif message["type"] == "websocket.disconnect" and not state["closed"]:
                state["status"] = message.get("code", 1000)
            return message

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except Exception as exc:
            self._log(scope, 1011, start, exc)
            if not state["closed"]:
                state["closed"] = True
                with contextlib.suppress(Exception):  # the peer may be gone already
                    await send({"type": "websocket.close", "code": 1011})
            return
        self._log(scope, state["status"], start)

    # ------------------------------------------------------------------- log
    def _log(
        self, scope: Scope, status: int | None, start: float, exc: BaseException | None = None
    ) -> None:
        client = scope.get("client")
        fields = {
            "method": scope.get("method", "WS") if scope["type"] == "http" else "WS",
            "path": scope.get("path", ""),
            "status": status,
            "duration_ms": round((time.perf_counter() - start) * 1000, 2),
            "client": client[0] if client else None,
        }
        if exc is not None:
            logger.error(
                "request failed",
                exc_info=(type(exc), exc, exc.__traceback__),
                extra={"fields": fields},
            )
        else:
            logger.info("request", extra={"fields": fields})


def install_middleware(app: FastAPI, settings: Settings) -> None:
    configure_logging(settings.log_level)
    app.add_middleware(
        HardeningMiddleware,
        max_body_bytes=settings.max_body_bytes,
        docs_paths=(
            app.docs_url or "",
            app.redoc_url or "",
            app.swagger_ui_oauth2_redirect_url or "",
        ),
    )
