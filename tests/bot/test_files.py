"""Files shared in a thread reach the customer through signed, expiring links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.replies.files import file_headers, file_link
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


SCRIPT_PAGE = b"<html><script>fetch('/api/auth/me')</script></html>"
SCRIPT_SVG = (
    b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(document.cookie)</script></svg>"
)
PNG = b"\x89PNG\r\n\x1a\n fake pixels"


async def _served(loop: Loop, file_id: str, name: str, mimetype: str, data: bytes) -> Any:
    loop.slack.files[file_id] = SlackFile(file_id, name, mimetype, data)
    response = await loop.client.get(urlsplit(file_link(loop.settings, file_id)).path)
    assert response.status == 200
    assert await response.read() == data
    return response


@pytest.mark.parametrize(
    ("name", "mimetype", "data"),
    [("page.html", "text/html", SCRIPT_PAGE), ("logo.svg", "image/svg+xml", SCRIPT_SVG)],
)
async def test_html_and_svg_files_are_attachments_that_never_run(
    loop: Loop, name: str, mimetype: str, data: bytes
) -> None:
    response = await _served(loop, "F0ACTIVE", name, mimetype, data)

    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


async def test_a_png_is_shown_inline_but_never_sniffed(loop: Loop) -> None:
    response = await _served(loop, "F0PNG", "photo.png", "image/png", PNG)

    assert response.content_type == "image/png"
    assert response.headers["Content-Disposition"].startswith('inline; filename="photo.png"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_strange_name_keeps_its_letters_but_cannot_close_the_quote(loop: Loop) -> None:
    response = await _served(loop, "F0ODD", 'été" x.html', "text/html", SCRIPT_PAGE)

    disposition = response.headers["Content-Disposition"]
    assert (
        disposition
        == "attachment; filename=\"_t__ x.html\"; filename*=UTF-8''%C3%A9t%C3%A9%22%20x.html"
    )


def test_line_breaks_in_a_name_or_type_cannot_add_headers() -> None:
    headers = file_headers(
        {"name": "a\r\nSet-Cookie: x=1.html", "mimetype": "text/html\r\nSet-Cookie: x=1"}, ""
    )

    assert headers["Content-Type"] == "application/octet-stream"
    assert all("\r" not in v and "\n" not in v for v in headers.values())
    assert headers["Content-Disposition"].startswith(
        'attachment; filename="a__Set-Cookie_ x_1.html"'
    )
