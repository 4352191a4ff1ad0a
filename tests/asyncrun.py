"""asyncio.run in a thread of its own.

The browser tests keep Playwright's sync driver (and its event loop) alive on the
main thread for the whole session, where a plain asyncio.run() would refuse to start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
