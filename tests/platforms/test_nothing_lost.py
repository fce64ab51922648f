"""Issue 17's first promise, for every platform: nothing a customer sends is lost behind a 200.

A kind no fixture has is stored as unsupported with its raw item, shown as "cannot show yet"
in Slack and the dashboard and counted; an item that is not a message is skipped, counted and
logged; an item without a usable timestamp is stored with another time, and the log says so.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

from inbox.models import Message, WebhookLog
from inbox.services.ingest.replay import replay_logs
from tests.bot.conftest import CHANNEL, Loop
from tests.factories import FIXTURE_ACCOUNTS, make_account, make_conversation, make_user
from tests.helpers import bearer, load_fixture
from tests.platforms.fixture_table import post

WHATSAPP = FIXTURE_ACCOUNTS["whatsapp"]


async def metric(loop: Loop, name: str, **labels: str) -> float:
    """A sample's value as GET /metrics shows it (0 when absent)."""
    response = await loop.client.get("/metrics")
    assert response.status == 200
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in (await response.text()).splitlines():
        found = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if found and ",".join(sorted(found.group(1).split(","))) == wanted:
            return float(found.group(2))
    return 0.0


def _whatsapp(mutate: Any) -> dict[str, Any]:
    """pywa's text sample (tests/fixtures/whatsapp/text.json) with its message item changed."""
    body = copy.deepcopy(load_fixture("whatsapp", "text"))
    mutate(body["entry"][0]["changes"][0]["value"]["messages"][0])
    return body


async def test_an_invented_type_is_stored_raw_shown_as_cannot_show_yet_and_counted(
    loop: Loop,
) -> None:
    await make_account(loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0])

    def invent(item: dict[str, Any]) -> None:
        item["timestamp"] = str(int(datetime.now(UTC).timestamp()))
        item["type"] = "hologram"
        item["hologram"] = item.pop("text") | {"depth": 3}

    body = _whatsapp(invent)
    before = await metric(
        loop, "cahts_messages_unsupported_total", platform="whatsapp", type="hologram"
    )

    assert (await post(loop, "whatsapp", json.dumps(body).encode()))["stored"] == 1
    assert (await post(loop, "whatsapp", json.dumps(body).encode()))["stored"] == 0

    message = await Message.get()
    item = body["entry"][0]["changes"][0]["value"]["messages"][0]
    assert (message.kind, message.content) == ("unsupported", "")
    assert message.attachments == [
        {"type": "unsupported", "details": {"kind": "hologram", "raw": item}}
    ]
    [root] = loop.slack.roots(CHANNEL)
    [shown] = loop.slack.thread(CHANNEL, root["ts"])
    assert shown["text"] == "_Test Name sent a message cahts cannot show yet (hologram)_"
    user = await make_user(loop.workspace, "agent@example.com")
    response = await loop.client.get(
        f"/api/messages/{message.id}", headers=await bearer(user, loop.settings.jwt_secret)
    )
    assert (await response.json())["display"] == [
        {
            "text": "Test Name sent a message cahts cannot show yet (hologram)",
            "url": None,
            "context": True,
        }
    ]
    after = await metric(
        loop, "cahts_messages_unsupported_total", platform="whatsapp", type="hologram"
    )
    assert after == before + 1  # the retried body is not counted again


async def test_an_item_that_is_not_a_message_is_skipped_counted_and_logged(loop: Loop) -> None:
    body = load_fixture("whatsapp", "text")
    body["entry"][0]["changes"][0] = {
        "field": "account_update",
        "value": {"phone_number": "15550783881", "event": "VERIFIED_ACCOUNT"},
    }
    labels = {"platform": "whatsapp", "reason": "not_a_message"}
    before = await metric(loop, "cahts_webhook_items_skipped_total", **labels)

    assert (await post(loop, "whatsapp", json.dumps(body).encode()))["stored"] == 0

    assert await metric(loop, "cahts_webhook_items_skipped_total", **labels) == before + 1
    log = await WebhookLog.get()
    assert (log.processed, log.error) == (True, "change field 'account_update' carries no messages")
    assert await Message.all().count() == 0


async def test_a_whatsapp_message_without_timestamp_gets_the_receipt_time(loop: Loop) -> None:
    await make_account(loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0])
    body = _whatsapp(lambda item: item.pop("timestamp"))
    sent = datetime.now(UTC)

    assert (await post(loop, "whatsapp", json.dumps(body).encode()))["stored"] == 1

    message = await Message.get()
    assert message.content == "Body Text"
    assert sent <= message.received_at <= datetime.now(UTC)
    log = await WebhookLog.get()
    assert log.error == (
        "note: InboundMessage wamid.xyzxyz had no valid timestamp; stored with the receipt time"
    )
    [root] = loop.slack.roots(CHANNEL)
    assert [p["text"] for p in loop.slack.thread(CHANNEL, root["ts"])] == ["Body Text"]


async def test_a_messenger_item_without_timestamp_gets_the_entry_time(loop: Loop) -> None:
    body = load_fixture("messenger", "text")
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    body["entry"][0]["time"] = now_ms
    del body["entry"][0]["messaging"][0]["timestamp"]

    assert (await post(loop, "messenger", json.dumps(body).encode()))["stored"] == 1

    message = await Message.get()
    assert message.received_at == datetime.fromtimestamp(now_ms / 1000, UTC)
    log = await WebhookLog.get()
    assert log.error == (
        "note: messaging item had no valid timestamp; stored with the entry's time"
    )


async def test_replay_rederives_a_message_an_older_version_stored_as_unsupported(
    loop: Loop,
) -> None:
    """An older cahts stored pywa's location sample as unsupported; a replay of its logged body
    gives the row its place, keeping the row, its conversation and its Slack post."""
    account = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0]
    )
    body = load_fixture("whatsapp", "location")
    log = await WebhookLog.create(platform="whatsapp", payload=body, processed=True)
    conversation = await make_conversation(account, "972987654321", name="Test Name")
    old = await Message.create(
        workspace_id=account.workspace_id,  # type: ignore[attr-defined]
        platform_account_id=account.id,
        conversation=conversation,
        platform_message_id="wamid.xyzxyz",
        sender_id="972987654321",
        kind="unsupported",
        is_incoming=True,
        slack_posted=True,
        slack_ts="1700000000.000100",
        received_at=datetime(2023, 10, 11, 17, 15, 57, tzinfo=UTC),
    )

    async for _ in replay_logs(since=log.created_at):
        pass

    message = await Message.get()
    assert (message.id, message.slack_ts) == (old.id, "1700000000.000100")
    assert message.kind == "location"
    assert message.attachments[0]["details"]["name"] == "Facebook HQ"
