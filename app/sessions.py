"""Counts the live training sessions of this process and ends them on shutdown.

The server keeps no state outside a connection: a session lives exactly as
long as its WebSocket or HTTP stream, and this registry only counts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Closer = Callable[[str], Awaitable[None]]


class SessionLimitReached(RuntimeError):
    """Raised when the process already runs its maximum number of sessions."""


class SessionRegistry:
    def __init__(self, max_sessions: int) -> None:
        self.max_sessions = max_sessions
        self._closers: dict[int, Closer] = {}
        self._next_id = 0
        self.shutting_down = False

    @property
    def active(self) -> int:
        return len(self._closers)

    def acquire(self, closer: Closer) -> int:
        """Registers a session; ``closer(reason)`` ends it. Refuses past the limit."""
        if self.shutting_down:
            raise SessionLimitReached("the server is shutting down")
        if len(self._closers) >= self.max_sessions:
            raise SessionLimitReached(
                f"the server already runs {self.max_sessions} training sessions; try again shortly"
            )
        self._next_id += 1
        self._closers[self._next_id] = closer
        return self._next_id

    def release(self, session_id: int) -> None:
        self._closers.pop(session_id, None)

    async def close_all(self, reason: str) -> None:
        """Tells every session to end (``closer(reason)``); each releases itself when gone."""
        self.shutting_down = True
        closers = list(self._closers.values())
        await asyncio.gather(*(close(reason) for close in closers), return_exceptions=True)

    async def drained(self, timeout: float) -> None:
        """Waits until every session has released itself, or ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._closers and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
