"""Group commit: webhooks waiting at the same moment are stored in one transaction.

Each request hands its parsed body to the writer and waits; the writer takes everything
queued while the previous transaction ran, applies it with multi-row statements, commits,
and only then answers each request. If a batch fails, its items are retried one by one,
so one bad body never fails its batch-mates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from inbox.bus import EventBus
from inbox.services.ingest import store_items
from inbox.services.storage import IngestResult, StoreItem

log = logging.getLogger(__name__)

MAX_BATCH = 256


@dataclass(slots=True)
class _Job:
    item: StoreItem
    done: asyncio.Future[IngestResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class IngestWriter:
    """One per process: a queue of bodies and the loop that commits them together."""

    def __init__(self, bus: EventBus | None, max_batch: int = MAX_BATCH) -> None:
        self._bus = bus
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    async def start(self) -> None:
        """Start the writer loop."""
        self._task = asyncio.create_task(self._run(), name="ingest-writer")

    async def close(self) -> None:
        """Finish what is queued, then stop."""
        await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def submit(self, item: StoreItem) -> IngestResult:
        """Queue one body and wait until it is committed (or raise what storing it raised)."""
        if self._task is None or self._task.done():
            await store_items([item], self._bus)
            return item.result
        job = _Job(item)
        await self._queue.put(job)
        return await asyncio.shield(job.done)

    async def _run(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < self._max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            try:
                await self._commit(jobs)
            finally:
                for _ in jobs:
                    self._queue.task_done()

    async def _commit(self, jobs: list[_Job]) -> None:
        self.batches += 1
        self.items += len(jobs)
        try:
            await store_items([j.item for j in jobs], self._bus)
        except Exception as exc:
            if len(jobs) == 1:
                _settle(jobs[0], exc)
                return
            log.warning("a batch of %d bodies failed (%s); storing one by one", len(jobs), exc)
            for job in jobs:
                job.item.__post_init__()  # a fresh result: the failed attempt left nothing
                try:
                    await store_items([job.item], self._bus)
                except Exception as single:
                    _settle(job, single)
                else:
                    _settle(job, None)
            return
        for job in jobs:
            _settle(job, None)


def _settle(job: _Job, error: BaseException | None) -> None:
    if job.done.done():
        return
    if error is None:
        job.done.set_result(job.item.result)
    else:
        job.done.set_exception(error)
