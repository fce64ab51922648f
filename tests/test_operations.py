"""Operating a real `cahts serve` process: JSON logs without secrets, SIGTERM drains."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import APP_SECRET, PG_URL, _recreate_database, cahts_env
from tests.helpers import load_fixture, sign_meta
from tests.processes import count_rows, post_webhook, run, serving

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


def test_logs_are_json_lines_without_secrets(ops_db: str, tmp_path: Path) -> None:
    env = _prepare(ops_db, tmp_path)
    with serving(env, tmp_path) as base:
        assert post_webhook(base, "messenger", _body(1)) == 200
        assert (
            post_webhook(base, "messenger", b'{"object": "page", "entry": [{"id": "42"}]}') == 200
        )
        unknown = load_fixture("whatsapp", "text")
        assert post_webhook(base, "whatsapp", json.dumps(unknown).encode()) == 200
        verify = f"{base}/api/webhooks/messenger?hub.mode=subscribe&hub.challenge=1"
        from urllib.request import urlopen

        with urlopen(f"{verify}&hub.verify_token={SECRETS['META_VERIFY_TOKEN']}") as r:  # noqa: S310
            assert r.status == 200
    text = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    records = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r.get("request_id") for r in records), "request ids are not logged"
    configured = [*SECRETS.values(), APP_SECRET, env["TOKEN_ENCRYPTION_KEYS"], "EAA-page-token"]
    for secret in configured:
        assert secret not in text
    assert "Is the blue model still available?" not in text, "message bodies are not logged"


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
