"""Training over HTTP (one answer, or an NDJSON stream) and over a WebSocket (interactive).

All three drive the same engine ``Trainer``. Training is CPU work: the plain
HTTP answer runs in a worker thread; the stream and the WebSocket advance the
trainer in short time slices so the event loop never waits long, and the
slice shrinks as more sessions share the process so every session keeps
sending snapshots.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.convert import build_network, load_data, train_config
from app.api.errors import clean_errors, engine_errors, validation_error
from app.api.schemas import ControlMessage, TrainRequest, TrainResponse
from app.engine.training import Trainer
from app.sessions import SessionLimitReached, SessionRegistry
from app.settings import Settings

log = logging.getLogger("app.train")

router = APIRouter(tags=["training"])

# WebSocket close codes (RFC 6455 and the IANA registry).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TRY_AGAIN_LATER = 1013
RETRY_AFTER_SECONDS = 5


def build_trainer(body: TrainRequest, settings: Settings) -> Trainer:
    """Everything a request asks for, checked against the limits, as one engine Trainer."""
    network = build_network(body.network, settings, body.seed)
    x, y = load_data(body.data, settings, body.seed)
    first, last = body.network.layers[0], body.network.layers[-1]
    if x.shape[1] != first.in_features:
        raise validation_error(
            ("body", "data"),
            f"the data has {x.shape[1]} input columns but layers[0].in is {first.in_features}",
        )
    if body.loss != "cross_entropy" and y.shape[1] != last.out_features:
        raise validation_error(
            ("body", "data"),
            f"the data has {y.shape[1]} target columns but the last layer has "
            f"{last.out_features} outputs",
        )
    config = train_config(body, settings, first.in_features)
    with engine_errors(("body",)):
        return Trainer(network, x, y, config)


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def _time_slice(settings: Settings, sessions: SessionRegistry) -> float:
    """Seconds of training per turn: the configured slice, shared out when many sessions run."""
    fair_share = 0.1 / max(1, sessions.active)
    return max(0.001, min(settings.train_time_slice, fair_share))


class _EpochCost:
    """A running estimate of one epoch's cost, to decide where to run the next slice."""

    def __init__(self) -> None:
        self.seconds = 0.0

    async def advance(self, trainer: Trainer, budget: float) -> None:
        start_epoch, start = trainer.epoch, time.perf_counter()
        if self.seconds > budget:
            # One epoch would hold the event loop too long: run it in a worker thread.
            await run_in_threadpool(trainer.run_for, budget)
        else:
            trainer.run_for(budget)
        epochs = trainer.epoch - start_epoch
        if epochs:
            self.seconds = (time.perf_counter() - start) / epochs


