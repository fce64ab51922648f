"""CPU-bound rendering (charts, PDF reports) on a small pool of its own, and per-key bounds.

Renders used the default executor, which also hashes passwords: sixteen PDF exports queued
ahead of a login's hash and made it take seconds. The render pool (RENDER_THREADS, default 2)
keeps them apart, and `Slots` refuses more than a few exports at once per workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from inbox.settings import tunable

THREAD_PREFIX = "cahts-render"
P = ParamSpec("P")
R = TypeVar("R")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            size = max(1, int(tunable("RENDER_THREADS")))
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=THREAD_PREFIX)
        return _pool


async def run(draw: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`draw(*args, **kwargs)` on the render pool, off the event loop and the default executor."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), functools.partial(draw, *args, **kwargs))


class Busy(Exception):
    """Too many at once for this key; try again after `retry_after` seconds."""

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(f"at most {limit} at once; try again in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


class Slots:
    """At most the tunable `limit_name` holders at once per key, in this process."""

    def __init__(self, limit_name: str, retry_after: int = 5) -> None:
        self.limit_name = limit_name
        self.retry_after = retry_after
        self._held: dict[Hashable, int] = {}

    def held(self, key: Hashable) -> int:
        """How many hold a slot of `key` now."""
        return self._held.get(key, 0)

    @contextlib.contextmanager
    def hold(self, key: Hashable) -> Iterator[None]:
        """Hold one slot of `key` for the block; Busy when all are taken."""
        limit = max(1, int(tunable(self.limit_name)))
        if self.held(key) >= limit:
            raise Busy(limit, self.retry_after)
        self._held[key] = self.held(key) + 1
        try:
            yield
        finally:
            left = self._held[key] - 1
            if left:
                self._held[key] = left
            else:
                del self._held[key]
