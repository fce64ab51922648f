"""The Slack thread loop with Telegram: every kind mirrored, replies and files to the customer,
failures told with Retry, edits and reactions both ways (real Bolt/slack_sdk clients, fakes)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.graph import GraphClient
from inbox.models import Conversation, Message, Outbox
from inbox.platforms.telegram import adapter as telegram_adapter
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sending.outbox import ReplyAttachment, deliver, queue_reply
from tests.bot.conftest import AGENT, CHANNEL, Loop
from tests.bot.test_reactions import _slack_reaction
from tests.bot.test_replies import _button_press
from tests.fakes.slack import SlackFile
from tests.fakes.telegram import BOT_TOKEN, Upload
from tests.platforms.telegram.conftest import CUSTOMER, TelegramLoop, update

JPEG = b"\xff\xd8\xff\xe0 fake telegram photo"
FILE_PATH = "photos/file_0.jpg"  # tests/fixtures/telegram/api/getFile.json
KINDS = (
    "message__text",
    "message__photo_caption",
    "message__sticker",
    "message__video",
    "message__video_note",
    "message__voice",
    "message__document",
    "message__location",
    "message__venue",
    "message__contact",
    "message__reply",
)


def _thread(loop: Loop) -> list[dict[str, Any]]:
    [root] = loop.slack.roots(CHANNEL)
    return loop.slack.thread(CHANNEL, root["ts"])


async def _customer_wrote(tg: TelegramLoop) -> Conversation:
    await tg.send(update("message__text"))
    return await Conversation.get()


async def test_every_kind_is_stored_and_mirrored_with_files_from_getfile(
    tg: TelegramLoop,
) -> None:
    tg.botapi.files[FILE_PATH] = JPEG
    for name in KINDS:
        answer = await tg.send(update(name))
        assert answer["stored"] == 1, name

    messages = await Message.all().order_by("received_at")
    assert len(messages) == len(KINDS)
    assert {m.conversation_id for m in messages} == {(await Conversation.get()).id}
    conversation = await Conversation.get()
    # The name is the latest the chat gave (the reply fixture's sender).
    assert (conversation.participant_id, conversation.participant_name) == (
        CUSTOMER,
        "Test Firstname Test Lastname (@Testusername)",
    )
    texts = [p["text"] for p in _thread(tg.loop)]
    assert texts == [
        "Hello World",
        "Photo Caption\n_sent a photo_",
        "_sent a sticker_",
        "_sent a video_",
        "_sent a video_",
        "_sent a voice message_",
        "_sent a file “TabFig2015prel.xls”_",
        "_shared a location_\n<https://www.google.com/maps/search/?api=1&query=-2.890287,"
        "-79.004333|Open in maps (-2.890287, -79.004333)>",
        "_shared a location_\nCuenca, Provincia del Azuay\n<https://www.google.com/maps/search/"
        "?api=1&query=-2.898944,-79.006835|Open in maps (-2.898944, -79.006835)>",
        "_shared a contact_\nAdolf Taxi: 0788531373",
        "_↩ in reply to “Hello World”_\n/start",
    ]
    # Seven files, each fetched with getFile and the file URL, uploaded into the thread.
    file_ids = [c.params["file_id"] for c in tg.botapi.called("getFile")]
    assert file_ids[0] == "AgADAQADtKcxG4LRUUQSQVUjfJIiiF8G6C8ABA9NJzFdXskaincBAAEC"  # largest
    assert len(file_ids) == 6  # photo, sticker, video, video note, voice, document
    assert all(c.token == BOT_TOKEN for c in tg.botapi.called("getFile"))
    assert [u["data"] for u in tg.loop.slack.uploads] == [JPEG] * len(file_ids)
    [root] = tg.loop.slack.roots(CHANNEL)
    assert "Telegram has no reply window" in str(root)


async def test_an_audio_file_is_stored_and_copied_into_its_customers_thread(
    tg: TelegramLoop,
) -> None:
    tg.botapi.files[FILE_PATH] = JPEG
    answer = await tg.send(update("message__audio"))  # Telegram's own webhook guide sample
    assert answer["stored"] == 1

    message = await Message.get()
    assert (message.attachments[0]["type"], message.attachments[0]["mime_type"]) == (
        "audio",
        "audio/mpeg",
    )
    conversation = await Conversation.get()
    assert (conversation.participant_id, conversation.participant_name) == (
        "1111111",
        "Test Firstname Test Lastname (@Testusername)",
    )
    [post] = _thread(tg.loop)
    assert post["text"] == "_sent a voice message_"
    [asked] = tg.botapi.called("getFile")
    assert asked.params["file_id"] == "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"
    assert [u["data"] for u in tg.loop.slack.uploads] == [JPEG]


async def test_a_file_above_the_bots_20_mb_limit_is_refused_in_words(tg: TelegramLoop) -> None:
    body = update("message__document")
    body["message"]["document"]["file_size"] = 25 * 1024 * 1024
    await tg.send(body)
    tg.botapi.script("getFile", "error__file_too_big")
    await tg.send(update("message__voice"))

    assert tg.botapi.called("getFile")[0].params["file_id"] == "AwADAQADCQADgtFRRGn8KrC-0D_MAg"
    assert len(tg.botapi.called("getFile")) == 1  # the 25 MB one is never asked for
    texts = [p["text"] for p in _thread(tg.loop)]
    assert texts == [
        "_sent a file “TabFig2015prel.xls” (not copied to Slack: too large for a bot to download "
        "(25 MB): Telegram lets bots fetch files up to 20 MB)_",
        "_sent a voice message (not copied to Slack: too large for a bot to download: "
        "Telegram lets bots fetch files up to 20 MB)_",
    ]
    assert tg.loop.slack.uploads == []


async def test_a_thread_reply_is_one_sendmessage_marked_sent(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    _, ts = await tg.loop.reply(conversation, "Your order shipped")

    [sent] = tg.botapi.called("sendMessage")
    assert sent.token == BOT_TOKEN
    assert sent.params == {"chat_id": CUSTOMER, "text": "Your order shipped"}
    reply = await Message.get(is_incoming=False)
    assert reply.status == "sent"
    assert reply.platform_message_id == f"{CUSTOMER}:500"
    assert tg.loop.slack.marks(CHANNEL, ts) == ["ballot_box_with_check"]


async def test_an_old_conversation_has_no_window_to_close(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    await Conversation.filter(id=conversation.id).update(last_incoming_at=long_ago)
    await tg.loop.reply(await Conversation.get(), "Still here?")
    assert len(tg.botapi.called("sendMessage")) == 1


async def test_a_blocked_bot_is_told_in_the_thread_and_retry_sends_it(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    tg.botapi.script("sendMessage", "error__blocked")
    _, ts = await tg.loop.reply(conversation, "Are you there?")

    reply = await Message.get(is_incoming=False)
    assert reply.status == "failed"
    assert tg.loop.slack.marks(CHANNEL, ts) == ["x"]
    notice = _thread(tg.loop)[-1]
    assert "the customer blocked the bot" in notice["text"]
    assert "Telegram: Forbidden: bot was blocked by the user" in notice["text"]
    button = notice["blocks"][1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("retry_send", str(reply.id))

    response = await tg.loop.click(_button_press(conversation, notice, str(reply.id)))
    assert response.status == 200
    assert len(tg.botapi.called("sendMessage")) == 2
    await reply.refresh_from_db()
    assert reply.status == "sent"


async def test_chat_not_found_is_said_so(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    tg.botapi.script("sendMessage", "error__chat_not_found")
    await tg.loop.reply(conversation, "Hello?")
    reply = await Message.get(is_incoming=False)
    assert reply.status == "failed"
    assert "chat not found" in _thread(tg.loop)[-1]["text"]


async def test_too_many_requests_waits_as_long_as_telegram_asks(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    [message] = await queue_reply(conversation, text="Busy day", agent="Ana", source="api")
    outbox = await Outbox.get(message_id=message.id)
    tg.botapi.script("sendMessage", "error__too_many_requests")
    settings = tg.loop.settings
    api = GraphClient(settings.meta_graph_url, apis=settings.api_urls)
    cipher = TokenCipher(settings.token_encryption_keys)
    now = datetime.now(UTC)
    try:
        assert await deliver(outbox.id, graph=api, cipher=cipher, bus=None, now=now) == "retry"
        await outbox.refresh_from_db()
        assert outbox.status == "pending"
        assert outbox.next_attempt_at is not None
        assert outbox.next_attempt_at >= now + timedelta(seconds=30)  # retry_after, not 1 s
        assert "too many requests" in (outbox.last_error or "")
        soon = now + timedelta(seconds=29)
        assert await deliver(outbox.id, graph=api, cipher=cipher, bus=None, now=soon) == "skip"
        later = now + timedelta(seconds=31)
        assert await deliver(outbox.id, graph=api, cipher=cipher, bus=None, now=later) == "sent"
    finally:
        await api.close()
    assert len(tg.botapi.called("sendMessage")) == 2


def _shared(tg: TelegramLoop, file: SlackFile) -> list[dict[str, Any]]:
    """The `files` of a file_share event for a file the fake Slack holds."""
    tg.loop.slack.files[file.id] = file
    return [
        {
            "id": file.id,
            "name": file.name,
            "mimetype": file.mimetype,
            "url_private": f"{tg.loop.slack.base}/files-pri/{file.id}/{file.name}",
        }
    ]


async def test_a_file_shared_in_the_thread_is_uploaded_with_senddocument(
    tg: TelegramLoop,
) -> None:
    conversation = await _customer_wrote(tg)
    # A spreadsheet: Telegram would refuse it as a link (links work for PDF, ZIP, GIF only).
    data = bytes(range(256)) * 40
    sheet = SlackFile("F0SHEET", "prices.xlsx", "application/vnd.ms-excel", data)
    await tg.loop.reply(conversation, "Here it is", subtype="file_share", files=_shared(tg, sheet))

    [text] = tg.botapi.called("sendMessage")
    [document] = tg.botapi.called("sendDocument")
    assert text.params == {"chat_id": CUSTOMER, "text": "Here it is"}
    assert document.params["chat_id"] == CUSTOMER
    upload = document.params["document"]
    assert isinstance(upload, Upload), "the file is uploaded, not linked"
    assert (upload.filename, upload.content_type, upload.data) == (
        "prices.xlsx",
        "application/vnd.ms-excel",
        data,
    )
    assert all(m.status == "sent" for m in await Message.filter(is_incoming=False))


async def test_a_picture_shared_in_the_thread_is_uploaded_with_sendphoto(
    tg: TelegramLoop,
) -> None:
    conversation = await _customer_wrote(tg)
    picture = SlackFile("F0PIC", "shop.png", "image/png", b"\x89PNG\r\n\x1a\n fake shop front")
    await tg.loop.reply(conversation, "", subtype="file_share", files=_shared(tg, picture))

    [photo] = tg.botapi.called("sendPhoto")
    assert photo.params["photo"] == Upload("shop.png", "image/png", picture.data)
    assert not tg.botapi.called("sendDocument")
    [sent] = await Message.filter(is_incoming=False)
    assert sent.status == "sent"
    assert sent.platform_message_id.startswith(f"{CUSTOMER}:")


async def _failed_without_a_call(tg: TelegramLoop) -> str:
    """The reply's failure, told in the thread, when no file reached Telegram."""
    assert not tg.botapi.called("sendDocument") and not tg.botapi.called("sendPhoto")
    [failed] = await Message.filter(is_incoming=False)
    assert failed.status == "failed"
    [outbox] = await Outbox.filter(message_id=failed.id)
    reason = outbox.last_error or ""
    told = [p for p in _thread(tg.loop) if reason and reason in p.get("text", "")]
    assert told, f"the thread does not say {reason!r}"
    return reason


