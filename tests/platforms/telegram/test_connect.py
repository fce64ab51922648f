"""Connecting a bot: its token is checked with getMe, the webhook set with a secret; nothing
is saved when Telegram refuses the token. From the API, the CLI, Slack; disconnect removes it."""

from __future__ import annotations

import argparse
from typing import Any

from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from inbox.cli.accounts import add_form_account
from inbox.cli.common import database
from inbox.models import PlatformAccount
from inbox.services.accounts.crypto import TokenCipher
from tests.bot.conftest import Loop
from tests.bot.slash import slash
from tests.conftest import truncate
from tests.factories import make_owner, make_workspace
from tests.fakes.telegram import BOT_ID, BOT_TOKEN, FakeBotApi
from tests.helpers import bearer
from tests.platforms.telegram.conftest import TelegramLoop
from web.app import create_app

WRONG_TOKEN = "42:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


async def _owner_headers(client: TestClient) -> dict[str, str]:
    workspace = await make_workspace()
    user = await make_owner(workspace, "ops@example.com")
    return await bearer(user, client.app[SETTINGS].jwt_secret)


async def test_connecting_checks_the_token_and_sets_a_secret_webhook(
    tg_settings: Any, botapi: FakeBotApi, aiohttp_client: Any
) -> None:
    await truncate(tg_settings.database_url)
    client = await aiohttp_client(create_app(tg_settings))
    headers = await _owner_headers(client)

    response = await client.post(
        "/api/platforms/telegram/connect", json={"token": BOT_TOKEN}, headers=headers
    )

    assert response.status == 201, await response.text()
    account = await response.json()
    assert (account["external_id"], account["name"]) == (str(BOT_ID), "@SomethingSomethingBot")
    assert BOT_TOKEN not in await response.text()
    assert [c.method for c in botapi.calls] == ["getMe", "setWebhook"]
    hook = botapi.called("setWebhook")[0]
    assert hook.token == BOT_TOKEN
    assert hook.params["url"] == f"https://cahts.example.com/api/webhooks/telegram/{account['id']}"
    assert hook.params["allowed_updates"] == ["message", "edited_message", "message_reaction"]
    secret = hook.params["secret_token"]
    assert len(secret) >= 32
    stored = await PlatformAccount.get(id=account["id"])
    cipher = TokenCipher(tg_settings.token_encryption_keys)
    assert cipher.decrypt(stored.access_token) == BOT_TOKEN
    assert stored.webhook_secret is not None and secret not in stored.webhook_secret
    assert cipher.decrypt(stored.webhook_secret) == secret
    assert stored.subscription_ok


async def test_a_token_telegram_refuses_is_told_in_its_words_and_nothing_is_saved(
    tg_settings: Any, botapi: FakeBotApi, aiohttp_client: Any
) -> None:
    await truncate(tg_settings.database_url)
    client = await aiohttp_client(create_app(tg_settings))
    headers = await _owner_headers(client)

    response = await client.post(
        "/api/platforms/telegram/connect", json={"token": WRONG_TOKEN}, headers=headers
    )

    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("rejected_by_platform", "token")
    assert error["message"] == "token: Telegram refused it (Unauthorized)"
    assert not await PlatformAccount.exists()
    assert [c.method for c in botapi.calls] == ["getMe"]

    malformed = await client.post(
        "/api/platforms/telegram/connect", json={"token": "../getMe?x"}, headers=headers
    )
    assert malformed.status == 422
    assert "not a bot token" in (await malformed.json())["error"]["message"]
    assert len(botapi.calls) == 1  # a token that is not one never reaches a URL
    assert not await PlatformAccount.exists()


async def test_the_catalogue_gives_the_dashboard_telegram_from_its_adapter(
    tg_settings: Any, aiohttp_client: Any
) -> None:
    await truncate(tg_settings.database_url)
    client = await aiohttp_client(create_app(tg_settings))
    response = await client.get("/api/platforms/catalog", headers=await _owner_headers(client))
    items = {p["name"]: p for p in (await response.json())["items"]}
    telegram = items["telegram"]
    assert (telegram["label"], telegram["color"]) == ("Telegram", "#229ed9")
    assert telegram["icon_url"] == "/api/platforms/telegram/logo.svg"
    assert [f["name"] for f in telegram["connect_fields"]] == ["token"]
    assert telegram["reply_window_hours"] is None and telegram["receipts"] is False
    assert items["whatsapp"]["reply_window_hours"] == 24
    logo = await client.get(telegram["icon_url"])
    assert logo.content_type == "image/svg+xml"
    assert "<script" not in await logo.text()


async def test_disconnecting_deletes_the_webhook(tg: TelegramLoop) -> None:
    client = tg.loop.client
    user = await make_owner(tg.loop.workspace, "ops@example.com")
    headers = await bearer(user, client.app[SETTINGS].jwt_secret)
    response = await client.delete(f"/api/platforms/{tg.account.id}", headers=headers)
    assert response.status == 204
    [deleted] = tg.botapi.called("deleteWebhook")
    assert deleted.token == BOT_TOKEN
    assert not (await PlatformAccount.get(id=tg.account.id)).is_active


async def test_the_cli_connects_with_the_token_alone(tg_settings: Any, botapi: FakeBotApi) -> None:
    await truncate(tg_settings.database_url)
    async with database(tg_settings):
        await make_workspace()  # the only workspace is the CLI's default home

    args = argparse.Namespace(
        platform="telegram", token=BOT_TOKEN, name=None, slack_channel=None, owner=None
    )
    account, created = await add_form_account(tg_settings, args)
    assert created and account.external_id == str(BOT_ID)
    assert [c.method for c in botapi.calls] == ["getMe", "setWebhook"]
    async with database(tg_settings):
        stored = await PlatformAccount.get(platform="telegram")
        assert stored.webhook_secret and stored.subscription_ok


async def test_slash_connect_telegram_opens_a_form_from_the_adapter_and_submits(
    tg: TelegramLoop,
) -> None:
    loop: Loop = tg.loop
    answer, _ = await slash(loop, "connect telegram")
    assert answer == {}
    [view] = loop.slack.views
    assert view["title"]["text"] == "Connect Telegram"
    assert [b.get("block_id") for b in view["blocks"][1:]] == ["token", "name"]

    submitted = dict(view, state={"values": {"token": {"value": {"value": WRONG_TOKEN}}}})
    response = await loop.click(
        {
            "type": "view_submission",
            "team": {"id": "T0TEST", "domain": "acme"},
            "user": {"id": "U0AGENT01", "team_id": "T0TEST"},
            "api_app_id": "A0CAHTS",
            "view": {**submitted, "id": "V0FORM", "team_id": "T0TEST"},
        }
    )
    refused = await response.json()
    assert refused["response_action"] == "errors"
    assert refused["errors"] == {"token": "token: Telegram refused it (Unauthorized)"}


async def test_a_bot_in_another_workspace_stays_there_even_with_its_token(
    tg: TelegramLoop,
) -> None:
    client = tg.loop.client
    other = await make_workspace("Other")
    user = await make_owner(other, "other@example.com")
    headers = await bearer(user, client.app[SETTINGS].jwt_secret)
    response = await client.post(
        "/api/platforms/telegram/connect", json={"token": BOT_TOKEN}, headers=headers
    )
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "connected_elsewhere"
    stored = await PlatformAccount.get(id=tg.account.id)
    assert stored.workspace_id == tg.loop.workspace.id
    assert len(tg.botapi.called("setWebhook")) == 1  # the owner's webhook was not replaced
