"""The server fetches no link a user or a webhook field can point inside the network.

Reply attachments sent through the API are Meta's to fetch, never ours (the Slack thread shows
the link); customer media is downloaded only from Meta's media hosts; a WhatsApp media id is an
id, never a URL that the Graph client would follow with the account's token.
"""

from __future__ import annotations

import json
import time

import pytest

from inbox.models import Message
from tests.bot.conftest import (
    CHANNEL,
    CUSTOMER,
    Loop,
    messenger_items,
    now_ms,
    settle,
    whatsapp_message,
)
from tests.factories import make_account, make_user
from tests.fakes.graph import graph_error
from tests.fakes.internal import SECRET, Internal
from tests.helpers import bearer


@pytest.mark.parametrize("meta", ["accepts", "refuses"])
async def test_a_reply_attachment_pointing_inside_is_never_fetched_by_the_server(
    loop: Loop, internal: Internal, meta: str
) -> None:
    """The reported attack: a member replies through the API with an internal URL."""
    await loop.webhook("messenger", messenger_items([_customer_text("hello?")]))
    message = await Message.get()
    member = await make_user(loop.workspace, "member@example.com")
    if meta == "refuses":
        loop.graph.script(
            "POST", f"/{loop.account.external_id}/messages", graph_error(100, "bad attachment")
        )
    link = internal.url("/latest/meta-data/iam/security-credentials/role")

    response = await loop.client.post(
        "/api/messages",
        json={
            "conversation_id": str(message.conversation_id),  # type: ignore[attr-defined]
            "attachments": [{"type": "image", "url": link}],
        },
        headers=await bearer(member, loop.settings.jwt_secret),
    )
    assert response.status == 201, await response.text()
    await settle()

    assert internal.hits == []
    assert loop.slack.uploads == []
    assert loop.slack.called("files.getUploadURLExternal") == []
    assert SECRET.decode(errors="ignore") not in json.dumps(loop.slack.messages)
    [root] = loop.slack.roots(CHANNEL)
    texts = [p["text"] for p in loop.slack.thread(CHANNEL, root["ts"])]
    assert any("_sent a photo:_" in t and "/latest/meta-data/" in t for t in texts), texts
    [reply] = await Message.filter(is_incoming=False)
    assert reply.status == ("sent" if meta == "accepts" else "failed")
    [sent] = loop.graph.sent()
    assert sent.json["message"]["attachment"]["payload"]["url"] == link  # Meta's fetch, not ours


def _customer_text(text: str) -> dict[str, object]:
    return {
        "sender": {"id": CUSTOMER},
        "recipient": {"id": "104578291736452"},
        "timestamp": now_ms(),
        "message": {"mid": f"m_{time.time_ns()}", "text": text},
    }


async def test_a_customer_attachment_off_metas_media_hosts_is_not_fetched(
    loop: Loop, internal: Internal
) -> None:
    """Inbound media follows the same rules: a link inside is refused and the thread goes on."""
    attachment = {"type": "image", "payload": {"url": internal.url("/admin/export.png")}}
    item = {**_customer_text(""), "message": {"mid": "m_inside", "attachments": [attachment]}}
    await loop.webhook("messenger", messenger_items([item]))

    assert internal.hits == []
    assert loop.slack.uploads == []
    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == (
        "_sent a photo (not copied to Slack: not downloaded: only https links are downloaded)_"
    )
    assert (await Message.get()).slack_posted is True


async def test_a_whatsapp_media_id_that_is_a_url_gets_no_request_and_no_token(
    loop: Loop, internal: Internal
) -> None:
    """Finding 2: the id is not followed as a URL; the message is kept, its media unavailable."""
    account = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0]
    )
    steal = internal.url("/steal")
    payload = whatsapp_message(
        account.external_id,
        {
            "id": "wamid.STEAL1",
            "type": "image",
            "image": {"mime_type": "image/jpeg", "id": steal},
        },
    )
    response = await loop.webhook("whatsapp", payload)

    assert (await response.json())["stored"] == 1
    assert internal.hits == []
    stored = await Message.get(platform_message_id="wamid.STEAL1")
    assert stored.attachments[0]["media_id"] == steal
    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == (
        "_sent a photo (not copied to Slack: the platform gave a media id that is not an id)_"
    )
    assert loop.slack.uploads == []
