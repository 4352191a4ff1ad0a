"""The hardening middleware: security headers, body limit, request log, 500s, streams, sockets."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.middleware import (
    DOCS_CSP,
    LOGGER_NAME,
    PAGE_CSP,
    SECURITY_HEADERS,
    JsonFormatter,
    install_middleware,
)
from app.paths import STATIC_DIR
from app.settings import Settings
from tests.asyncrun import run_async

LIMIT = 4096


def csp_directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_security_headers(headers: Any, *, docs: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    policy = headers.get("content-security-policy")
    assert policy is not None
    csp = csp_directives(policy)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert "'unsafe-eval'" not in policy
    assert "'unsafe-inline'" not in csp["script-src"]
    if not docs:
        assert policy == PAGE_CSP
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["connect-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'", "data:"]


@pytest.fixture()
def log_lines() -> Iterator[io.StringIO]:
    """What the request logger writes, one JSON object a line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger(LOGGER_NAME)
    log.addHandler(handler)
    try:
        yield stream
    finally:
        log.removeHandler(handler)


def read_log(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# ---------------------------------------------------------------- test app
calls: dict[str, int] = {}


def make_test_app() -> FastAPI:
    app = FastAPI()
    install_middleware(app, Settings(max_body_bytes=LIMIT))

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        calls["echo"] = calls.get("echo", 0) + 1
        body = await request.body()
        return {"size": len(body)}

    @app.post("/json")
    def parse(payload: dict[str, Any]) -> dict[str, int]:
        calls["json"] = calls.get("json", 0) + 1
        return {"keys": len(payload)}

    @app.post("/greedy")
    async def greedy(request: Request) -> PlainTextResponse:
        # A route that swallows every error while reading: the 413 still wins.
        try:
            async for _ in request.stream():
                pass
        except Exception:
            return PlainTextResponse("swallowed", status_code=200)
        return PlainTextResponse("read all")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            for i in range(3):
                yield (json.dumps({"i": i}) + "\n").encode()
                await asyncio.sleep(0)

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.get("/stream-fails")
    async def stream_fails() -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            yield b'{"i": 0}\n'
            raise RuntimeError("mid-stream failure")

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.websocket("/ws/echo")
    async def ws_echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            return

    @app.websocket("/ws/boom")
    async def ws_boom(websocket: WebSocket) -> None:
        await websocket.accept()
        raise RuntimeError("socket failure")

    return app


@pytest.fixture()
def client() -> Iterator[TestClient]:
    calls.clear()
    with TestClient(make_test_app(), raise_server_exceptions=True) as c:
        yield c


async def call_asgi(
    app: Any, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> list[dict[str, Any]]:
    """Drives ``app`` with a body split into ``chunks``; returns what it sent."""
    sent: list[dict[str, Any]] = []
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending)}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    await asyncio.wait_for(app(scope, receive, send), 10)
    return sent


def status_and_body(sent: list[dict[str, Any]]) -> tuple[int, bytes]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body


