"""`/inbox status`: every account of the team's workspace, and none of another's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.models import Message, PlatformAccount
from tests.bot.conftest import Loop
from tests.bot.slash import slash
from tests.factories import (
    make_account,
    make_conversation,
    make_installation,
    make_message,
    make_workspace,
)
from tests.fakes.slack import TEAM

BRAVO, BRAVO_TOKEN = "T0BRAVO", "xoxb-bravo-bot"


def _sections(answer: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in answer["blocks"] if b["type"] == "section"]


async def _bravo(loop: Loop) -> PlatformAccount:
    """Another workspace, installed into another Slack team, with an account of its own."""
    key = loop.settings.token_encryption_keys[0]
    bravo = await make_workspace("Bravo")
    await make_installation(bravo, BRAVO, BRAVO_TOKEN, key=key)
    loop.slack.teams[BRAVO_TOKEN] = BRAVO
    return await make_account(bravo, "instagram", "17800000000000002", key=key, name="Bravo Insta")


async def test_status_lists_every_account_of_the_workspace_and_no_other(loop: Loop) -> None:
    key = loop.settings.token_encryption_keys[0]
    now = datetime.now(UTC)
    await PlatformAccount.filter(id=loop.account.id).update(
        name="Acme Shop", last_webhook_at=now - timedelta(minutes=5)
    )
    whatsapp = await make_account(loop.workspace, "whatsapp", key=key, name="Acme WA")
    await PlatformAccount.filter(id=whatsapp.id).update(
        token_expires_at=now + timedelta(days=3),
        subscription_ok=False,
        needs_attention=True,
        attention_reason="webhook subscription failed: token expired",
    )
    old = await make_account(loop.workspace, "instagram", key=key, name="Old Insta")
    await PlatformAccount.filter(id=old.id).update(is_active=False)
    conversation = await make_conversation(loop.account, unread=3)
    await make_conversation(loop.account, "999", unread=2)
    failed = await make_message(conversation, "sorry", incoming=False)
    await Message.filter(id=failed.id).update(status="failed")
    stale = await make_message(
        conversation, "long ago", incoming=False, received_at=now - timedelta(days=2)
    )
    await Message.filter(id=stale.id).update(status="failed")
    await _bravo(loop)

    answer, _ = await slash(loop, "status")

    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "Inbox status: 2 connected accounts"
    shop, wa, gone = _sections(answer)
    assert "*Acme Shop* · Messenger" in shop
    assert "Last webhook: 5 min ago" in shop
    assert "Token: does not expire" in shop
    assert "Webhooks: subscribed · Unread: 5 · Failed sends (24 h): :x: 1" in shop
    assert "*Acme WA* · WhatsApp" in wa
    assert "Last webhook: never" in wa
    assert ":warning: expires" in wa and "(in 3 days)" in wa
    assert ":x: not subscribed · Unread: 0 · Failed sends (24 h): 0" in wa
    assert ":warning: webhook subscription failed: token expired" in wa
    assert "*Old Insta*" in gone and "disconnected" in gone
    assert "Bravo" not in str(answer)


async def test_the_other_team_sees_only_its_own_account(loop: Loop) -> None:
    await _bravo(loop)

    answer, _ = await slash(loop, "status share", team=BRAVO, channel="C0BRAVO")

    assert answer["response_type"] == "in_channel"
    [only] = _sections(answer)
    assert "*Bravo Insta* · Instagram" in only
    assert "Shop" not in str(answer)


async def test_a_workspace_without_accounts_is_told_how_to_connect(loop: Loop) -> None:
    await PlatformAccount.filter(id=loop.account.id).delete()

    answer, _ = await slash(loop, "status", team=TEAM)

    assert answer["text"].startswith("No accounts are connected yet")


@pytest.mark.parametrize("text", ["status everything", "status share now"])
async def test_unknown_words_get_the_usage(loop: Loop, text: str) -> None:
    answer, _ = await slash(loop, text)

    assert answer["text"] == "Usage: `/inbox status [share]`"
