"""The Slack mirror and live events under faults: Redis stopped, Slack throttling and failing."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.conftest import APP_SECRET
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack, rate_limited
from tests.faults.flaky_slack import FlakySlack
from tests.faults.ingest_faults import Run
from tests.faults.ledger import ledger
from tests.faults.live import LiveSocket
from tests.faults.sender import Delivery, MetaSender, make_deliveries
from tests.faults.services import PrivateRedis
from tests.faults.stack import SlackLedger, Stack, all_posted, eventually, slack_ledger, stack_env


@dataclass
class SlackRun(Run):
    """An ingest run plus what reached Slack and the WebSocket."""

    slack: SlackLedger | None = None
    websocket_missing: list[str] | None = None  # None: no socket was watched
    websocket_closes: list[str] = field(default_factory=list)

    def report(self, title: str) -> str:
        """The ingest figures, then Slack's and the WebSocket's."""
        lines = [super().report(title)]
        if self.slack is not None:
            lines.append(f"  slack: {self.slack.line()}")
        if self.websocket_missing is not None:
            lines.append(
                f"  websocket: missing new_message events {len(self.websocket_missing)}; "
                f"closed by the server: {', '.join(self.websocket_closes) or 'never'}"
            )
        return "\n".join(lines)


def _phase(prefix: str, messages: int, customers: range, offset: int) -> list[Delivery]:
    """Messages written within the last hour (older ones are only summarised in Slack)."""
    start = int(time.time() * 1000) - 3_600_000 + offset * 600_000
    return make_deliveries(messages, customers=customers, prefix=prefix, start_ms=start)


async def _send(base: str, deliveries: list[Delivery], within: float = 60) -> MetaSender:
    """Send one phase's bodies one at a time (so each thread's order is the sending order)."""
    sender = MetaSender(base, deliveries, APP_SECRET, concurrency=1)
    await sender.run(within)
    return sender


async def _readyz(base: str) -> str:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(f"{base}/readyz") as response,
    ):
        body = await response.json()
        return f"{response.status} {body.get('checks')}"


async def redis_outage_run(
    database_url: str,
    cwd: Path,
    redis: PrivateRedis,
    *,
    per_phase: int = 30,
    outage: float = 8.0,
    within: float = 90,
) -> SlackRun:
    """Stop Redis for `outage` seconds between three phases of webhooks; restart it empty."""
    slack = await FlakySlack().start()
    graph = await FakeGraph().start()
    stack = await Stack.prepare(cwd, database_url, **stack_env(redis.url(), slack, graph))
    senders: list[MetaSender] = []
    started = time.monotonic()
    figures: dict[str, float | int | str] = {"outage (s)": outage}
    live: LiveSocket | None = None
    try:
        await stack.start("serve", "worker", "scheduler")
        await stack.scheduling()
        assert stack.server is not None
        base = stack.server.base
        live = LiveSocket(base, await stack.token())
        await live.start()

        before = _phase("before", per_phase, range(0, 10), 0)
        senders.append(await _send(base, before))
        await eventually(lambda: all_posted(database_url), within, "the first phase in Slack")
        await eventually(
            lambda: len(live.new_messages()) >= per_phase, within, "the first phase's events"
        )

        await redis.stop()
        down = time.monotonic()
        during = _phase("during", per_phase, range(5, 15), 1)  # five customers new in the outage
        sent = time.monotonic()
        senders.append(await _send(base, during))
        figures["webhooks during the outage: seconds to send and store all"] = round(
            time.monotonic() - sent, 2
        )
        figures["/readyz during the outage"] = await _readyz(base)
        await asyncio.sleep(max(outage - (time.monotonic() - down), 0))
        await redis.start()
        up = time.monotonic()
        figures["Redis down (s)"] = round(up - down, 1)

        resync = await eventually(
            lambda: live.resynced_after(up), within, "the socket to be told to resync"
        )
        figures["Redis up to the socket told to resync and subscribed again (s)"] = round(resync, 2)
        after = _phase("after", per_phase, range(0, 15), 2)
        senders.append(await _send(base, after))
        await eventually(lambda: all_posted(database_url), within, "Slack to catch up")
        figures["Redis up to every message in Slack (s)"] = round(time.monotonic() - up, 1)
        wanted = {f"after-{n}" for n in range(per_phase)}
        await eventually(
            lambda: wanted <= set(live.new_messages(since=up)), within, "the last phase's events"
        )
        figures["/readyz after"] = await _readyz(base)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        if live is not None:
            await live.close()
        await stack.stop()
        await slack.close()
        await graph.close()
    sent_mids = set().union(*(s.all_mids for s in senders))
    acked = set().union(*(s.acknowledged_mids for s in senders))
    outcomes = [s.tally.outcome_line() for s in senders]
    figures["webhook answers before / during / after"] = " | ".join(outcomes)
    run = SlackRun(
        ledger=await ledger(database_url, sent_mids, acked),
        requests=sum(s.tally.requests for s in senders),
        outcomes="; ".join(outcomes),
        seconds=time.monotonic() - started,
        figures=figures,
        failed_requests=sum(len(s.tally.failures) for s in senders),
        slack=await slack_ledger(database_url, slack),
    )
    every = {f"{p}-{n}" for p in ("before", "after") for n in range(per_phase)}
    run.websocket_missing = sorted(every - set(live.new_messages()))
    run.websocket_closes = [reason for _, reason in live.closes]
    return run


async def _one_sender_run(
    database_url: str,
    sender: MetaSender,
    slack: FakeSlack,
    started: float,
    figures: dict[str, float | int | str],
) -> SlackRun:
    """What one sender's run left in the database and in the fake Slack."""
    return SlackRun(
        ledger=await ledger(database_url, sender.all_mids, sender.acknowledged_mids),
        requests=sender.tally.requests,
        outcomes=sender.tally.outcome_line(),
        seconds=time.monotonic() - started,
        figures=figures,
        failed_requests=len(sender.tally.failures),
        slack=await slack_ledger(database_url, slack),
    )