async def test_a_file_over_telegrams_50_mb_fails_in_words_without_a_call(
    tg: TelegramLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = await _customer_wrote(tg)
    monkeypatch.setattr(telegram_adapter, "MAX_UPLOAD_BYTES", 1024)
    big = SlackFile("F0BIG", "film.mov", "video/quicktime", b"x" * 4096)
    await tg.loop.reply(conversation, "", subtype="file_share", files=_shared(tg, big))
    assert "over the 50 MB Telegram lets a bot send" in await _failed_without_a_call(tg)


async def test_a_file_gone_from_slack_fails_without_a_call(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    gone = SlackFile("F0GONE", "old.pdf", "application/pdf", b"%PDF-1.4")
    files = _shared(tg, gone)
    del tg.loop.slack.files["F0GONE"]  # deleted in Slack before the worker sent it
    await tg.loop.reply(conversation, "", subtype="file_share", files=files)
    assert "no longer in Slack" in await _failed_without_a_call(tg)


async def test_a_link_from_the_api_is_passed_to_telegram_as_a_link(tg: TelegramLoop) -> None:
    conversation = await _customer_wrote(tg)
    link = "https://files.example.com/menu.pdf"
    [message] = await queue_reply(
        conversation,
        text=None,
        attachments=[ReplyAttachment("file", link, "menu.pdf")],
        agent="api",
        source="api",
    )
    settings = tg.loop.settings
    api = GraphClient(settings.meta_graph_url, apis=settings.api_urls)
    cipher = TokenCipher(settings.token_encryption_keys)
    try:
        [outbox] = await Outbox.filter(message_id=message.id)
        assert await deliver(outbox.id, graph=api, cipher=cipher, bus=None) == "sent"
    finally:
        await api.close()
    [document] = tg.botapi.called("sendDocument")
    assert document.params == {"chat_id": CUSTOMER, "document": link, "caption": "menu.pdf"}


async def test_an_edit_updates_the_stored_text_and_the_slack_post(tg: TelegramLoop) -> None:
    await _customer_wrote(tg)
    [post] = _thread(tg.loop)
    await tg.send(update("edited_message__text"))

    message = await Message.get()
    assert message.content == "Edited text"
    [edit] = tg.loop.slack.called("chat.update")
    assert edit.args["ts"] == post["ts"]
    assert edit.args["text"] == "Edited text _(edited)_"
    await tg.send(update("edited_message__text"))  # a retried edit changes nothing more
    assert len(tg.loop.slack.called("chat.update")) == 1


async def test_an_edited_caption_keeps_the_documents_filename_in_the_updated_post(
    tg: TelegramLoop,
) -> None:
    tg.botapi.files[FILE_PATH] = JPEG
    sent = update("message__document", caption="Q3 figures")
    await tg.send(sent)
    [post] = _thread(tg.loop)
    assert post["text"] == "Q3 figures\n_sent a file “TabFig2015prel.xls”_"

    edited = {"update_id": sent["update_id"] + 1, "edited_message": dict(sent["message"])}
    edited["edited_message"].update(caption="Q3 figures, corrected", edit_date=int(time.time()))
    await tg.send(edited)

    [edit] = tg.loop.slack.called("chat.update")
    assert edit.args["ts"] == post["ts"]
    assert edit.args["text"] == (
        "Q3 figures, corrected _(edited)_\n_sent a file “TabFig2015prel.xls”_"
    )
    assert len(tg.loop.slack.uploads) == 1  # the file already in the thread is not sent again


async def test_an_edited_reply_keeps_its_quote_in_the_updated_post(tg: TelegramLoop) -> None:
    await _customer_wrote(tg)
    sent = update("message__reply")
    await tg.send(sent)
    reply = _thread(tg.loop)[-1]
    assert reply["text"] == "_↩ in reply to “Hello World”_\n/start"

    edited = {"update_id": sent["update_id"] + 1, "edited_message": dict(sent["message"])}
    edited["edited_message"].update(text="/help", edit_date=int(time.time()))
    await tg.send(edited)

    [edit] = [c for c in tg.loop.slack.called("chat.update") if c.args["ts"] == reply["ts"]]
    assert edit.args["text"] == "_↩ in reply to “Hello World”_\n/help _(edited)_"


async def test_customer_reactions_become_slack_reactions(tg: TelegramLoop) -> None:
    await _customer_wrote(tg)
    [post] = _thread(tg.loop)
    await tg.send(update("message_reaction__private"))
    assert (await Message.get()).reaction == "🌭"
    assert tg.loop.slack.reactions[(CHANNEL, post["ts"])] == ["hotdog"]

    await tg.send(update("message_reaction__private_removed"))
    assert (await Message.get()).reaction is None
    assert tg.loop.slack.reactions[(CHANNEL, post["ts"])] == []


async def test_agent_reactions_reach_telegram_and_unknown_ones_are_ignored(
    tg: TelegramLoop,
) -> None:
    await _customer_wrote(tg)
    hello = await Message.get()

    await tg.loop.event(_slack_reaction("reaction_added", hello, "+1::skin-tone-3"))
    [react] = tg.botapi.called("setMessageReaction")
    assert react.params == {
        "chat_id": CUSTOMER,
        "message_id": 41,
        "reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    await tg.loop.event(_slack_reaction("reaction_removed", hello, "+1::skin-tone-3"))
    assert tg.botapi.called("setMessageReaction")[-1].params["reaction"] == []

    await tg.loop.event(_slack_reaction("reaction_added", hello, "sauropod"))
    assert len(tg.botapi.called("setMessageReaction")) == 2
    notes = [p["text"] for p in _thread(tg.loop) if "Reaction" in p["text"]]
    assert notes == []  # ignored without a word
    assert AGENT  # the agent of the loop's Slack workspace reacted
