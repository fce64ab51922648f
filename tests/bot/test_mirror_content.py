"""Customer → Slack beyond text: files, and what is shown in words."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from inbox.models import Message
from inbox.netguard import GuardedHttp
from inbox.services.stories import TIMEOUT, check_recent
from tests.bot.conftest import (
    CHANNEL,
    CUSTOMER,
    Loop,
    messenger_items,
    messenger_text,
    now_ms,
    settle,
    whatsapp_message,
)
from tests.factories import make_account

PHOTO = b"\x89PNG\r\n\x1a\nfake-photo-bytes"


def _item(message: dict[str, Any], offset: int = 0) -> dict[str, Any]:
    return {
        "sender": {"id": CUSTOMER},
        "recipient": {"id": "104578291736452"},
        "timestamp": now_ms() + offset,
        "message": message,
    }


def _thread(loop: Loop) -> list[dict[str, Any]]:
    [root] = loop.slack.roots(CHANNEL)
    return loop.slack.thread(CHANNEL, root["ts"])


async def test_a_messenger_photo_is_downloaded_and_uploaded_into_the_thread(loop: Loop) -> None:
    async def cdn(request: web.Request, path: str, body: Any) -> web.Response:
        return web.Response(body=PHOTO, content_type="image/png")

    loop.graph.routes["GET /cdn/photo.png"] = cdn
    url = f"{loop.graph.url}/cdn/photo.png"
    attachment = {"type": "image", "payload": {"url": url}}
    await loop.webhook(
        "messenger", messenger_items([_item({"mid": "m_photo", "attachments": [attachment]})])
    )

    [post] = _thread(loop)
    assert post["text"] == "_sent a photo_"
    [upload] = loop.slack.uploads
    assert upload["data"] == PHOTO
    assert (upload["channel"], upload["thread_ts"]) == (CHANNEL, post["thread_ts"])
    assert upload["title"].endswith(".png")
    assert (await Message.get()).slack_posted is True


async def test_a_whatsapp_photo_is_fetched_by_media_id_with_the_token(loop: Loop) -> None:
    account = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0]
    )
    seen_tokens: list[str | None] = []

    async def media_info(request: web.Request, path: str, body: Any) -> web.Response:
        url = f"{loop.graph.url}/wa-bin/1003383421387256/photo"
        return web.json_response({"url": url, "mime_type": "image/jpeg", "id": "1003383421387256"})

    async def media_bytes(request: web.Request, path: str, body: Any) -> web.Response:
        seen_tokens.append(request.headers.get("Authorization"))
        return web.Response(body=PHOTO, content_type="image/jpeg")

    loop.graph.routes["GET /1003383421387256"] = media_info
    loop.graph.routes["GET /wa-bin/1003383421387256/photo"] = media_bytes
    payload = whatsapp_message(
        account.external_id,
        {
            "id": "wamid.PHOTO1",
            "type": "image",
            "image": {
                "caption": "This <one> & that",
                "mime_type": "image/jpeg",
                "id": "1003383421387256",
            },
        },
    )
    await loop.webhook("whatsapp", payload)

    [root] = loop.slack.roots(CHANNEL)
    assert "WhatsApp" in str(root["blocks"])
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["username"] == "Sheena · WhatsApp customer"
    assert post["text"] == "This &lt;one&gt; &amp; that\n_sent a photo_"
    [upload] = loop.slack.uploads
    assert upload["data"] == PHOTO
    assert upload["title"].endswith((".jpg", ".jpeg"))
    assert seen_tokens == ["Bearer EAA-test-token"]


async def test_a_file_that_cannot_be_fetched_is_said_so_and_the_thread_goes_on(
    loop: Loop,
) -> None:
    attachment = {"type": "video", "payload": {"url": f"{loop.graph.url}/cdn/missing.mp4"}}
    await loop.webhook(
        "messenger",
        messenger_items(
            [
                _item({"mid": "m_video", "attachments": [attachment]}),
                _item({"mid": "m_after", "text": "did you get it?"}, offset=5),
            ]
        ),
    )
    texts = [m["text"] for m in _thread(loop)]
    assert texts == [
        "_sent a video (not copied to Slack: the platform answered HTTP 404)_",
        "did you get it?",
    ]
    assert loop.slack.uploads == []


async def test_reactions_replies_deletions_and_unsupported_are_shown(
    loop: Loop,
) -> None:
    await loop.webhook("messenger", messenger_text("Do you ship to Oslo?", mid="m_question"))
    await loop.webhook(
        "messenger",
        messenger_items(
            [
                _item({"mid": "m_answer", "text": "Yes", "reply_to": {"mid": "m_question"}}),
                _item({"mid": "m_odd", "is_unsupported": True}, offset=1),
                _item({"mid": "m_tap", "text": "Buy now", "quick_reply": {"payload": "B"}}, 2),
            ]
        ),
    )
    reaction = {"mid": "m_question", "action": "react", "reaction": "love", "emoji": "❤️"}
    reacted = {k: v for k, v in _item({}).items() if k != "message"} | {"reaction": reaction}
    await loop.webhook("messenger", messenger_items([reacted]))
    await loop.webhook(
        "messenger", messenger_items([_item({"mid": "m_answer", "is_deleted": True}, offset=9)])
    )

    texts = [m["text"] for m in _thread(loop)]
    assert texts == [
        "Do you ship to Oslo?",
        "_Jane Doe unsent this message._",  # was "in reply to … Yes", updated in place
        "_Jane Doe sent a message cahts cannot show yet (unsupported)_",
        "Buy now _(quick reply)_",
    ]
    question = await Message.get(platform_message_id="m_question")
    assert loop.slack.marks(CHANNEL, str(question.slack_ts)) == ["heart"]  # a Slack reaction now
    deleted = await Message.get(platform_message_id="m_answer")
    assert deleted.slack_status == "deleted"
    [update] = loop.slack.called("chat.update")[-1:]
    assert update.args["ts"] == deleted.slack_ts


async def test_a_reply_to_an_earlier_message_quotes_it(loop: Loop) -> None:
    await loop.webhook("messenger", messenger_text("Do you ship to Oslo?", mid="m_question"))
    item = _item({"mid": "m_answer", "text": "Yes", "reply_to": {"mid": "m_question"}})
    await loop.webhook("messenger", messenger_items([item]))
    assert _thread(loop)[-1]["text"] == "_↩ in reply to “Do you ship to Oslo?”_\nYes"


def _story_mention(account_id: str, cdn: str, mid: str = "ig_story_1") -> dict[str, Any]:
    item = {
        "sender": {"id": "1192837465019283"},
        "recipient": {"id": account_id},
        "timestamp": now_ms(),
        "message": {
            "mid": mid,
            "attachments": [{"type": "story_mention", "payload": {"url": cdn}}],
        },
    }
    return {
        "object": "instagram",
        "entry": [{"id": account_id, "time": now_ms(), "messaging": [item]}],
    }


async def test_an_instagram_story_mention_is_words_and_a_link_never_its_media(loop: Loop) -> None:
    account = await make_account(
        loop.workspace, "instagram", key=loop.settings.token_encryption_keys[0], name="Shop IG"
    )
    fetched: list[str] = []

    async def story(request: web.Request, path: str, body: Any) -> web.Response:
        fetched.append(request.method)
        return web.Response(body=PHOTO, content_type="image/jpeg")

    loop.graph.routes["GET /cdn/story1.jpg"] = story
    cdn = f"{loop.graph.url}/cdn/story1.jpg"
    await loop.webhook("instagram", _story_mention(account.external_id, cdn))
    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == f"_mentioned Shop IG in their story_\n<{cdn}|open the story>"
    assert post["username"].startswith("Instagram customer")
    assert loop.slack.uploads == []  # Meta allows keeping the link, not the media
    assert fetched == ["GET"]  # only to learn whether the story still exists


async def test_a_story_whose_link_answers_410_is_shown_as_expired(loop: Loop) -> None:
    account = await make_account(
        loop.workspace, "instagram", key=loop.settings.token_encryption_keys[0], name="Shop IG"
    )

    async def gone(request: web.Request, path: str, body: Any) -> web.Response:
        return web.Response(status=410)

    loop.graph.routes["GET /cdn/gone.jpg"] = gone
    cdn = f"{loop.graph.url}/cdn/gone.jpg"
    await loop.webhook("instagram", _story_mention(account.external_id, cdn, "ig_story_gone"))
    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == "_mentioned Shop IG in their story_\n_the story has expired_"
    [stored] = (await Message.get(platform_message_id="ig_story_gone")).attachments
    assert stored == {"type": "story_mention", "url": cdn, "expired": True}


async def test_the_hourly_check_marks_a_story_expired_and_updates_its_post(loop: Loop) -> None:
    account = await make_account(
        loop.workspace, "instagram", key=loop.settings.token_encryption_keys[0], name="Shop IG"
    )
    answers = [200]

    async def story(request: web.Request, path: str, body: Any) -> web.Response:
        return web.Response(status=answers[-1], body=PHOTO if answers[-1] == 200 else b"")

    loop.graph.routes["GET /cdn/later.jpg"] = story
    cdn = f"{loop.graph.url}/cdn/later.jpg"
    await loop.webhook("instagram", _story_mention(account.external_id, cdn, "ig_story_later"))
    [root] = loop.slack.roots(CHANNEL)
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"].endswith(f"<{cdn}|open the story>")

    async with GuardedHttp(TIMEOUT) as http:
        assert await check_recent(http, loop.bus, (loop.graph.url,)) == 0
        answers.append(404)  # the author deleted it, or its 24 hours are over
        assert await check_recent(http, loop.bus, (loop.graph.url,)) == 1
        assert await check_recent(http, loop.bus, (loop.graph.url,)) == 0  # checked once
    await settle()
    [post] = loop.slack.thread(CHANNEL, root["ts"])
    assert post["text"] == "_mentioned Shop IG in their story_\n_the story has expired_"
    [updated] = loop.slack.called("chat.update")[-1:]
    assert updated.args["ts"] == post["ts"]
