"""Training over HTTP (one answer, or an NDJSON stream) and over a WebSocket (interactive).

All three drive the same engine ``Trainer``. Training is CPU work: the plain
HTTP answer runs in a worker thread, the stream runs each stretch between two
records in a worker thread, and WebSocket sessions are advanced in short
slices by the process's one ``TrainingScheduler`` (see app/api/scheduler.py),
so the event loop never waits long.
"""

from __future__ import annotations

import asyncio
import logging
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
from app.api.scheduler import TrainingScheduler, TrainingSession, dumps
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
                    yield dumps({"error": "server shutting down", "done": True}) + "\n"
                    return
                yield dumps(snapshot) + "\n"
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


async def _read_controls(
    websocket: WebSocket, session: TrainingSession, scheduler: TrainingScheduler, idle: float
) -> None:
    """Applies control messages as they come; a paused session idle too long is ended."""
    try:
        while not session.ended:
            try:
                text = await asyncio.wait_for(
                    websocket.receive_text(), timeout=idle if session.paused else None
                )
            except TimeoutError:
                session.end(
                    CLOSE_NORMAL,
                    {
                        "error": f"session ended after {idle:g} s paused with no message",
                        "done": True,
                        "stopped": "idle",
                    },
                )
                return
            _apply_control(text, session)
            scheduler.wake()
    except (WebSocketDisconnect, RuntimeError):
        session.end()  # the client is gone: the training ends with it


def _apply_control(text: str, session: TrainingSession) -> None:
    try:
        control = ControlMessage.model_validate_json(text)
    except ValidationError as error:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}"
            for e in clean_errors(error.errors())
        )
        session.send({"error": f"bad control message ({detail})"})
        return
    trainer = session.trainer
    if control.action == "pause":
        session.paused = True
    elif control.action == "resume":
        session.paused = False
    elif control.action == "step":
        session.paused = True
        if not trainer.done and not session.busy:
            trainer.run_epoch()
        session.send_snapshot()
    elif control.action == "set":
        assert control.lr is not None
        trainer.set_lr(control.lr)
        session.send({"lr": control.lr, "epoch": trainer.epoch})
    elif control.action == "stop" and not session.busy:
        trainer.stop()
    session.finish_if_done()


@router.websocket("/ws/train")
async def train_socket(websocket: WebSocket) -> None:
    """Interactive training: first message a training request, then controls.

    Controls: ``{"action": "pause" | "resume" | "step" | "stop"}`` or
    ``{"action": "set", "lr": 0.001}``. Closing the socket ends the training.
    """
    settings: Settings = websocket.app.state.settings
    sessions: SessionRegistry = websocket.app.state.sessions
    scheduler: TrainingScheduler = websocket.app.state.scheduler
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

    session = TrainingSession(trainer, settings.snapshot_rate)

    async def close_from_server(reason: str) -> None:
        session.end(CLOSE_GOING_AWAY, {"error": reason, "done": True})

    try:
        session_id = sessions.acquire(close_from_server)
    except SessionLimitReached as error:
        await websocket.send_text(dumps({"error": str(error)}))
        await websocket.close(code=CLOSE_TRY_AGAIN_LATER, reason="too many sessions")
        return
    session.send_snapshot()
    scheduler.add(session)
    reader = asyncio.create_task(
        _read_controls(websocket, session, scheduler, settings.session_idle_seconds)
    )
    try:
        while (message := await session.outbox.get()) is not None:
            await websocket.send_text(message)
        await websocket.close(code=session.close_code)
    except (WebSocketDisconnect, RuntimeError):
        session.end()  # the client left; the training ends with the session
    finally:
        reader.cancel()
        scheduler.remove(session)
        sessions.release(session_id)


async def _refuse(websocket: WebSocket, errors: list[dict[str, Any]]) -> None:
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors)
    await websocket.send_text(dumps({"error": detail or "invalid training request"}))
    await websocket.close(code=CLOSE_POLICY_VIOLATION, reason="invalid training request")
