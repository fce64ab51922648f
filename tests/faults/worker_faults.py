"""Sends under faults: the worker killed (-9) while replies are on their way to the Graph API."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.conftest import APP_SECRET
from tests.fakes.graph import FakeGraph
from tests.faults.ledger import fetch
from tests.faults.procs import Cahts
from tests.faults.sender import MetaSender, make_deliveries
from tests.faults.services import PrivateRedis
from tests.faults.stack import FAST, Stack, eventually

# Running tasks' time to finish after a stop, and the most a whole stop may take (the worker's
# time plus closing, its watchdog's margin and the one second taskiq's manager takes to pass
# the signal on).
STOP_TIMEOUT = 2.0
STOP_BOUND = STOP_TIMEOUT + 5


@dataclass
class SlowGraph:
    """Answers each send after `delay` seconds; records texts on arrival (= delivered to Meta)."""

    delay: float
    arrived: Counter[str] = field(default_factory=Counter)
    answered: dict[str, str] = field(default_factory=dict)  # text → message id of its last answer
    in_flight: set[str] = field(default_factory=set)
    _ids: int = 0

    async def handle(self, request: web.Request, path: str, body: Any) -> web.Response:
        """The fake's `POST …/messages` route."""
        text = str(body["message"]["text"])
        self.arrived[text] += 1
        self.in_flight.add(text)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight.discard(text)
        self._ids += 1
        mid = f"m_SENT{self._ids:06d}"
        self.answered[text] = mid
        return web.json_response({"recipient_id": body["recipient"]["id"], "message_id": mid})


@dataclass
class WorkerRun:
    """What one worker-kill run saw."""

    replies: int
    accepted: int  # 201 answers of POST /api/messages
    arrived: Counter[str]
    in_flight: set[str]  # replies Meta was answering when the worker was stopped
    claimed_at_stop: set[str]  # replies the stopped worker had claimed and not recorded
    statuses: Counter[str]
    mismatched_ids: int  # sent messages whose stored id is not the one Meta last answered
    seconds: float
    fault: str = "kill -9"
    figures: dict[str, float | int | str] = field(default_factory=dict)
    worker_logs: str = ""

    @property
    def undelivered(self) -> int:
        """Replies that never reached the Graph API."""
        return sum(1 for n in range(self.replies) if not self.arrived[f"reply-{n}"])

    @property
    def duplicates(self) -> int:
        """Deliveries beyond the first of any reply (the customer saw it twice)."""
        return sum(c - 1 for c in self.arrived.values() if c > 1)

    @property
    def duplicated(self) -> set[str]:
        """Replies delivered more than once."""
        return {text for text, c in self.arrived.items() if c > 1}

    def report(self, title: str) -> str:
        """A few lines for a person."""
        lines = [
            title,
            f"  replies {self.replies}, accepted {self.accepted}, reached Graph "
            f"{self.replies - self.undelivered}, undelivered {self.undelivered}, duplicates "
            f"{self.duplicates}",
            f"  at the {self.fault}: {len(self.in_flight)} waiting for Meta's answer, "
            f"{len(self.claimed_at_stop)} claimed and not recorded as sent",
            f"  final statuses: {dict(self.statuses)}; "
            f"stored ids not Meta's: {self.mismatched_ids}",
        ]
        lines += [f"  {k}: {v}" for k, v in self.figures.items()]
        return "\n".join(lines)


