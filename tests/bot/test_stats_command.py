"""`/inbox stats`: acked at once, then a worker task uploads the chart (files_upload_v2)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, time, timedelta

import pytest

from inbox.services.analytics import daily as analytics
from tests.bot.conftest import CHANNEL, Loop, settle
from tests.bot.slash import slash
from tests.factories import (
    make_account,
    make_conversation,
    make_installation,
    make_message,
    make_workspace,
)
from tests.fakes.slack import Answer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def _history(loop: Loop) -> None:
    """Three days of Messenger and WhatsApp traffic, aggregated as the hourly run would."""
    today = datetime.now(UTC).date()
    whatsapp = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0], name="WA"
    )
    for days_ago, (account, customer) in enumerate(
        [(loop.account, "111"), (whatsapp, "222"), (loop.account, "333")]
    ):
        asked = datetime.combine(today - timedelta(days=days_ago), time(0, 10), tzinfo=UTC)
        conversation = await make_conversation(account, customer)
        await make_message(conversation, "hi", received_at=asked)
        await make_message(conversation, "more", received_at=asked + timedelta(minutes=1))
        await make_message(
            conversation, "hello!", incoming=False, received_at=asked + timedelta(minutes=4)
        )
    await analytics.aggregate(today - timedelta(days=3), today + timedelta(days=1))


async def test_stats_acks_at_once_then_uploads_the_chart_into_the_channel(loop: Loop) -> None:
    await _history(loop)

    answer, took = await slash(loop, "stats 7d", wait=False)

    assert took < 3.0
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Drawing the chart of the last 7 days")
    await settle()
    [upload] = loop.slack.uploads
    assert upload["channel"] == CHANNEL
    width, height = png_size(upload["data"])
    assert width > 600 and height > 500
    assert upload["title"].startswith("cahts: Last 7 days")
    [done] = loop.slack.called("files.completeUploadExternal")
    comment = done.args["initial_comment"]
    assert "*Last 7 days" in comment
    assert "9 messages: 6 in, 3 out" in comment
    assert "3 new conversations" in comment
    assert "First response: median 4 min, 90% within 4 min" in comment
    assert loop.slack.responses == []


async def test_stats_of_one_platform_counts_only_that_platform(loop: Loop) -> None:
    await _history(loop)

    answer, _ = await slash(loop, "stats 30d whatsapp")

    assert "on WhatsApp" in answer["text"]
    [done] = loop.slack.called("files.completeUploadExternal")
    comment = done.args["initial_comment"]
    assert "WhatsApp" in comment.splitlines()[0]
    assert "3 messages: 2 in, 1 out" in comment
    assert "Unread now" not in comment


async def test_today_is_the_default_only_when_asked(loop: Loop) -> None:
    await _history(loop)

    answer, _ = await slash(loop, "stats today")

    assert answer["text"].startswith("Drawing the chart of today")
    [done] = loop.slack.called("files.completeUploadExternal")
    assert "3 messages: 2 in, 1 out" in done.args["initial_comment"]


@pytest.mark.parametrize(
    "text",
    ["stats yesterday", "stats 0d", "stats 400d", "stats 7d 30d", "stats messenger whatsapp"],
)
async def test_bad_arguments_get_the_usage_and_no_upload(loop: Loop, text: str) -> None:
    answer, _ = await slash(loop, text)

    usage = "Usage: `/inbox stats [today|7d|30d] [instagram|messenger|telegram|whatsapp]`"
    assert usage in answer["text"]
    assert answer["response_type"] == "ephemeral"
    assert loop.slack.uploads == []
    assert loop.slack.called("files.getUploadURLExternal") == []


async def test_a_channel_the_bot_is_not_in_is_explained_to_the_caller(loop: Loop) -> None:
    loop.slack.script(
        "files.completeUploadExternal", Answer(200, {"ok": False, "error": "not_in_channel"})
    )

    await slash(loop, "stats", channel="C0PRIVATE")

    assert loop.slack.uploads == []
    [told] = loop.slack.responses
    assert told["response_type"] == "ephemeral"
    assert "invite me first" in told["text"]


async def test_each_team_gets_its_own_workspaces_figures(loop: Loop) -> None:
    await _history(loop)
    bravo = await make_workspace("Bravo")
    await make_installation(
        bravo, "T0BRAVO", "xoxb-bravo", key=loop.settings.token_encryption_keys[0]
    )
    loop.slack.teams["xoxb-bravo"] = "T0BRAVO"

    await slash(loop, "stats 30d", team="T0BRAVO", channel="C0BRAVO")

    [done] = loop.slack.called("files.completeUploadExternal")
    assert done.token == "xoxb-bravo" and done.args["channel_id"] == "C0BRAVO"
    assert "0 messages: 0 in, 0 out" in done.args["initial_comment"]


async def test_a_later_workspace_does_not_change_which_one_the_token_reports(loop: Loop) -> None:
    await _history(loop)
    await make_workspace("Another")  # e.g. a stranger's, with ALLOW_SIGNUP on

    await slash(loop, "stats 30d")

    [done] = loop.slack.called("files.completeUploadExternal")
    assert done.args["channel_id"] == CHANNEL
    assert "9 messages: 6 in, 3 out" in done.args["initial_comment"]  # the first workspace
