"""Operating a real `cahts serve` process: JSON logs without secrets, SIGTERM drains."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet

from tests.conftest import APP_SECRET, FERNET_KEY, PG_URL, _recreate_database, cahts_env
from tests.fakes.graph import FakeGraph, graph_error
from tests.fakes.slack import TEAM, FakeSlack, event_envelope, signed_headers
from tests.helpers import load_fixture, sign_meta
from tests.processes import CAHTS, count_rows, free_port, run, serving

SECRETS = {
    "JWT_SECRET": "jwt-secret-that-must-never-be-logged-0123456789",
    "META_VERIFY_TOKEN": "verify-token-never-logged",
    "METRICS_TOKEN": "metrics-token-never-logged",
}


@pytest.fixture
def ops_db() -> str:
    """A fresh PostgreSQL database, migrated, with the fixture Messenger account."""
    url = PG_URL + "_ops"
    asyncio.run(_recreate_database(url))
    return url


def _prepare(url: str, tmp_path: Path) -> dict[str, str]:
    env = cahts_env(url, **SECRETS, LOG_FORMAT="json")
    assert run(["migrate"], env, tmp_path).returncode == 0
    added = run(
        ["account", "add", "--platform", "messenger", "--external-id", "104578291736452",
         "--name", "Shop", "--token", "EAA-page-token-never-logged"],
        env, tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return env


def _body(n: int) -> bytes:
    payload = load_fixture("messenger", "text")
    item = payload["entry"][0]["messaging"][0]
    item["message"]["mid"] = f"m_ops_{n}"
    item["sender"]["id"] = str(1000 + n % 7)
    return json.dumps(payload).encode()


# Slack fully on (HTTP events, Socket Mode, OAuth installs) for the full-run log test only.
SLACK_SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-ops-bot-token-never-logged",
    "SLACK_SIGNING_SECRET": "ops-signing-secret-never-logged",
    "SLACK_APP_TOKEN": "xapp-ops-app-token-never-logged",
    "SLACK_CLIENT_SECRET": "ops-client-secret-never-logged",
}
PAGE_TOKEN = "EAA-page-token-never-logged"
SLACK_CHANNEL = "C0OPS"
PASSWORD = "password-never-logged-42"
CUSTOMER_TEXT = load_fixture("messenger", "text")["entry"][0]["messaging"][0]["message"]["text"]
AGENT_TEXT = "Agent reply text that is never logged"


async def _start(env: dict[str, str], cwd: Path) -> tuple[asyncio.subprocess.Process, str, Path]:
    """`cahts serve` as a child of this loop (which keeps serving the fakes)."""
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    full = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env, "PORT": str(port)}
    with log_path.open("wb") as sink:
        proc = await asyncio.create_subprocess_exec(
            CAHTS, "serve", env=full, cwd=cwd, stdout=sink, stderr=asyncio.subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            assert proc.returncode is None, log_path.read_text()
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return proc, base, log_path
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"cahts serve did not start:\n{log_path.read_text()}")


async def _until(check: Any, what: str) -> Any:
    for _ in range(200):
        value = await check() if asyncio.iscoroutinefunction(check) else check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _full_run(
    base: str, env: dict[str, str], slack: FakeSlack, graph: FakeGraph
) -> list[str]:
    """Webhooks, the handshake, the API, the socket, Slack events; the tokens handed out."""
    async with aiohttp.ClientSession() as http:

        async def webhook(platform: str, body: bytes, secret: str = APP_SECRET) -> int:
            url = f"{base}/api/webhooks/{platform}"
            async with http.post(url, data=body, headers=sign_meta(body, secret)) as response:
                return response.status

        fresh = json.loads(_body(1))  # written now: the thread in Slack starts with it
        fresh["entry"][0]["messaging"][0]["timestamp"] = int(time.time() * 1000)
        assert await webhook("messenger", json.dumps(fresh).encode()) == 200
        assert await webhook("messenger", b'{"object": "page", "entry": [{"id": "42"}]}') == 200
        assert (
            await webhook("whatsapp", json.dumps(load_fixture("whatsapp", "text")).encode()) == 200
        )
        assert await webhook("messenger", _body(2), secret="wrong-secret") == 403
        query = {"hub.mode": "subscribe", "hub.challenge": "1"}
        query["hub.verify_token"] = env["META_VERIFY_TOKEN"]
        async with http.get(f"{base}/api/webhooks/messenger", params=query) as response:
            assert response.status == 200

        account = {"email": "ops@example.com", "password": PASSWORD}
        async with http.post(f"{base}/api/auth/register", json={**account, "name": "Ops"}) as r:
            assert r.status == 201, await r.text()
        async with http.get(f"{base}/api/auth/me") as response:
            assert response.status == 401
        wrong = {"email": "ops@example.com", "password": "not-it-at-all"}
        async with http.post(f"{base}/api/auth/login", json=wrong) as response:
            assert response.status == 401
        async with http.post(f"{base}/api/auth/login", json=account) as response:
            first = await response.json()
            assert response.status == 200, first
        async with http.post(f"{base}/api/auth/refresh", json={"refresh": first["refresh"]}) as r:
            pair = await r.json()
        bearer = {"Authorization": f"Bearer {pair['access']}"}
        async with http.get(f"{base}/api/auth/me", headers=bearer) as response:
            assert response.status == 200
        socket = await http.ws_connect(f"{base}/ws/messages/")
        await socket.send_json({"type": "authenticate", "token": pair["access"]})
        assert (await socket.receive_json(timeout=5))["type"] == "authenticated"
        await socket.close()
        metrics = {"Authorization": f"Bearer {env['METRICS_TOKEN']}"}
        async with http.get(f"{base}/metrics", headers=metrics) as response:
            assert response.status == 200
        async with http.get(f"{base}/metrics", headers=bearer) as response:
            assert response.status == 401
        async with http.get(f"{base}/slack/install") as response:
            assert response.status < 500

        # Slack: the customer's thread, an agent's reply refused by Meta, a forged request.
        roots = await _until(lambda: slack.roots(SLACK_CHANNEL), "the thread in Slack")
        reply = {
            "type": "message",
            "channel": SLACK_CHANNEL,
            "user": "U0AGENT01",
            "text": AGENT_TEXT,
            "ts": f"{time.time():.6f}",
            "thread_ts": roots[0]["ts"],
        }
        body = json.dumps(event_envelope(reply, "Ev0OPSLOG1")).encode()
        secret = env["SLACK_SIGNING_SECRET"]
        headers = {"Content-Type": "application/json", **signed_headers(body, secret)}
        async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
        await _until(lambda: graph.sent(), "the reply at the Graph API")
        thread = roots[0]["ts"]
        await _until(lambda: len(slack.thread(SLACK_CHANNEL, thread)) >= 2, "the failure notice")
        forged = {"Content-Type": "application/json", **signed_headers(body, "not-the-secret")}
        async with http.post(f"{base}/slack/events", data=body, headers=forged) as response:
            assert response.status == 401
    assert graph.sent()[0].authorization == f"Bearer {PAGE_TOKEN}"
    return [first["access"], first["refresh"], pair["access"], pair["refresh"]]


async def test_logs_are_json_lines_without_secrets(ops_db: str, tmp_path: Path) -> None:
    """A full run with every secret configured logs none of them, nor any message text."""
    graph, slack = await FakeGraph().start(), await FakeSlack().start()
    slack.teams[SLACK_SECRETS["SLACK_BOT_TOKEN"]] = TEAM
    slack.teams[SLACK_SECRETS["SLACK_APP_TOKEN"]] = TEAM  # the fake's Socket Mode takes it
    graph.script("POST", "/104578291736452/messages", graph_error(190, "Invalid OAuth token"))
    keys = f"{Fernet.generate_key().decode()},{FERNET_KEY}"
    env = {
        **_prepare(ops_db, tmp_path),
        **SLACK_SECRETS,
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_API_URL": slack.api_url,
        "SLACK_CHANNEL": SLACK_CHANNEL,
        "META_GRAPH_URL": graph.url,
        "META_APP_ID": "1234567890",
        "TOKEN_ENCRYPTION_KEYS": keys,
        "ALLOW_SIGNUP": "true",  # the run registers a second user, without an invite
    }
    proc, base, log_path = await _start(env, tmp_path)
    try:
        issued = await _full_run(base, env, slack, graph)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 20)
        await graph.close()
        await slack.close()
    text = log_path.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    records = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r.get("request_id") for r in records), "request ids are not logged"
    configured = [
        *SECRETS.values(),
        *SLACK_SECRETS.values(),
        APP_SECRET,
        *keys.split(","),
        PAGE_TOKEN,
        PASSWORD,
        *issued,
    ]
    for secret in configured:
        assert secret not in text
    for body in (CUSTOMER_TEXT, AGENT_TEXT):
        assert body not in text, "message bodies are not logged"


def test_sigterm_drains_in_flight_requests_and_loses_nothing(ops_db: str, tmp_path: Path) -> None:
    env = _prepare(ops_db, tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    total = 300

    async def load(base: str) -> list[int]:
        statuses: list[int] = []
        quarter = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=20)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(n: int) -> None:
                body = _body(n)
                try:
                    async with session.post(
                        f"{base}/api/webhooks/messenger",
                        data=body,
                        headers=sign_meta(body, APP_SECRET),
                        timeout=aiohttp.ClientTimeout(total=20),
                    ) as response:
                        statuses.append(response.status)
                except (aiohttp.ClientError, TimeoutError):
                    statuses.append(0)  # not acknowledged: Meta would retry
                if len(statuses) >= total // 4:
                    quarter.set()

            async def terminate_midway() -> None:
                await quarter.wait()
                procs[0].send_signal(signal.SIGTERM)

            await asyncio.gather(terminate_midway(), *(one(n) for n in range(total)))
        return statuses

    with serving(env, tmp_path, procs) as base:
        statuses = asyncio.run(load(base))
        code = procs[0].wait(timeout=30)
    assert code == 0
    acknowledged = statuses.count(200)
    assert acknowledged >= total // 4
    assert set(statuses) <= {200, 0, 503}, sorted(set(statuses))
    stored = count_rows(ops_db, "messages")
    logs = count_rows(ops_db, "webhook_logs")
    assert stored >= acknowledged, "an acknowledged webhook was lost"
    assert logs == stored, "a body and its messages were not written together"