# ------------------------------------------------------------------ headers
class TestSecurityHeaders:
    def test_on_api_404_405_and_errors(self, client: TestClient) -> None:
        for response in (
            client.post("/echo", content=b"x"),
            client.get("/nowhere"),
            client.get("/echo"),  # 405
            client.post("/json", content=b"{bad"),  # 422
            client.get("/boom"),  # 500
            client.post("/echo", content=b"x" * (LIMIT + 1)),  # 413
        ):
            assert_security_headers(response.headers)

    def test_on_streams(self, client: TestClient) -> None:
        with client.stream("GET", "/stream") as response:
            assert_security_headers(response.headers)

    def test_does_not_duplicate(self, client: TestClient) -> None:
        response = client.get("/nowhere")
        assert len(response.headers.get_list("content-security-policy")) == 1
        assert len(response.headers.get_list("x-content-type-options")) == 1

    def test_every_kind_of_response_of_the_real_app(self) -> None:
        from app.main import create_app

        app = create_app(Settings())
        with TestClient(app) as real:
            paths = ["/healthz", "/openapi.json", "/no/such/page", "/static/no-such-file.js"]
            paths += ["/api/activations", "/"]
            static_files = [p for p in STATIC_DIR.rglob("*") if p.is_file()]
            if static_files:
                paths.append("/static/" + static_files[0].relative_to(STATIC_DIR).as_posix())
            for path in paths:
                assert_security_headers(real.get(path).headers)

    def test_pages_allow_only_own_scripts_and_styles(self) -> None:
        csp = csp_directives(PAGE_CSP)
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        # Only the hashes Plotly needs (see the module comment), no 'unsafe-inline'.
        assert csp["style-src-elem"][0] == "'self'"
        assert all(s.startswith("'sha256-") for s in csp["style-src-elem"][1:])
        assert csp["style-src-attr"] == ["'unsafe-inline'"]
        assert csp["form-action"] == ["'self'"]

    def test_docs_get_their_own_policy_with_the_inline_script_hash(self) -> None:
        from app.main import create_app

        with TestClient(create_app(Settings())) as real:
            for path in ("/docs", "/redoc"):
                response = real.get(path)
                assert response.status_code == 200
                assert_security_headers(response.headers, docs=True)
                csp = csp_directives(response.headers["content-security-policy"])
                assert "https://cdn.jsdelivr.net" in csp["script-src"]
                inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
                for script in inline:
                    digest = hashlib.sha256(script.encode()).digest()
                    assert f"'sha256-{base64.b64encode(digest).decode()}'" in csp["script-src"]
            assert "sha256" in real.get("/docs").headers["content-security-policy"]

    def test_docs_policy_template(self) -> None:
        assert "{hashes}" in DOCS_CSP


