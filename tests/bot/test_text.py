"""Pure text helpers: Slack escaping, internal notes, Slack markup to what a customer reads."""

from __future__ import annotations

import pytest

from bot.replies.send import attachment_type, ignore_reason
from bot.thread.text import escape, mentioned_users, snippet, strip_notes, to_customer_text


def test_escape_only_the_three_markup_characters() -> None:
    assert escape("1 < 2 & 3 > 2 *bold* _it_") == "1 &lt; 2 &amp; 3 &gt; 2 *bold* _it_"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("note: for the team\nHello", "Hello"),
        ("Hello\n  // internal\nBye", "Hello\nBye"),
        ("NOTE: shouting internally", ""),
        ("notes are fine mid-line: note: here", "notes are fine mid-line: note: here"),
        ("see https://example.com//path", "see https://example.com//path"),
    ],
)
def test_note_lines_are_removed(text: str, expected: str) -> None:
    assert strip_notes(text) == expected


@pytest.mark.parametrize(
    ("slack", "customer"),
    [
        ("a &lt;b&gt; &amp;amp;", "a <b> &amp;"),
        ("<https://shop.example/x|the shop>", "the shop (https://shop.example/x)"),
        ("<https://shop.example/x>", "https://shop.example/x"),
        ("<https://shop.example/x|shop.example/x>", "https://shop.example/x"),
        ("<mailto:help@shop.example|help@shop.example>", "help@shop.example"),
        ("ask <@U0AGENT01>", "ask @Ana Agent"),
        ("ask <@U0OTHER>", "ask @teammate"),
        ("in <#C0SUPPORT|support>", "in #support"),
        ("<!here> hi", "@here hi"),
        (":+1::skin-tone-3: :tada: :no-such-emoji:", "👍🏼 🎉 :no-such-emoji:"),
        ("<https://x.example/a:b:c|link>", "link (https://x.example/a:b:c)"),
        ("at 10:30:45", "at 10:30:45"),
    ],
)
def test_slack_markup_becomes_plain_text(slack: str, customer: str) -> None:
    assert to_customer_text(slack, {"U0AGENT01": "Ana Agent"}) == customer


def test_mentions_are_listed_once_in_order() -> None:
    assert mentioned_users("<@U2> and <@U1|x> and <@U2>") == ["U2", "U1"]


def test_snippet_is_one_short_line() -> None:
    assert snippet("a\nb   c") == "a b c"
    assert snippet("x" * 100, 10) == "xxxxxxxxx…"


@pytest.mark.parametrize(
    ("mimetype", "kind"),
    [("image/png", "image"), ("video/mp4", "video"), ("audio/ogg", "audio"), (None, "file")],
)
def test_slack_files_map_to_platform_attachment_types(mimetype: str | None, kind: str) -> None:
    assert attachment_type(mimetype) == kind


def test_only_human_thread_replies_qualify() -> None:
    reply = {"type": "message", "user": "U1", "channel": "C1", "ts": "2.0", "thread_ts": "1.0"}
    assert ignore_reason(reply) is None
    assert ignore_reason(reply | {"subtype": "file_share"}) is None
    assert ignore_reason(reply | {"subtype": "message_changed"}) == (
        "subtype message_changed is never sent"
    )
    assert ignore_reason(reply | {"thread_ts": "2.0"}) == "a thread's root message"
    assert ignore_reason(reply | {"bot_id": "B1"}) == "posted by a bot"
    assert ignore_reason({k: v for k, v in reply.items() if k != "user"}) == "no user"
