"""One training scheduler per process: it round-robins the interactive sessions.

Why one scheduler and not one loop per session: if every session's coroutine
trained and then yielded, the event loop would poll its sockets only once per
round of *all* sessions, so a plain request (or a control message) would wait
for every session's slice several times over. The scheduler runs one session's
short slice, then yields, so the loop handles I/O between any two slices; each
session's snapshots go to its own outbox and its own coroutine sends them, so
a slow client never holds up the others.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool

from app.engine.training import Trainer

# The loop polls I/O between slices; a round of all sessions (their training slices
# plus their snapshots and sends) aims at this many seconds, so every session gets a
# snapshot about 20 times a second while the machine keeps up.
ROUND_SECONDS = 0.05
MIN_SLICE_SECONDS = 0.0005
# A session whose client has this many unsent messages gets no new snapshots
# until it catches up (it keeps training): slow clients see fewer frames.
MAX_UNSENT = 4
# Grid curves are for drawing: 6 significant digits keep the frames small.
GRID_DIGITS = 6


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def _rounded(values: list[Any]) -> list[Any]:
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0 or not np.isfinite(array).all():
        return values
    magnitude = float(np.max(np.abs(array)))
    decimals = GRID_DIGITS - (int(np.floor(np.log10(magnitude))) + 1 if magnitude > 0 else 0)
    return np.round(array, max(0, decimals)).tolist()


def compact(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with its grid curves rounded for drawing; losses stay exact."""
    if "prediction" in snapshot:
        snapshot = dict(snapshot)
        snapshot["prediction"] = {
            "x": snapshot["prediction"]["x"],
            "y": _rounded(snapshot["prediction"]["y"]),
        }
        snapshot["hidden"] = [_rounded(unit) for unit in snapshot.get("hidden", [])]
    return snapshot


class TrainingSession:
    """One interactive run: the trainer, its pause state, and its outbox of JSON texts.

    Everything here runs on the event loop's thread (controls, scheduler slices),
    except a slice that the scheduler hands to a worker thread while nothing else
    touches this session.
    """

    def __init__(self, trainer: Trainer, snapshot_rate: float) -> None:
        self.trainer = trainer
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.paused = False
        self.ended = False
        self.close_code = 1000
        self.min_gap = 1.0 / snapshot_rate
        self.last_snapshot = 0.0
        self.epoch_seconds = 0.0  # running estimate, to keep long epochs off the loop
        self.busy = False  # a slice is running in a worker thread

    @property
    def runnable(self) -> bool:
        return not (self.paused or self.ended or self.busy or self.trainer.done)

    def send(self, message: dict[str, Any]) -> None:
        if not self.ended:
            self.outbox.put_nowait(dumps(message))

    def send_snapshot(self) -> None:
        self.last_snapshot = time.perf_counter()
        self.send(compact(self.trainer.snapshot()))

    def end(self, close_code: int = 1000, message: dict[str, Any] | None = None) -> None:
        """Queues a last message (if any) and the end marker; idempotent."""
        if self.ended:
            return
        if message is not None:
            self.send(message)
        self.ended = True
        self.close_code = close_code
        self.outbox.put_nowait(None)

    def finish_if_done(self) -> None:
        if self.trainer.done and not self.ended:
            self.send(self.trainer.snapshot())  # the last one: done, stopped, network
            self.end()

    async def advance(self, budget: float) -> None:
        start_epoch, start = self.trainer.epoch, time.perf_counter()
        if self.epoch_seconds > budget:
            # One epoch would hold the event loop too long: run it in a worker thread.
            self.busy = True
            try:
                await run_in_threadpool(self.trainer.run_for, budget)
            finally:
                self.busy = False
        else:
            self.trainer.run_for(budget)
        epochs = self.trainer.epoch - start_epoch
        if epochs:
            self.epoch_seconds = (time.perf_counter() - start) / epochs


class TrainingScheduler:
    def __init__(self, max_slice_seconds: float) -> None:
        self.max_slice_seconds = max_slice_seconds
        self.sessions: list[TrainingSession] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._overhead = 0.0  # seconds a session costs per round besides its training

    def add(self, session: TrainingSession) -> None:
        self.sessions.append(session)
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = asyncio.create_task(self._run())
        self.wake()

    def remove(self, session: TrainingSession) -> None:
        if session in self.sessions:
            self.sessions.remove(session)

    def wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    def _slice(self, runnable: int) -> float:
        """Training seconds per session this round: the round's time left over after every
        session's other work (snapshots, sends, I/O: measured last round), shared out."""
        training = ROUND_SECONDS - runnable * self._overhead
        return max(MIN_SLICE_SECONDS, min(self.max_slice_seconds, training / runnable))

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            runnable = [session for session in self.sessions if session.runnable]
            if not runnable:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            budget = self._slice(len(runnable))
            round_started = time.perf_counter()
            for session in runnable:
                if not session.runnable:  # paused or ended while others ran
                    continue
                await session.advance(budget)
                now = time.perf_counter()
                if session.trainer.done:
                    session.finish_if_done()
                elif (
                    now - session.last_snapshot >= session.min_gap
                    and session.outbox.qsize() < MAX_UNSENT
                ):
                    session.send_snapshot()
                await asyncio.sleep(0)  # the loop serves I/O between any two slices
            spent = time.perf_counter() - round_started
            per_session = max(0.0, spent / len(runnable) - budget)
            self._overhead = 0.8 * self._overhead + 0.2 * per_session  # smoothed