async def _conversations(base: str, token: str, session: aiohttp.ClientSession) -> list[str]:
    async with session.get(
        f"{base}/api/conversations?limit=200", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 200, await response.text()
        return [c["id"] for c in (await response.json())["items"]]


async def _reply(
    base: str, token: str, session: aiohttp.ClientSession, conversation: str, text: str
) -> int:
    async with session.post(
        f"{base}/api/messages",
        json={"conversation_id": conversation, "text": text},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return response.status


async def _claimed(database_url: str) -> set[str]:
    """Replies whose outbox row is held by an attempt (`sending`)."""
    rows = await fetch(
        database_url,
        "SELECT m.content FROM outbox o JOIN messages m ON m.id = o.message_id"
        " WHERE o.status = 'sending'",
    )
    return {r["content"] for r in rows}


async def _outcome(database_url: str) -> tuple[Counter[str], dict[str, str]]:
    rows = await fetch(
        database_url,
        "SELECT content, status, platform_message_id FROM messages WHERE NOT is_incoming",
    )
    return Counter(r["status"] for r in rows), {
        r["content"]: r["platform_message_id"] for r in rows
    }


async def _stop_worker(worker: Cahts, stop: str) -> dict[str, float | int | str]:
    """Stop the worker the way `stop` says; what it took and whether any process was left."""
    started = time.monotonic()
    if stop == "kill":
        await worker.kill()
        return {}
    assert worker.proc is not None
    worker.signal_leader(signal.SIGKILL if stop == "kill-parent" else signal.SIGTERM)
    try:
        code = await asyncio.wait_for(worker.proc.wait(), STOP_BOUND)
    except TimeoutError:
        await worker.kill()
        return {"exit status": f"still running after {STOP_BOUND} s: killed"}
    await eventually(lambda: not worker.group_left(), STOP_BOUND, "the worker's children to stop")
    return {"stop signal to last process gone (s)": round(time.monotonic() - started, 2),
            "exit status": code}  # fmt: skip


async def worker_kill_run(
    database_url: str,
    cwd: Path,
    redis: PrivateRedis,
    *,
    replies: int = 40,
    customers: int = 8,
    graph_delay: float = 0.4,
    pace: float = 0.05,
    stop: str = "kill",
    stop_timeout: float = STOP_TIMEOUT,
    within: float = 90,
    **extra: str,
) -> WorkerRun:
    """Agents reply through the API while Meta answers slowly; the worker is stopped mid-sends.

    `stop` is "kill" (SIGKILL to its process group), "term" (SIGTERM to the worker's main
    process only, as `docker stop` sends it) or "kill-parent" (SIGKILL to the main process only:
    its child must stop by itself). Each stop must end every process within STOP_BOUND.
    """
    graph = await FakeGraph().start()
    slow = SlowGraph(graph_delay)
    graph.routes["POST /messages"] = slow.handle
    env = {"REDIS_URL": redis.url(), "META_GRAPH_URL": graph.url, **FAST,
           "STOP_TIMEOUT_SECONDS": str(stop_timeout), **extra}  # fmt: skip
    stack = await Stack.prepare(cwd, database_url, **env)
    started = time.monotonic()
    figures: dict[str, float | int | str] = {"Graph answer delay (s)": graph_delay}
    try:
        await stack.start("serve", "worker")
        assert stack.server is not None
        base = stack.server.base
        recent = int(time.time() * 1000) - 600_000  # customers wrote ten minutes ago
        customers_wrote = make_deliveries(
            customers, customers=range(customers), prefix="hello", start_ms=recent
        )
        customers_wrote = [d for d in customers_wrote if d.platform == "messenger"]
        await MetaSender(base, customers_wrote, APP_SECRET, concurrency=1).run(30)
        token = await stack.token()
        statuses: Counter[int] = Counter()
        in_flight: set[str] = set()
        claimed: set[str] = set()
        async with aiohttp.ClientSession() as session:
            conversations = await _conversations(base, token, session)
            for n in range(replies):
                target = conversations[n % len(conversations)]
                statuses[await _reply(base, token, session, target, f"reply-{n}")] += 1
                if n == replies // 3:
                    await eventually(lambda: slow.in_flight, 10, "a send in flight")
                    in_flight = set(slow.in_flight)
                    killed = time.monotonic()
                    figures.update(await _stop_worker(stack.worker(0), stop))
                    claimed = await _claimed(database_url)
                elif n == replies // 2:
                    await stack.start("worker")
                    figures["worker down (s)"] = round(time.monotonic() - killed, 2)
                await asyncio.sleep(pace)
        sent_all = time.monotonic()

        async def settled() -> bool:
            found, _ = await _outcome(database_url)
            return sum(found.values()) == replies and set(found) <= {"sent", "failed"}

        await eventually(settled, within, "every reply to be sent")
        figures["last reply queued to all sent (s)"] = round(time.monotonic() - sent_all, 1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        await stack.stop()
        await graph.close()
    final, ids = await _outcome(database_url)
    mismatched = sum(1 for text, mid in slow.answered.items() if ids.get(text) != mid)
    return WorkerRun(
        replies=replies,
        accepted=statuses[201],
        arrived=slow.arrived,
        in_flight=in_flight,
        claimed_at_stop=claimed,
        statuses=final,
        mismatched_ids=mismatched,
        seconds=time.monotonic() - started,
        fault=stop,
        figures=figures,
        worker_logs="\n".join(p.output() for p in stack.processes if p.command[0] == "worker"),
    )
