"""The bot's webhook route: Telegram's secret header checked in constant time, each update
stored once before the 200, group chats skipped with the reason logged."""

from __future__ import annotations

import json

from inbox.models import Message, WebhookLog
from inbox.services.ingest.replay import replay_logs
from tests.platforms.telegram.conftest import SECRET_HEADER, TelegramLoop, update

TEXT = json.dumps(update("message__text")).encode()


async def test_an_update_without_the_secret_is_401_and_stores_nothing(tg: TelegramLoop) -> None:
    response = await tg.post(TEXT, {})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "missing_signature"
    assert await Message.all().count() == 0
    assert await WebhookLog.all().count() == 0


async def test_an_update_with_a_wrong_secret_is_403_and_stores_nothing(tg: TelegramLoop) -> None:
    for wrong in ("x", tg.secret[:-1], tg.secret + "x", tg.secret.upper()):
        response = await tg.post(TEXT, {SECRET_HEADER: wrong})
        assert response.status == 403
    assert await Message.all().count() == 0
    assert await WebhookLog.all().count() == 0


async def test_routes_that_name_no_such_bot_are_404(tg: TelegramLoop) -> None:
    client = tg.loop.client
    headers = {SECRET_HEADER: tg.secret}
    for path in (
        "/api/webhooks/telegram",
        "/api/webhooks/telegram/not-a-uuid",
        "/api/webhooks/telegram/00000000-0000-0000-0000-000000000000",
        f"/api/webhooks/messenger/{tg.account.id}",
    ):
        response = await client.post(path, data=TEXT, headers=headers)
        assert response.status == 404, path
    assert await Message.all().count() == 0


async def test_a_retried_update_is_one_message_and_one_slack_post(tg: TelegramLoop) -> None:
    body = update("message__text")
    first = await tg.send(body)
    again = await tg.send(body)
    assert (first["stored"], again["stored"], again["duplicates"]) == (1, 0, 1)
    [message] = await Message.all()
    assert (message.platform_message_id, message.content) == ("3527065:41", "Hello World")
    assert message.sender_name == "Nic Pottier (@nicpottier)"
    posts = [m for m in tg.loop.slack.messages if m.get("thread_ts")]
    assert [p["text"] for p in posts] == ["Hello World"]


async def test_a_group_chat_is_acknowledged_skipped_and_the_reason_logged(
    tg: TelegramLoop,
) -> None:
    answer = await tg.send(update("message__supergroup"))
    assert answer["stored"] == 0
    assert await Message.all().count() == 0
    log = await WebhookLog.get()
    assert log.error == "update 306197400: a supergroup chat (only private chats)"
    assert log.payload["routed_account"] == "42"  # a replay parses it for the same bot


async def test_a_body_that_is_not_an_update_is_400(tg: TelegramLoop) -> None:
    response = await tg.post(b'{"message": {}}', {SECRET_HEADER: tg.secret})
    assert response.status == 400
    assert await WebhookLog.all().count() == 0


async def test_a_logged_update_replays_for_the_bot_it_was_routed_to(tg: TelegramLoop) -> None:
    await tg.send(update("message__text"))
    await Message.all().delete()
    results = [r async for r in replay_logs()]
    assert results[-1].unreadable == []
    assert results[-1].stored == 1
    [message] = await Message.all()
    assert message.platform_message_id == "3527065:41"