# --------------------------------------------------------------- body limit
class TestBodyLimit:
    def test_content_length_over_limit_is_refused_before_the_route(
        self, client: TestClient
    ) -> None:
        response = client.post("/echo", content=b"x" * (LIMIT + 1))
        assert response.status_code == 413
        assert response.json()["detail"].startswith("request body too large")
        assert calls.get("echo", 0) == 0

    def test_at_the_limit_is_fine(self, client: TestClient) -> None:
        response = client.post("/echo", content=b"x" * LIMIT)
        assert response.status_code == 200
        assert response.json() == {"size": LIMIT}

    def test_json_route_over_limit(self, client: TestClient) -> None:
        payload = json.dumps({"k": "v" * LIMIT})
        response = client.post(
            "/json", content=payload, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        assert calls.get("json", 0) == 0

    def test_invalid_content_length(self, client: TestClient) -> None:
        sent = run_async(call_asgi(client.app, "/echo", [b"x"], [(b"content-length", b"-5")]))
        assert status_and_body(sent)[0] == 400

    @pytest.mark.parametrize("path", ["/echo", "/json", "/greedy"])
    def test_chunked_body_is_counted(self, path: str) -> None:
        app = make_test_app()
        chunks = [b"{" + b" " * 1000] + [b" " * 1000] * 5 + [b"}"]
        headers = [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]
        sent = run_async(call_asgi(app, path, chunks, headers))
        status, body = status_and_body(sent)
        assert status == 413
        assert json.loads(body)["detail"].startswith("request body too large")

    @pytest.mark.parametrize("path", ["/echo", "/json", "/greedy"])
    def test_lying_content_length_is_counted(self, path: str) -> None:
        app = make_test_app()
        chunks = [b"{" + b" " * (LIMIT + 10) + b"}"]
        headers = [(b"content-length", b"10"), (b"content-type", b"application/json")]
        sent = run_async(call_asgi(app, path, chunks, headers))
        assert status_and_body(sent)[0] == 413

    def test_small_chunked_body_passes(self) -> None:
        app = make_test_app()
        sent = run_async(
            call_asgi(app, "/echo", [b"ab", b"cd"], [(b"transfer-encoding", b"chunked")])
        )
        status, body = status_and_body(sent)
        assert (status, json.loads(body)) == (200, {"size": 4})

    def test_default_limit_is_two_megabytes(self) -> None:
        assert Settings.model_fields["max_body_bytes"].default == 2 * 1024 * 1024


# ------------------------------------------------------------ errors & log
class TestErrorsAndLog:
    def test_unhandled_exception_is_a_bare_500(
        self, client: TestClient, log_lines: io.StringIO
    ) -> None:
        response = client.get("/boom")
        assert response.status_code == 500
        assert response.json() == {"detail": "internal server error"}
        assert "secret" not in response.text and "Traceback" not in response.text
        (entry,) = [e for e in read_log(log_lines) if e["path"] == "/boom"]
        assert entry["level"] == "error"
        assert entry["status"] == 500
        assert "RuntimeError: secret internal detail" in entry["exc"]
        assert "Traceback" in entry["exc"]

    def test_one_structured_line_per_request(
        self, client: TestClient, log_lines: io.StringIO
    ) -> None:
        client.post("/echo?token=abc", content=b"hello")
        client.get("/nowhere")
        entries = read_log(log_lines)
        assert [(e["method"], e["path"], e["status"]) for e in entries] == [
            ("POST", "/echo", 200),
            ("GET", "/nowhere", 404),
        ]
        for entry in entries:
            assert entry["level"] == "info"
            assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
            assert entry["client"] == "testclient"
            assert "abc" not in json.dumps(entry)  # query strings are not logged
        raw = log_lines.getvalue().splitlines()
        assert len(raw) == 2

    def test_error_line_is_one_line(self, client: TestClient, log_lines: io.StringIO) -> None:
        client.get("/boom")
        assert len(log_lines.getvalue().splitlines()) == 1

    def test_log_level_setting(self) -> None:
        app = FastAPI()
        install_middleware(app, Settings(log_level="warning"))
        assert logging.getLogger(LOGGER_NAME).level == logging.WARNING
        install_middleware(FastAPI(), Settings(log_level="info"))
        assert logging.getLogger(LOGGER_NAME).level == logging.INFO
        handlers = [h for h in logging.getLogger(LOGGER_NAME).handlers if hasattr(h, "_np_handler")]
        assert len(handlers) == 1


# --------------------------------------------------------- streams, sockets
class TestStreamsAndSockets:
    def test_streaming_is_not_buffered(self) -> None:
        app = make_test_app()

        async def run() -> list[dict[str, Any]]:
            sent: list[dict[str, Any]] = []
            done = False

            async def receive() -> dict[str, Any]:
                nonlocal done
                if not done:
                    done = True
                    return {"type": "http.request", "body": b"", "more_body": False}
                await asyncio.sleep(3600)
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": "/stream",
                "raw_path": b"/stream",
                "root_path": "",
                "query_string": b"",
                "headers": [],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 8000),
            }
            await asyncio.wait_for(app(scope, receive, send), 10)
            return sent

        sent = run_async(run())
        bodies = [m for m in sent if m["type"] == "http.response.body" and m.get("body")]
        assert len(bodies) == 3  # one message per line, passed on as they come
        assert all(m.get("more_body") for m in bodies)

    def test_ndjson_stream(self, client: TestClient) -> None:
        with client.stream("GET", "/stream") as response:
            lines = [json.loads(line) for line in response.iter_lines() if line]
        assert lines == [{"i": 0}, {"i": 1}, {"i": 2}]

    def test_failure_mid_stream_is_logged_not_turned_into_500(self, log_lines: io.StringIO) -> None:
        with TestClient(make_test_app(), raise_server_exceptions=False) as c:
            try:
                with c.stream("GET", "/stream-fails") as response:
                    assert response.status_code == 200
                    response.read()
            except Exception:  # the transport may report the broken response
                pass
        (entry,) = [e for e in read_log(log_lines) if e["path"] == "/stream-fails"]
        assert entry["level"] == "error" and "mid-stream failure" in entry["exc"]

    def test_websocket_passes_through(self, client: TestClient, log_lines: io.StringIO) -> None:
        with client.websocket_connect("/ws/echo") as ws:
            ws.send_text("hello")
            assert ws.receive_text() == "hello"
        (entry,) = [e for e in read_log(log_lines) if e["path"] == "/ws/echo"]
        assert entry["method"] == "WS"

    def test_websocket_message_over_limit_closes_1009(self, client: TestClient) -> None:
        with client.websocket_connect("/ws/echo") as ws:
            ws.send_text("x" * (LIMIT + 1))
            with pytest.raises(WebSocketDisconnect) as info:
                ws.receive_text()
        assert info.value.code == 1009

    def test_websocket_failure_closes_1011(
        self, client: TestClient, log_lines: io.StringIO
    ) -> None:
        with client.websocket_connect("/ws/boom") as ws:
            with pytest.raises(WebSocketDisconnect) as info:
                ws.receive_text()
        assert info.value.code == 1011
        (entry,) = [e for e in read_log(log_lines) if e["path"] == "/ws/boom"]
        assert "socket failure" in entry["exc"]
