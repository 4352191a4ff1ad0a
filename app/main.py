"""Builds the ASGI app: routers, static files, templates, lifespan."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import FrameType

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api.errors import install_error_handlers
from app.api.routes import activations, datasets, export, forward, health, pages, train
from app.api.scheduler import TrainingScheduler
from app.middleware import install_middleware
from app.paths import STATIC_DIR
from app.sessions import SessionRegistry
from app.settings import Settings, get_settings


def _tell_sessions_on_sigterm(sessions: SessionRegistry, grace_seconds: float) -> None:
    """On SIGTERM, first tell the running sessions and let them close, then hand the signal
    to uvicorn's own handler (which stops accepting and closes what is left with 1012).

    The signal handler only schedules work on the event loop (call_soon_threadsafe is safe
    from a handler); a second SIGTERM goes straight to uvicorn, which then exits at once.
    """
    previous = signal.getsignal(signal.SIGTERM)
    loop = asyncio.get_running_loop()

    def hand_over(signum: int, frame: FrameType | None) -> None:
        if callable(previous):
            previous(signum, frame)

    async def goodbye(signum: int, frame: FrameType | None) -> None:
        try:
            await sessions.close_all("server shutting down")
            await sessions.drained(grace_seconds)
        finally:
            hand_over(signum, frame)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if sessions.shutting_down:
            hand_over(signum, frame)
            return
        sessions.shutting_down = True  # no new sessions from here on
        loop.call_soon_threadsafe(lambda: loop.create_task(goodbye(signum, frame)))

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:
        pass  # not the main thread (e.g. a test client): the lifespan's close_all still runs


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _tell_sessions_on_sigterm(app.state.sessions, settings.shutdown_grace_seconds)
        yield
        # Graceful shutdown: tell running training sessions, then close them.
        await app.state.sessions.close_all(reason="server shutting down")
        await app.state.scheduler.stop()

    app = FastAPI(
        title="Neuron Playground",
        version=__version__,
        description=(
            "A NumPy network engine with PyTorch semantics: activations, forward passes, "
            "datasets, training (JSON, NDJSON stream, WebSocket) and export to PyTorch."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    sessions = SessionRegistry(settings.max_sessions)
    app.state.sessions = sessions
    app.state.scheduler = TrainingScheduler(settings.train_time_slice)

    install_middleware(app, settings)
    install_error_handlers(app)

    app.include_router(health.router)
    app.include_router(activations.router)
    app.include_router(forward.router)
    app.include_router(datasets.router)
    app.include_router(train.router)
    app.include_router(export.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()
