"""Token care against fake Graph and Slack APIs: refresh, verify, flag, tell once, clear."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from inbox import db
from inbox.bus import InProcessBus
from inbox.graph import GraphClient
from inbox.models import PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.accounts.token_care import care_for_all
from inbox.settings import load_settings
from tests.conftest import cahts_env, truncate
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph, Scripted, graph_error
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from web.wiring import hooks_for

APP_ID = "1517776481860111"
PAGE = "104578291736452"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """A local fake Slack Web API."""
    fake = await FakeSlack().start()
    yield fake
    await fake.close()


@pytest.fixture
async def care(
    pg_database: str, graph: FakeGraph, slack: FakeSlack
) -> AsyncIterator[dict[str, Any]]:
    """Settings with the Meta app and a Slack bot, a connected database, the clients."""
    settings = load_settings(
        cahts_env(
            pg_database,
            META_GRAPH_URL=graph.url,
            META_APP_ID=APP_ID,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_API_URL=slack.api_url,
            SLACK_CHANNEL="C0DEFAULT",
        ),
        read_dotenv=False,
    )
    await truncate(pg_database)
    await db.connect(settings)
    client = GraphClient(graph.url)
    yield {
        "settings": settings,
        "graph": client,
        "cipher": TokenCipher(settings.token_encryption_keys),
    }
    await client.close()
    await db.close()


def debug_token(graph: FakeGraph, answers: dict[str, dict[str, Any]]) -> None:
    """`GET /debug_token`: the `data` Meta gives for each input token."""

    async def handler(request: web.Request, path: str, body: Any) -> web.Response:
        assert request.headers["Authorization"] == f"Bearer {APP_ID}|test-app-secret"
        return web.json_response({"data": answers[request.query["input_token"]]})

    graph.routes["GET /debug_token"] = handler


def subscribed(graph: FakeGraph, apps: list[dict[str, Any]]) -> None:
    """`GET /{page}/subscribed_apps` lists these apps."""

    async def handler(request: web.Request, path: str, body: Any) -> web.Response:
        return web.json_response({"data": apps})

    graph.routes["GET /subscribed_apps"] = handler


def valid(expires: datetime | None) -> dict[str, Any]:
    """debug_token data of a valid token (expires_at 0 = never)."""
    stamp = int(expires.timestamp()) if expires else 0
    return {"app_id": APP_ID, "type": "PAGE", "is_valid": True, "expires_at": stamp}


OUR_APP = [{"name": "cahts", "id": APP_ID, "subscribed_fields": ["messages"]}]


async def run(care: dict[str, Any], bus: InProcessBus | None = None) -> dict[str, int]:
    """One daily round, on a bus wired as the worker wires it (the bot tells Slack)."""
    bus = bus or InProcessBus()
    bus.hooks = hooks_for(care["settings"])
    return await care_for_all(
        graph=care["graph"], cipher=care["cipher"], settings=care["settings"], bus=bus
    )


async def page_account(care: dict[str, Any], **changes: Any) -> PlatformAccount:
    """The fixture Page with its own Slack channel."""
    workspace = await make_workspace()
    key = care["settings"].token_encryption_keys[0]
    account = await make_account(workspace, "messenger", key=key)
    await PlatformAccount.filter(id=account.id).update(slack_channel="C0SHOP", **changes)
    await account.refresh_from_db()
    return account


async def test_instagram_login_tokens_are_refreshed_before_they_expire(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    workspace = await make_workspace()
    key = care["settings"].token_encryption_keys[0]
    due = await make_account(workspace, "instagram", key=key, token="IGAA-old-token")
    later = await make_account(
        workspace, "instagram", "17841400000000001", key=key, token="IGAA-fine-token"
    )
    await PlatformAccount.filter(id=due.id).update(token_expires_at=now + timedelta(days=20))
    await PlatformAccount.filter(id=later.id).update(token_expires_at=now + timedelta(days=45))
    graph.script(
        "GET",
        "/refresh_access_token",
        Scripted(
            200, {"access_token": "IGAA-new-token", "token_type": "bearer", "expires_in": 5184000}
        ),
    )

    before = datetime.now(UTC)
    counts = await run(care)

    [refresh] = graph.got("/refresh_access_token")
    assert refresh.query == {"grant_type": "ig_refresh_token", "access_token": "IGAA-old-token"}
    await due.refresh_from_db()
    assert care["cipher"].decrypt(due.access_token) == "IGAA-new-token"
    assert due.token_expires_at is not None
    assert abs((due.token_expires_at - before) - timedelta(days=60)) < timedelta(seconds=10)
    assert (due.needs_attention, counts["refreshed"], counts["flagged"]) == (False, 1, 0)
    assert slack.called("chat.postMessage") == []


async def test_a_token_about_to_expire_is_flagged_and_told_once(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    account = await page_account(care)
    expires = now + timedelta(days=3)
    debug_token(graph, {"EAA-test-token": valid(expires)})
    subscribed(graph, OUR_APP)
    bus = InProcessBus()

    with bus.subscribe() as events:
        first = await run(care, bus)
        second = await run(care, bus)
        published = [events.queue.get_nowait() for _ in range(events.queue.qsize())]

    await account.refresh_from_db()
    assert account.needs_attention is True
    assert account.attention_reason == (
        f"its access token expires on {expires.date().isoformat()}: reconnect it before then"
    )
    assert account.token_expires_at == expires.replace(microsecond=0)
    [told] = slack.called("chat.postMessage")
    assert told.args["channel"] == "C0SHOP"
    assert account.attention_reason in told.args["text"]
    assert (first["told"], second["told"]) == (1, 0)
    [event] = published
    assert event["type"] == "account_attention"
    assert (event["account_id"], event["needs_attention"]) == (str(account.id), True)


async def test_an_invalid_token_is_flagged_in_the_default_channel(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    account = await page_account(care)
    await PlatformAccount.filter(id=account.id).update(slack_channel=None)
    debug_token(
        graph,
        {
            "EAA-test-token": {
                "is_valid": False,
                "expires_at": int((now - timedelta(days=1)).timestamp()),
                "error": {"code": 190, "message": "Session has expired on Tuesday"},
            }
        },
    )
    await run(care)
    await account.refresh_from_db()
    assert account.needs_attention is True
    assert "no longer valid (Meta: Session has expired on Tuesday)" in (
        account.attention_reason or ""
    )
    assert graph.got("/subscribed_apps") == []
    assert slack.called("chat.postMessage")[0].args["channel"] == "C0DEFAULT"


async def test_a_lost_webhook_subscription_is_flagged(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack
) -> None:
    account = await page_account(care)
    debug_token(graph, {"EAA-test-token": valid(None)})
    subscribed(graph, [])
    await run(care)
    await account.refresh_from_db()
    assert (account.subscription_ok, account.needs_attention) == (False, True)
    assert "webhook subscription is gone" in (account.attention_reason or "")
    assert graph.got("/subscribed_apps")[0].path == f"/{PAGE}/subscribed_apps"
    assert len(slack.called("chat.postMessage")) == 1


async def test_a_healthy_account_is_cleared_and_told(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack
) -> None:
    account = await page_account(
        care, needs_attention=True, attention_reason="old problem", subscription_ok=False
    )
    debug_token(graph, {"EAA-test-token": valid(None)})
    subscribed(graph, OUR_APP)
    await run(care)
    await account.refresh_from_db()
    assert (account.needs_attention, account.attention_reason) == (False, None)
    assert account.subscription_ok is True
    [told] = slack.called("chat.postMessage")
    assert "fine again" in told.args["text"]


async def test_a_graph_outage_changes_nothing(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack
) -> None:
    account = await page_account(care, needs_attention=True, attention_reason="old problem")
    graph.script("GET", "/debug_token", graph_error(2, "Service temporarily unavailable", 503))
    await run(care)
    await account.refresh_from_db()
    assert (account.needs_attention, account.attention_reason) == (True, "old problem")
    assert slack.called("chat.postMessage") == []


async def test_without_a_slack_bot_the_dashboard_is_still_told(
    care: dict[str, Any], graph: FakeGraph, slack: FakeSlack, pg_database: str
) -> None:
    now = datetime.now(UTC)
    settings = load_settings(
        cahts_env(pg_database, META_GRAPH_URL=graph.url, META_APP_ID=APP_ID), read_dotenv=False
    )
    account = await page_account(care)
    debug_token(graph, {"EAA-test-token": valid(now - timedelta(hours=1))})
    subscribed(graph, OUR_APP)
    bus = InProcessBus()
    with bus.subscribe() as events:
        await care_for_all(graph=care["graph"], cipher=care["cipher"], settings=settings, bus=bus)
        [event] = [events.queue.get_nowait() for _ in range(events.queue.qsize())]
    await account.refresh_from_db()
    assert account.needs_attention is True
    assert "expired on" in (account.attention_reason or "")
    assert event["reason"] == account.attention_reason
    assert slack.calls == []
