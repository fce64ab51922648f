"""WhatsApp documents and stickers reach the database and the Slack thread.

The payloads are tests/fixtures/whatsapp/{document,sticker}.json, shaped after Meta's
WhatsApp Cloud API webhook reference
(https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components, `messages`
object: document {id, mime_type, sha256, filename, caption}; sticker {id, mime_type, sha256,
animated}) and its payload examples
(https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples).
Both used to be dropped with a 200 because a constant of the parser was overwritten.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from inbox.models import Message
from tests.bot.conftest import CHANNEL, Loop
from tests.factories import make_account
from tests.helpers import fixture_bytes

PDF = b"%PDF-1.4 fake invoice"
WEBP = b"RIFF\x10\x00\x00\x00WEBPfake-sticker"


def _now(name: str) -> dict[str, Any]:
    """The fixture with its message timestamp moved to now (the mirror posts fresh messages)."""
    payload: dict[str, Any] = json.loads(fixture_bytes("whatsapp", name))
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = str(int(time.time()))
    return payload


def _serve_media(loop: Loop, media_id: str, mime_type: str, data: bytes) -> None:
    async def info(request: web.Request, path: str, body: Any) -> web.Response:
        url = f"{loop.graph.url}/wa-bin/{media_id}/content"
        return web.json_response({"url": url, "mime_type": mime_type, "id": media_id})

    async def content(request: web.Request, path: str, body: Any) -> web.Response:
        return web.Response(body=data, content_type=mime_type)

    loop.graph.routes[f"GET /{media_id}"] = info
    loop.graph.routes[f"GET /wa-bin/{media_id}/content"] = content


async def test_a_whatsapp_document_and_sticker_are_stored_and_mirrored(loop: Loop) -> None:
    """A signed document webhook and a signed sticker webhook: two messages, two uploads."""
    await make_account(loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0])
    _serve_media(loop, "1003383421387301", "application/pdf", PDF)
    _serve_media(loop, "1003383421387302", "image/webp", WEBP)

    for name in ("document", "sticker"):
        response = await loop.webhook("whatsapp", _now(name))
        assert (await response.json())["stored"] == 1

    messages = await Message.all().order_by("received_at")
    assert [m.kind for m in messages] == ["media", "media"]
    assert [m.attachments[0]["type"] for m in messages] == ["document", "sticker"]
    assert messages[0].attachments[0]["media_id"] == "1003383421387301"
    assert messages[0].attachments[0]["mime_type"] == "application/pdf"
    assert messages[1].attachments[0]["media_id"] == "1003383421387302"

    [root] = loop.slack.roots(CHANNEL)
    posts = loop.slack.thread(CHANNEL, root["ts"])
    assert [p["text"] for p in posts] == [
        "Invoice for March\n_sent a document_",
        "_sent a sticker_",
    ]
    assert [u["data"] for u in loop.slack.uploads] == [PDF, WEBP]
    assert all(m.slack_posted for m in await Message.all())
