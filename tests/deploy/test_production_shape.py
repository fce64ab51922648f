"""The production shape run for real, as docker-compose.yml describes it, as processes here.

`cahts migrate` once; two `cahts serve` behind Debian's nginx running deploy/nginx.conf; one
`cahts worker`, one `cahts scheduler`; PostgreSQL and Redis. Webhooks go in through nginx,
become Slack threads (a local fake Slack), an agent replies in a thread (signed Events API
request through nginx), the reply leaves through the Graph API (a local fake) and the
dashboard's WebSocket (through nginx) sees every message once. One server is killed (-9)
while webhooks arrive: nothing acknowledged is lost, nothing is stored, posted or shown twice.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import aiohttp
import yaml

from tests.conftest import APP_SECRET, cahts_env
from tests.deploy.nginx import ROOT, Nginx, nginx_binary
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import SIGNING_SECRET, FakeSlack, event_envelope, signed_headers
from tests.faults.ledger import ledger
from tests.faults.live import LiveSocket
from tests.faults.procs import Server
from tests.faults.sender import Delivery, MetaSender, make_deliveries
from tests.faults.services import PrivateRedis
from tests.faults.stack import CHANNEL, Stack, all_posted, eventually, slack_ledger, stack_env
from tests.helpers import require_tool
from tests.processes import run_async

AGENT_TEXT = "Thanks for writing, it ships tomorrow"


def _recent(prefix: str, messages: int, customers: range) -> list[Delivery]:
    """Messages written in the last half hour (inside the reply window, copied one by one)."""
    start = int(time.time() * 1000) - 1_800_000
    return make_deliveries(messages, customers=customers, prefix=prefix, start_ms=start)


def _events_per_text(live: LiveSocket) -> Counter[str]:
    return Counter(
        str(frame["message"]["content"])
        for _, frame in live.frames
        if frame.get("type") == "new_message"
    )


async def _agent_replies(base: str, thread_ts: str) -> None:
    """An agent's reply in the thread, as Slack's Events API posts it (signed)."""
    reply = {
        "type": "message",
        "channel": CHANNEL,
        "user": "U0AGENT01",
        "text": AGENT_TEXT,
        "ts": f"{time.time():.6f}",
        "thread_ts": thread_ts,
    }
    body = json.dumps(event_envelope(reply, "Ev0SHAPE01")).encode()
    headers = {"Content-Type": "application/json", **signed_headers(body, SIGNING_SECRET)}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{base}/slack/events", data=body, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()


async def test_two_servers_behind_nginx_with_a_worker_and_a_scheduler(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    require_tool(nginx_binary() is not None, "nginx is not installed (apt-get install nginx)")
    slack, graph = await FakeSlack().start(), await FakeGraph().start()
    # Behind one proxy, as compose runs the servers.
    env = stack_env(private_redis.url(), slack, graph, TRUSTED_PROXY_HOPS="1")
    stack = Stack(tmp_path, fault_db, {})
    proxy: Nginx | None = None
    live: LiveSocket | None = None
    try:
        code, out, err = await run_async(["migrate"], cahts_env(fault_db, **env), tmp_path)
        assert code == 0 and "applied" in out + err, out + err
        stack = await Stack.prepare(tmp_path, fault_db, **env)  # the accounts; schema current
        servers = [Server(["serve"], stack.env, tmp_path, f"serve-{n}") for n in (1, 2)]
        stack.processes.extend(servers)
        await asyncio.gather(*(s.start() for s in servers))
        await stack.start("worker", "scheduler")
        await stack.scheduling()
        proxy = Nginx(tmp_path / "nginx", [s.port for s in servers])
        await proxy.start()
        base = proxy.base
        live = LiveSocket(base, await stack.token())
        await live.start()

        # Webhooks through nginx; one server killed once a third of them were acknowledged.
        during = MetaSender(base, _recent("during", 45, range(0, 9)), APP_SECRET, concurrency=4)
        sending = asyncio.create_task(during.run(60))
        await eventually(lambda: during.acked >= 8, 30, "a third of the webhooks")
        assert not sending.done(), "the webhooks were all sent before the kill"
        await servers[0].kill()
        await sending
        # After the kill, the survivor alone answers, and the socket (moved to it) sees all.
        after = MetaSender(base, _recent("after", 15, range(5, 12)), APP_SECRET, concurrency=2)
        await after.run(60)

        await eventually(lambda: all_posted(fault_db), 60, "every message in Slack")
        wanted = {f"after-{n}" for n in range(15)}
        await eventually(lambda: wanted <= set(live.new_messages()), 30, "the last events")
        roots = slack.roots(CHANNEL)
        await _agent_replies(base, roots[0]["ts"])
        await eventually(
            lambda: any(r.json["message"].get("text") == AGENT_TEXT for r in graph.sent()),
            30,
            "the agent's reply at the Graph API",
        )
        await eventually(lambda: len(slack.thread(CHANNEL, roots[0]["ts"])) >= 2, 30, "the thread")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    finally:
        if live is not None:
            await live.close()
        if proxy is not None:
            await proxy.stop()
        await stack.stop()
        await slack.close()
        await graph.close()

    senders = (during, after)
    found = await ledger(
        fault_db,
        set().union(*(s.all_mids for s in senders)),
        set().union(*(s.acknowledged_mids for s in senders)),
    )
    posted = await slack_ledger(fault_db, slack)
    events = _events_per_text(live)
    print(found.line(), posted.line(), during.tally.outcome_line(), sep="\n")

    assert proxy.upstreams_used() >= {f"127.0.0.1:{s.port}" for s in servers}
    assert found.lost == set() and found.missing == set() and found.duplicated == 0
    assert posted.unposted == 0 and posted.duplicate_posts == 0 and posted.duplicate_roots == 0
    assert [t for t, n in events.items() if n > 1] == [], "a WebSocket event came twice"
    replies = [r for r in graph.sent() if r.json["message"].get("text") == AGENT_TEXT]
    assert len(replies) == 1, "the agent's reply reached the customer more or less than once"


def test_docker_compose_accepts_the_compose_file(tmp_path: Path) -> None:
    """Debian's docker-compose parses and resolves docker-compose.yml (no engine needed)."""
    binary = shutil.which("docker-compose")
    require_tool(
        binary is not None, "docker-compose is not installed (apt-get install docker-compose)"
    )
    assert binary is not None
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")  # the file compose's env_file names
    result = subprocess.run(
        [binary, "config"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {
        "postgres", "redis", "migrate", "server", "worker", "scheduler", "proxy",
    }  # fmt: skip
    # The anchors and variables resolved: every cahts service runs on the compose PostgreSQL.
    for name in ("migrate", "server", "worker", "scheduler"):
        service = resolved["services"][name]
        assert service["environment"]["DATABASE_URL"].startswith("postgres://cahts:"), name
