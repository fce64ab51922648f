"""LOG_LEVEL=DEBUG on a real `cahts serve`: no Slack bot token installed over OAuth and no
message text reach the log, whatever the libraries log at that level."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from cryptography.fernet import Fernet

from tests.conftest import APP_SECRET, FERNET_KEY
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import TEAM, FakeSlack, event_envelope, signed_headers
from tests.helpers import sign_meta
from tests.processes import run_async
from tests.test_operations import CUSTOMER_TEXT, _body, _prepare, _start, _until, ops_db

__all__ = ["ops_db"]  # the fixture, used by name

INSTALLED_TOKEN = "xoxb-1111111111-2222222222222-installedOverOAuthNeverLogged"
SIGNING_SECRET = "debug-signing-secret-never-logged"
CHANNEL = "C0DEBUG"
AGENT_TEXT = "An agent's answer that stays out of debug logs"
COOKIE = "slack-app-oauth-state"


async def _install(http: aiohttp.ClientSession, base: str, link: str, slack: FakeSlack) -> None:
    """The OAuth install as a browser runs it, against the real server."""
    parts = urlsplit(link)
    async with http.get(f"{base}{parts.path}?{parts.query}", allow_redirects=False) as start:
        assert start.status == 302, await start.text()
        state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    slack.grant("code-debug", TEAM, INSTALLED_TOKEN, name="Debug Inc", channel=CHANNEL)
    url = f"{base}/slack/oauth_redirect?code=code-debug&state={state}"
    async with http.get(url, headers={"Cookie": f"{COOKIE}={state}"}) as done:
        assert done.status == 200, await done.text()


async def _webhook_and_reply(http: aiohttp.ClientSession, base: str, slack: FakeSlack) -> None:
    fresh = json.loads(_body(1))
    fresh["entry"][0]["messaging"][0]["timestamp"] = int(time.time() * 1000)
    body = json.dumps(fresh).encode()
    url = f"{base}/api/webhooks/messenger"
    async with http.post(url, data=body, headers=sign_meta(body, APP_SECRET)) as response:
        assert response.status == 200
    roots = await _until(lambda: slack.roots(CHANNEL), "the thread in Slack")
    reply = {
        "type": "message",
        "channel": CHANNEL,
        "user": "U0AGENT01",
        "text": AGENT_TEXT,
        "ts": f"{time.time():.6f}",
        "thread_ts": roots[0]["ts"],
    }
    event = json.dumps(event_envelope(reply, "Ev0DEBUGLOG")).encode()
    headers = {"Content-Type": "application/json", **signed_headers(event, SIGNING_SECRET)}
    async with http.post(f"{base}/slack/events", data=event, headers=headers) as response:
        assert response.status == 200, await response.text()


@pytest.mark.parametrize("message_text", ["", "true"])
async def test_debug_logs_hold_no_installed_token_and_no_message_text(
    ops_db: str, tmp_path: Path, message_text: str
) -> None:
    """LOG_MESSAGE_TEXT unset: neither the token nor the words; set: the words, never the token."""
    graph, slack = await FakeGraph().start(), await FakeSlack().start()
    env = {
        **_prepare(ops_db, tmp_path),
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "debug-client-secret-never-logged",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "META_GRAPH_URL": graph.url,
        "META_APP_ID": "1234567890",
        "TOKEN_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{FERNET_KEY}",
        "LOG_LEVEL": "DEBUG",
        "LOG_MESSAGE_TEXT": message_text,
    }
    status, link, err = await run_async(["slack-install-link"], env, tmp_path)
    assert status == 0, err
    proc, base, log_path = await _start(env, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await _install(http, base, link.strip(), slack)
            await _webhook_and_reply(http, base, slack)
        await _until(lambda: graph.sent(), "the reply at the Graph API")
        await _until(lambda: slack.called("reactions.add") or len(slack.calls) > 8, "the mark")
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 20)
        await graph.close()
        await slack.close()
    assert any(s.token == INSTALLED_TOKEN for s in slack.calls), "the installed bot never posted"
    text = log_path.read_text()
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert any(r["level"] == "debug" for r in records), "LOG_LEVEL=DEBUG logged no debug line"
    assert INSTALLED_TOKEN not in text
    assert INSTALLED_TOKEN.removeprefix("xoxb-") not in text
    assert "Bearer xoxb" not in text
    if message_text:  # the switch lets the Slack client's bodies through, tokens redacted
        assert CUSTOMER_TEXT in text
        return
    for words in (CUSTOMER_TEXT, AGENT_TEXT):
        assert words not in text, words
