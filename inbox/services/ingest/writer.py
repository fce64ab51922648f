"""Group commit: webhooks waiting at the same moment are stored together, atomically.

Each request hands its parsed body to the writer and waits; the writer takes everything
queued while the previous batch was stored, stores it (one statement on PostgreSQL when the
batch holds messages alone), and only then answers each request. It keeps the accounts it
routes with between batches; each batch checks them again as it commits. If a batch fails,
its items are retried one by one, so one bad body never fails its batch-mates. Announcing
(bus events, after-store hooks) happens after the answer, in commit order, off the commit
loop: what it would lose in a crash (a kick, a live event) the sweeps and the clients'
resync catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from inbox.bus import EventBus
from inbox.services.ingest.accounts import AccountCache
from inbox.services.ingest.items import IngestResult, StoreItem
from inbox.services.ingest.pipeline import announce
from inbox.services.ingest.storage import store_batch

log = logging.getLogger(__name__)

MAX_BATCH = 256


@dataclass(slots=True)
class _Job:
    item: StoreItem
    done: asyncio.Future[IngestResult]


async def _apply(items: list[StoreItem], accounts: AccountCache) -> None:
    # In a task of its own: when the connection dies as a transaction begins, Tortoise leaves
    # that transaction set in the running task's context, and the commit loop would go on
    # using the dead connection (every later webhook a 503) until the process restarts.
    await asyncio.create_task(store_batch(items, accounts))


class IngestWriter:
    """One per process: a queue of bodies and the loop that commits them together."""

    def __init__(self, bus: EventBus | None, max_batch: int = MAX_BATCH) -> None:
        self._bus = bus
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._stored: asyncio.Queue[list[StoreItem]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._accounts = AccountCache()
        self.batches = 0
        self.items = 0

    async def start(self) -> None:
        """Start the commit loop and the announcer."""
        self._tasks = [
            asyncio.create_task(self._run(), name="ingest-writer"),
            asyncio.create_task(self._announce(), name="ingest-announcer"),
        ]

    async def close(self) -> None:
        """Finish what is queued and announce it, then stop."""
        await self._queue.join()
        await self._stored.join()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self) -> None:
        """Wait until everything submitted so far is committed and announced."""
        await self._queue.join()
        await self._stored.join()

    async def submit(self, item: StoreItem) -> IngestResult:
        """Queue one body and wait until it is committed (or raise what storing it raised)."""
        if not self._tasks or self._tasks[0].done():
            await _apply([item], self._accounts)
            await announce([item], self._bus)
            return item.result
        job = _Job(item, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(job)
        # A request cancelled meanwhile cancels only its wait: the job is still committed,
        # and _settle leaves a cancelled future alone.
        return await job.done

    async def _run(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < self._max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            try:
                stored = await self._commit(jobs)
                if stored:
                    self._stored.put_nowait(stored)
            finally:
                for _ in jobs:
                    self._queue.task_done()

    async def _announce(self) -> None:
        while True:
            items = await self._stored.get()
            try:
                await announce(items, self._bus)
            except Exception:
                log.exception(
                    "announcing %d stored bodies failed; sweeps will catch up", len(items)
                )
            finally:
                self._stored.task_done()

    async def _commit(self, jobs: list[_Job]) -> list[StoreItem]:
        """Commit the jobs, answer them, and return the items that were stored."""
        self.batches += 1
        self.items += len(jobs)
        try:
            await _apply([j.item for j in jobs], self._accounts)
        except Exception as exc:
            if len(jobs) == 1:
                _settle(jobs[0], exc)
                return []
            log.warning("a batch of %d bodies failed (%s); storing one by one", len(jobs), exc)
            stored: list[StoreItem] = []
            for job in jobs:
                job.item.__post_init__()  # a fresh result: the failed attempt left nothing
                try:
                    await _apply([job.item], self._accounts)
                except Exception as single:
                    _settle(job, single)
                else:
                    _settle(job, None)
                    stored.append(job.item)
            return stored
        for job in jobs:
            _settle(job, None)
        return [j.item for j in jobs]


def _settle(job: _Job, error: BaseException | None) -> None:
    if job.done.done():
        return
    if error is None:
        job.done.set_result(job.item.result)
    else:
        job.done.set_exception(error)
