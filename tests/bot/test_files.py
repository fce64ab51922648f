"""Files shared in a thread reach the customer through signed, expiring links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bot.replies.files import file_link
from inbox.models import Conversation, Message
from tests.bot.conftest import CUSTOMER, PUBLIC_URL, Loop, messenger_text
from tests.fakes.slack import SlackFile

INVOICE = b"%PDF-1.7 fake invoice"


async def _shared_file(loop: Loop) -> tuple[Conversation, str]:
    await loop.webhook("messenger", messenger_text("Can I get the invoice?"))
    conversation = await Conversation.get()
    loop.slack.files["F0INVOICE"] = SlackFile(
        "F0INVOICE", "invoice.pdf", "application/pdf", INVOICE
    )
    files = [
        {
            "id": "F0INVOICE",
            "name": "invoice.pdf",
            "mimetype": "application/pdf",
            "url_private": f"{loop.slack.base}/files-pri/F0INVOICE/invoice.pdf",
        }
    ]
    _, ts = await loop.reply(conversation, "Here it is", subtype="file_share", files=files)
    return conversation, ts


async def test_a_file_shared_in_the_thread_is_sent_to_the_customer(loop: Loop) -> None:
    _, ts = await _shared_file(loop)

    # Two messages, two sends (their order is the send path's business, not this test's).
    [text] = [r for r in loop.graph.sent() if "text" in r.json["message"]]
    [attachment] = [r for r in loop.graph.sent() if "attachment" in r.json["message"]]
    assert text.json["message"] == {"text": "Here it is"}
    assert text.json["recipient"] == {"id": CUSTOMER}
    sent = attachment.json["message"]["attachment"]
    assert sent["type"] == "file"
    assert sent["payload"]["url"].startswith(f"{PUBLIC_URL}/slack/files/")
    pieces = await Message.filter(is_incoming=False).order_by("received_at")
    assert [m.slack_ts for m in pieces] == [ts, None]
    assert all(m.status == "sent" for m in pieces)

    path = urlsplit(sent["payload"]["url"]).path
    response = await loop.client.get(path)
    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert await response.read() == INVOICE


async def test_forged_altered_and_expired_file_links_are_refused(loop: Loop) -> None:
    await _shared_file(loop)
    good = urlsplit(_link(loop)).path
    forged = replace_settings_link(loop, "F0INVOICE", secret="x" * 48)
    expired = urlsplit(
        file_link(loop.settings, "F0INVOICE", now=datetime.now(UTC) - timedelta(days=9))
    ).path
    for path in (good[:-3] + "abc", forged, expired, "/slack/files/not-a-token"):
        response = await loop.client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"
    assert loop.slack.called("files.info") == []


def _link(loop: Loop) -> str:
    [sent] = [r for r in loop.graph.sent() if "attachment" in r.json["message"]]
    return str(sent.json["message"]["attachment"]["payload"]["url"])


def replace_settings_link(loop: Loop, file_id: str, secret: str) -> str:
    """A link signed with another server's secret."""
    from dataclasses import replace

    other = replace(loop.settings, jwt_secret=secret)
    return urlsplit(file_link(other, file_id)).path


async def test_a_link_to_a_file_deleted_from_slack_is_404(loop: Loop) -> None:
    await _shared_file(loop)
    url = _link(loop)
    del loop.slack.files["F0INVOICE"]
    response = await loop.client.get(urlsplit(url).path)
    assert response.status == 404
