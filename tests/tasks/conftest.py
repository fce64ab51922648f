"""Real `cahts worker` / `cahts scheduler` processes on the test Redis db and PostgreSQL."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from taskiq.kicker import AsyncKicker

from inbox.settings import Settings
from inbox.tasks.broker import QUEUE_NAME, build_broker
from tests.conftest import REDIS_URL, cahts_env
from tests.fakes.graph import FakeGraph
from tests.processes import CAHTS, kill_group, stop_group

# Small delays so redelivery, retries, leases and the scheduler lease play out in seconds.
FAST = {
    "TASK_REDELIVERY_SECONDS": "2",
    "SEND_RETRY_BASE_SECONDS": "0.3",
    "SEND_LEASE_SECONDS": "3",
    "SCHEDULER_LOCK_SECONDS": "2",
}


@dataclass
class Process:
    """A cahts process started by a test, in its own process group, logging to a file."""

    proc: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        """The cahts process id."""
        return self.proc.pid

    def output(self) -> str:
        """Everything it logged so far."""
        return self.log.read_text(errors="replace")

    async def kill(self) -> None:
        """SIGKILL the whole group (taskiq workers run in child processes) and reap it."""
        await kill_group(self.proc)

    async def stop(self, grace: float = 10) -> int:
        """SIGTERM, then SIGKILL if it does not exit in time; returns the exit status."""
        await stop_group(self.proc, grace)
        return int(self.proc.returncode or 0)


Spawn = Callable[..., Awaitable[Process]]


@pytest.fixture
async def redis_db() -> AsyncIterator[aioredis.Redis]:
    """The test Redis db, emptied before and after (stream, consumer group, scheduler lease)."""
    client = aioredis.from_url(REDIS_URL)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def spawn(
    database: Settings, graph: FakeGraph, redis_db: aioredis.Redis, tmp_path: Path
) -> AsyncIterator[Spawn]:
    """Start `cahts <args>` against the test database, Redis and fake Graph; stopped at the end."""
    started: list[Process] = []

    async def start(*args: str, **env: str) -> Process:
        log = tmp_path / f"{args[0]}-{len(started)}.log"
        full = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            **cahts_env(database.database_url, REDIS_URL=REDIS_URL, META_GRAPH_URL=graph.url),
            **FAST,
            **env,
        }
        with log.open("wb") as sink:
            proc = await asyncio.create_subprocess_exec(
                CAHTS,
                *args,
                env=full,
                cwd=tmp_path,
                stdout=sink,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(proc, log)
        started.append(process)
        return process

    yield start
    for process in started:
        # taskiq 0.13's worker child does not exit on SIGTERM while its stream read is pending
        # (it waits for the supervisor's SIGKILL); unacknowledged tasks are redelivered anyway.
        if process.log.name.startswith("worker"):
            await process.kill()
        else:
            await process.stop()


async def kick(task_name: str, *args: Any) -> None:
    """Enqueue a task by name on the Redis stream, as the server or the scheduler would."""
    broker = build_broker(REDIS_URL)
    await broker.startup()
    try:
        await AsyncKicker(task_name, broker, {}).kiq(*args)
    finally:
        await broker.shutdown()


async def eventually(check: Callable[[], Any], within: float = 30, what: str = "condition") -> Any:
    """Poll a check (sync or async; the loop keeps serving the fakes) until it is truthy."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def queued(redis_db: aioredis.Redis) -> list[dict[str, Any]]:
    """Every task message ever put on the stream (acknowledged ones stay until trimmed)."""
    entries = await redis_db.xrange(QUEUE_NAME)
    return [json.loads(fields[b"data"]) for _, fields in entries]
