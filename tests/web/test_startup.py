"""What `cahts serve` says at start and stop, and its access log, seen from a real process."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from aiohttp.test_utils import TestClient

from inbox.platforms.registry import platform_names
from inbox.settings import load_settings
from tests.conftest import cahts_env
from tests.processes import serving
from web.startup import start_report


def _texts(report: list[tuple[int, str]]) -> list[str]:
    return [text for _, text in report]


def test_report_names_every_platform_of_the_registry_and_what_is_off(tmp_cwd: Path) -> None:
    settings = load_settings(
        {"PUBLIC_URL": "https://inbox.example.com", "META_APP_SECRET": ""}, read_dotenv=False
    )
    texts = _texts(start_report(settings, users=0))
    for name in platform_names():
        assert f"  {name}: https://inbox.example.com/api/webhooks/{name}" in texts
    assert "dashboard: https://inbox.example.com/" in texts
    assert any(t.startswith("no dashboard user yet") and "cahts createuser" in t for t in texts)
    assert any("META_APP_SECRET is not set" in t and "refused" in t for t in texts)
    assert any(t.startswith("off: Slack:") and "nothing is posted" in t for t in texts)


def test_report_warns_about_what_production_must_not_run_with(tmp_cwd: Path) -> None:
    env = cahts_env(
        "postgres://postgres@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
        PUBLIC_URL="http://10.0.0.5:8000",
        SLACK_BOT_TOKEN="xoxb-1",
    )
    report = start_report(load_settings(env, read_dotenv=False), users=2)
    warnings = [text for level, text in report if level == logging.WARNING]
    assert any("PUBLIC_URL" in t and "not https" in t and "10.0.0.5" in t for t in warnings)
    assert any("METRICS_TOKEN is not set" in t for t in warnings)
    assert any("SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN" in t for t in warnings)
    assert "users: 2" in _texts(report)
    assert not any("embedded" in t for t in warnings)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_embedded_start_prints_the_next_steps_logs_requests_and_the_stop(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "META_APP_SECRET": "app-secret-value"}
    with serving(env, tmp_path) as base:
        port = base.rsplit(":", 1)[1]
        for path in ("/healthz", "/readyz", "/api/auth/me?access_token=eyJsecret.abc.def"):
            try:
                urlopen(base + path, timeout=5).close()  # noqa: S310
            except HTTPError as exc:
                assert exc.code == 401
    output = next(tmp_path.glob("serve-*.log")).read_text()
    secrets = json.loads(next((tmp_path / ".local/share/cahts").glob("*.secrets.json")).read_text())
    token = secrets["META_VERIFY_TOKEN"]
    plain = [line for line in output.splitlines() if not line.startswith("{")]
    assert "cahts is running." in plain
    assert f"dashboard: http://127.0.0.1:{port}/" in plain
    assert any(line.startswith("no dashboard user yet") for line in plain)
    assert f"  whatsapp: http://127.0.0.1:{port}/api/webhooks/whatsapp" in plain
    assert any(line.startswith(f"webhook verify token: {token}") for line in plain)

    logged = _json_lines(output)
    assert token not in json.dumps(logged), "the log keeps the verify token out"
    access = [entry for entry in logged if entry["logger"] == "cahts.access"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [
        ("GET", "/api/auth/me", 401)
    ], "one line per request, health checks left out, no query string"
    assert isinstance(access[0]["duration_ms"], float)
    assert "eyJsecret" not in output
    messages = [entry["message"] for entry in logged if entry["logger"] == "cahts"]
    assert f"cahts serving on http://127.0.0.1:{port}" in messages
    assert messages[-2:] == [
        "cahts stopping: closing sockets, finishing requests and tasks",
        "cahts stopped",
    ]


async def test_a_credential_in_the_path_is_not_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="cahts.access"):
        await client.get("/slack/files/Zm9vYmFyLXNlY3JldC1saW5rLXRva2Vu")
        await client.get("/api/messages/123e4567-e89b-12d3-a456-426614174000?token=abc")
    paths = [getattr(r, "fields", {}).get("path") for r in caplog.records]
    assert paths == ["/slack/files/{token}", "/api/messages/123e4567-e89b-12d3-a456-426614174000"]
    assert "Zm9vYmFy" not in caplog.text
