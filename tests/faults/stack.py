"""The production shape on one machine: serve, worker, scheduler on Redis; Slack, Graph faked."""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inbox.models import Workspace
from inbox.services.sessions.api_tokens import start_session
from tests.factories import make_user
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.faults.ingest_faults import prepare
from tests.faults.ledger import connected, fetch
from tests.faults.procs import Cahts, Server, stop_all

CHANNEL = "C0FAULTS"
# Whatever waits (redelivery, leases, sweeps, retries) is shortened: faults play out in seconds.
FAST = {
    "TASK_REDELIVERY_SECONDS": "2",
    "SEND_RETRY_BASE_SECONDS": "0.3",
    "SEND_LEASE_SECONDS": "3",
    "SCHEDULER_LOCK_SECONDS": "2",
    "SLACK_SWEEP_INTERVAL_SECONDS": "1",
    "SLACK_SWEEP_GRACE_SECONDS": "1",
    "SLACK_LEASE_SECONDS": "5",
}


def stack_env(redis_url: str, slack: FakeSlack, graph: FakeGraph, **extra: str) -> dict[str, str]:
    """What server, worker and scheduler share besides the database: Redis, the fakes, FAST."""
    return {
        "REDIS_URL": redis_url,
        "META_GRAPH_URL": graph.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "SLACK_CHANNEL": CHANNEL,
        "PUBLIC_URL": "https://cahts.example.com",
        **FAST,
        **extra,
    }


@dataclass
class Stack:
    """A migrated database with two accounts, and the processes started on it."""

    cwd: Path
    database_url: str
    env: dict[str, str]
    processes: list[Cahts] = field(default_factory=list)
    server: Server | None = None

    @classmethod
    async def prepare(cls, cwd: Path, database_url: str, **env: str) -> Stack:
        """Migrate and connect the accounts (the CLI, as an operator would)."""
        return cls(cwd, database_url, await prepare(database_url, cwd, **env))

    async def start(self, *names: str) -> None:
        """Start `serve`, `worker` and/or `scheduler` (a serve waits until healthy)."""
        for name in names:
            if name == "serve":
                self.server = Server(["serve"], self.env, self.cwd, "serve")
                self.processes.append(self.server)
                await self.server.start()
            else:
                count = sum(p.command[0] == name for p in self.processes)
                process = Cahts([name], self.env, self.cwd, f"{name}-{count}")
                self.processes.append(process)
                await process.start()

    async def scheduling(self, within: float = 30) -> None:
        """Wait until the scheduler sends tasks (its Redis lease taken, the loop running)."""
        [scheduler] = [p for p in self.processes if p.command[0] == "scheduler"]
        await eventually(
            lambda: "Sending task slack_sweep" in scheduler.output(), within, "the scheduler"
        )

    def worker(self, index: int = 0) -> Cahts:
        """The n-th worker started."""
        return [p for p in self.processes if p.command[0] == "worker"][index]

    async def token(self) -> str:
        """An access token of a dashboard user of the (only) workspace."""
        async with connected(self.database_url) as settings:
            workspace = await Workspace.first()
            assert workspace is not None
            user = await make_user(workspace, f"agent-{uuid.uuid4().hex[:6]}@example.com")
            return (await start_session(user, settings.jwt_secret)).access

    async def stop(self) -> None:
        """End every process."""
        await stop_all(self.processes)

    def logs(self) -> str:
        """Every process's log, for a failure message."""
        return "\n".join(f"==== {p.name}\n{p.output()[-6000:]}" for p in self.processes)


async def eventually(check: Callable[[], Any], within: float, what: str) -> float:
    """Poll a check (sync or async) until truthy; seconds it took, AssertionError after `within`."""
    started = time.monotonic()
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class Thread:
    """One conversation as the database and the fake Slack see it."""

    expected: list[str]  # message ids in (received_at, created_at) order
    posted: list[str]  # message ids of the thread's posts, in thread order
    roots: int


@dataclass
class SlackLedger:
    """Every stored customer message against its posts in Slack."""

    messages: int
    threads: dict[str, Thread]
    posts: Counter[str]

    @property
    def unposted(self) -> int:
        """Customer messages with no post in their thread."""
        return sum(1 for t in self.threads.values() for m in t.expected if not self.posts[m])

    @property
    def duplicate_posts(self) -> int:
        """Posts beyond the first of any message."""
        return sum(n - 1 for n in self.posts.values() if n > 1)

    @property
    def duplicate_roots(self) -> int:
        """Thread roots beyond one per conversation."""
        return sum(max(t.roots - 1, 0) for t in self.threads.values())

    @property
    def out_of_order(self) -> int:
        """Threads whose posts are not in the order the customer wrote."""
        threads = self.threads.values()
        return sum(1 for t in threads if [m for m in t.posted if m in t.expected] != t.expected)

    def line(self) -> str:
        """The figures on one line."""
        return (
            f"{self.messages} messages in {len(self.threads)} threads: unposted {self.unposted}, "
            f"duplicate posts {self.duplicate_posts}, duplicate roots {self.duplicate_roots}, "
            f"threads out of order {self.out_of_order}"
        )


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    meta = message.get("metadata") or {}
    return meta.get("event_payload") or {} if isinstance(meta, dict) else {}


async def slack_ledger(database_url: str, slack: FakeSlack) -> SlackLedger:
    """Compare stored customer messages with what the fake Slack received."""
    rows = await fetch(
        database_url,
        "SELECT id, conversation_id FROM messages WHERE is_incoming"
        " ORDER BY conversation_id, received_at, created_at",
    )
    expected: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        expected[str(row["conversation_id"])].append(str(row["id"]))
    posts: Counter[str] = Counter()
    roots: Counter[str] = Counter()
    by_thread: dict[str, list[str]] = defaultdict(list)
    root_of: dict[str, str] = {}
    for message in slack.messages:
        payload = _payload(message)
        if "conversation_id" in payload and not message.get("thread_ts"):
            roots[str(payload["conversation_id"])] += 1
            root_of[message["ts"]] = str(payload["conversation_id"])
    for message in slack.messages:
        payload = _payload(message)
        if "message_id" in payload:
            posts[str(payload["message_id"])] += 1
            conversation = root_of.get(str(message.get("thread_ts")))
            if conversation is not None:
                by_thread[conversation].append(str(payload["message_id"]))
    threads = {
        c: Thread(expected=ids, posted=by_thread.get(c, []), roots=roots[c])
        for c, ids in expected.items()
    }
    return SlackLedger(messages=len(rows), threads=threads, posts=posts)


async def all_posted(database_url: str) -> bool:
    """True when no customer message waits for Slack."""
    rows = await fetch(
        database_url, "SELECT count(*) FROM messages WHERE is_incoming AND NOT slack_posted"
    )
    return int(rows[0][0]) == 0
