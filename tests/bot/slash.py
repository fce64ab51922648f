"""`/inbox` as Slack sends it, for the command tests: the whole answer and how long it took."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.bot.conftest import AGENT, CHANNEL, Loop, settle
from tests.fakes.slack import TEAM, signed_headers


async def slash(
    loop: Loop,
    text: str,
    *,
    user: str = AGENT,
    channel: str = CHANNEL,
    team: str = TEAM,
    wait: bool = True,
) -> tuple[dict[str, Any], float]:
    """POST a signed `/inbox <text>`; the ack's JSON ({} when empty) and the seconds it took."""
    form = loop.command_form(text, user=user, channel=channel, team=team)
    body = urlencode(form).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
    started = time.monotonic()
    response = await loop.client.post("/slack/events", data=body, headers=headers)
    raw = await response.read()
    elapsed = time.monotonic() - started
    assert response.status == 200, raw
    if wait:
        await settle()
    return (json.loads(raw) if raw else {}), elapsed