async def slack_throttle_run(
    database_url: str,
    cwd: Path,
    redis: PrivateRedis,
    *,
    messages: int = 60,
    rate_limited: float = 6.0,
    failing: float = 4.0,
    retry_after: int = 2,
    acted_every: int = 2,
    within: float = 120,
) -> SlackRun:
    """While customers write, Slack answers 429 (Retry-After) for a while, then 500.

    Every `acted_every`-th post answered 500 was made all the same (0: none).
    """
    slack = await FlakySlack(acted_every=acted_every).start()
    graph = await FakeGraph().start()
    stack = await Stack.prepare(cwd, database_url, **stack_env(redis.url(), slack, graph))
    figures: dict[str, float | int | str] = {
        "Slack answering 429 / then 500 for (s)": f"{rate_limited} / {failing}",
        "Retry-After (s)": retry_after,
    }
    try:
        await stack.start("serve", "worker", "scheduler")
        await stack.scheduling()
        assert stack.server is not None
        slack.flaky_for(rate_limited, failing, retry_after)
        started = time.monotonic()
        sender = await _send(stack.server.base, _phase("slack", messages, range(8), 0))
        figures["webhooks sent while Slack failed (s)"] = round(time.monotonic() - started, 1)
        await eventually(lambda: all_posted(database_url), within, "every message in Slack")
        figures["Slack back to every message posted (s)"] = round(
            max(time.monotonic() - slack.failing_until, 0.0), 1
        )
        figures["Slack answers 429 / 500 (of which posted all the same)"] = (
            f"{slack.refused['429']} / {slack.refused['500']} ({slack.refused['posted, then 500']})"
        )
        figures["chat.postMessage calls"] = len(slack.called("chat.postMessage"))
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        await stack.stop()
        await slack.close()
        await graph.close()
    return await _one_sender_run(database_url, sender, slack, started, figures)


async def lease_overrun_run(
    database_url: str,
    cwd: Path,
    redis: PrivateRedis,
    *,
    lease: int = 2,
    retry_after: int = 4,
    within: float = 60,
) -> SlackRun:
    """The first two thread posts get 429 with a Retry-After longer than the mirror lease."""
    slack = await FlakySlack().start()
    slack.script("chat.postMessage", rate_limited(retry_after), rate_limited(retry_after))
    graph = await FakeGraph().start()
    env = stack_env(redis.url(), slack, graph, SLACK_LEASE_SECONDS=str(lease))
    stack = await Stack.prepare(cwd, database_url, **env)
    figures: dict[str, float | int | str] = {
        "mirror lease (s)": lease,
        "Retry-After (s)": retry_after,
        "workers": 2,
    }
    try:
        await stack.start("serve", "worker", "worker", "scheduler")
        await stack.scheduling()
        assert stack.server is not None
        started = time.monotonic()
        sender = await _send(stack.server.base, _phase("lease", 1, range(1), 0))
        await eventually(lambda: all_posted(database_url), within, "the message in Slack")
        await asyncio.sleep(retry_after + 1)  # a run still waiting on Slack would post now
        figures["webhook to posted (s)"] = round(time.monotonic() - started - retry_after - 1, 1)
        figures["chat.postMessage calls"] = len(slack.called("chat.postMessage"))
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        await stack.stop()
        await slack.close()
        await graph.close()
    return await _one_sender_run(database_url, sender, slack, started, figures)
