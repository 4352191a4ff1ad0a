"""Where a request's computation runs: on the event loop if small, in a worker thread if not.

A worker thread needs the GIL, and the training scheduler holds it on the loop's
thread between its slices, so a small computation handed to a thread waits
longer for the GIL than it takes to run. Small work answers on the loop; large
work goes to a thread so the loop (and every session) never stalls behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

# About a millisecond of NumPy work: multiply-adds of a forward pass, or points.
INLINE_WORK = 200_000

P = ParamSpec("P")
R = TypeVar("R")


async def compute(work: int, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    if work <= INLINE_WORK:
        return func(*args, **kwargs)
    return await run_in_threadpool(func, *args, **kwargs)