def _acquire(sessions: SessionRegistry, closer: Any) -> int:
    try:
        return sessions.acquire(closer)
    except SessionLimitReached as error:
        raise HTTPException(
            status_code=503,
            detail=str(error),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from error


async def _noop_closer(reason: str) -> None:
    return None


@router.post("/api/train", response_model=TrainResponse)
async def train(body: TrainRequest, request: Request) -> dict[str, Any]:
    """Trains to the end and answers the loss history and the final network.

    A diverging run is not an error: it ends with ``"stopped": "diverged"``.
    """
    settings: Settings = request.app.state.settings
    sessions: SessionRegistry = request.app.state.sessions
    trainer = build_trainer(body, settings)
    session_id = _acquire(sessions, _noop_closer)
    try:
        return await run_in_threadpool(trainer.result)
    finally:
        sessions.release(session_id)


@router.post(
    "/api/train/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
async def train_stream(body: TrainRequest, request: Request) -> StreamingResponse:
    """Streams one snapshot a line (NDJSON); the last line carries ``"done": true``."""
    settings: Settings = request.app.state.settings
    sessions: SessionRegistry = request.app.state.sessions
    trainer = build_trainer(body, settings)
    session_id = _acquire(sessions, _noop_closer)

    async def lines() -> AsyncIterator[str]:
        snapshots = trainer.snapshots()
        try:
            while True:
                snapshot = await run_in_threadpool(next, snapshots, None)
                if snapshot is None:
                    return
                if sessions.shutting_down and not snapshot.get("done"):
                    yield _dumps({"error": "server shutting down", "done": True}) + "\n"
                    return
                yield _dumps(snapshot) + "\n"
        finally:
            sessions.release(session_id)

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers send Origin: allow the page's own origin and the configured ones.

    Scripts send no Origin and are allowed: the check stops other web pages from
    driving a visitor's browser against this server, not API clients.
    """
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if "*" in settings.allowed_origins or origin in settings.allowed_origins:
        return True
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()


class _Session:
    """One interactive run over one WebSocket: controls in, snapshots out."""

    def __init__(self, websocket: WebSocket, trainer: Trainer, settings: Settings) -> None:
        self.websocket = websocket
        self.trainer = trainer
        self.settings = settings
        self.sessions: SessionRegistry = websocket.app.state.sessions
        self.controls: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.paused = False
        self.end_reason: str | None = None  # set by a closer from outside

    async def close_from_server(self, reason: str) -> None:
        self.end_reason = reason
        await self.controls.put(None)

    async def read_controls(self) -> None:
        try:
            while True:
                message = await self.websocket.receive_text()
                try:
                    self.controls.put_nowait(json.loads(message))
                except json.JSONDecodeError:
                    self.controls.put_nowait({"__invalid__": "not JSON"})
        except (WebSocketDisconnect, RuntimeError):
            await self.controls.put(None)  # the client is gone: end the training

    async def send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(_dumps(message))

    async def handle(self, raw: dict[str, Any]) -> bool:
        """Applies one control message; False ends the session."""
        try:
            control = ControlMessage.model_validate(raw)
        except ValidationError as error:
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}"
                for e in clean_errors(error.errors())
            )
            await self.send({"error": f"bad control message ({detail})"})
            return True
        if control.action == "pause":
            self.paused = True
        elif control.action == "resume":
            self.paused = False
        elif control.action == "step":
            self.paused = True
            if not self.trainer.done:
                self.trainer.run_epoch()
            await self.send(self.trainer.snapshot())
        elif control.action == "set":
            assert control.lr is not None
            self.trainer.set_lr(control.lr)
            await self.send({"lr": control.lr, "epoch": self.trainer.epoch})
        elif control.action == "stop":
            self.trainer.stop()
            return False
        return True

    async def run(self) -> int:
        """Trains until done, stopped, idle or disconnected; returns the close code."""
        reader = asyncio.create_task(self.read_controls())
        cost = _EpochCost()
        min_gap = 1.0 / self.settings.snapshot_rate
        try:
            await self.send(self.trainer.snapshot())
            last_sent = time.perf_counter()
            while not self.trainer.done:
                # Controls first, without waiting unless paused.
                while not self.controls.empty() or self.paused:
                    try:
                        raw = await asyncio.wait_for(
                            self.controls.get(),
                            timeout=self.settings.session_idle_seconds if self.paused else None,
                        )
                    except TimeoutError:
                        await self.send(
                            {
                                "error": "session ended after "
                                f"{self.settings.session_idle_seconds:g} s paused with no message",
                                "done": True,
                                "stopped": "idle",
                            }
                        )
                        return CLOSE_NORMAL
                    if raw is None:  # disconnected, or closed by the server
                        if self.end_reason is not None:
                            await self.send({"error": self.end_reason, "done": True})
                            return CLOSE_GOING_AWAY
                        return CLOSE_NORMAL
                    if "__invalid__" in raw:
                        await self.send({"error": "bad control message (not JSON)"})
                    elif not await self.handle(raw):
                        break
                    if self.trainer.done:
                        break
                if self.trainer.done:
                    break
                if self.sessions.shutting_down:
                    await self.send({"error": "server shutting down", "done": True})
                    return CLOSE_GOING_AWAY
                await cost.advance(self.trainer, _time_slice(self.settings, self.sessions))
                now = time.perf_counter()
                if now - last_sent >= min_gap and not self.trainer.done:
                    await self.send(self.trainer.snapshot())
                    last_sent = now
                await asyncio.sleep(0)  # let other sessions and requests run
            await self.send(self.trainer.snapshot())  # the last one: done, stopped, network
            return CLOSE_NORMAL
        finally:
            reader.cancel()


@router.websocket("/ws/train")
async def train_socket(websocket: WebSocket) -> None:
    """Interactive training: first message a training request, then controls.

    Controls: ``{"action": "pause" | "resume" | "step" | "stop"}`` or
    ``{"action": "set", "lr": 0.001}``. Closing the socket ends the training.
    """
    settings: Settings = websocket.app.state.settings
    sessions: SessionRegistry = websocket.app.state.sessions
    if not origin_allowed(websocket, settings):
        await websocket.close(code=CLOSE_POLICY_VIOLATION, reason="origin not allowed")
        return
    await websocket.accept()
    try:
        raw = await websocket.receive_text()
    except WebSocketDisconnect:
        return
    try:
        body = TrainRequest.model_validate_json(raw)
        trainer = build_trainer(body, settings)
    except (ValidationError, RequestValidationError) as error:
        await _refuse(websocket, clean_errors(error.errors()))
        return

    session = None
    try:
        session = _Session(websocket, trainer, settings)
        session_id = sessions.acquire(session.close_from_server)
    except SessionLimitReached as error:
        await websocket.send_text(_dumps({"error": str(error)}))
        await websocket.close(code=CLOSE_TRY_AGAIN_LATER, reason="too many sessions")
        return
    try:
        code = await session.run()
        await websocket.close(code=code)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left; the training ends with the session
    finally:
        sessions.release(session_id)


async def _refuse(websocket: WebSocket, errors: list[dict[str, Any]]) -> None:
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    await websocket.send_text(_dumps({"error": detail or "invalid training request"}))
    await websocket.close(code=CLOSE_POLICY_VIOLATION, reason="invalid training request")
