"""The daily digest: `/inbox digest` settings, and once per account per day into its channel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.reports.digest import run_digests
from bot.reports.tasks import slack_daily_digest
from inbox.models import PlatformAccount, SlackDigest, Workspace
from tests.bot.conftest import CHANNEL, Loop, settle
from tests.bot.slash import slash
from tests.bot.test_stats_command import png_size
from tests.factories import make_account, make_conversation, make_message
from tests.fakes.slack import Answer

WA_CHANNEL = "C0WHATSAPP"


def _noon() -> datetime:
    """Today at noon UTC: a run 30 minutes later is still today, whatever the clock says."""
    return datetime.combine(datetime.now(UTC).date(), time(12, 0), tzinfo=UTC)


async def _yesterday(loop: Loop) -> PlatformAccount:
    """Yesterday: two Messenger conversations (one answered in 4 min) and one WhatsApp."""
    day = datetime.now(UTC).date() - timedelta(days=1)
    at = datetime.combine(day, time(9, 0), tzinfo=UTC)
    whatsapp = await make_account(
        loop.workspace, "whatsapp", key=loop.settings.token_encryption_keys[0], name="Acme WA"
    )
    await PlatformAccount.filter(id=whatsapp.id).update(slack_channel=WA_CHANNEL)
    await PlatformAccount.filter(id=loop.account.id).update(name="Acme Shop")
    answered = await make_conversation(loop.account, "111")
    await make_message(answered, "hi", received_at=at)
    await make_message(answered, "hello!", incoming=False, received_at=at + timedelta(minutes=4))
    waiting = await make_conversation(loop.account, "222")
    await make_message(waiting, "anyone?", received_at=at + timedelta(hours=5))
    await make_message(await make_conversation(whatsapp, "333"), "hola", received_at=at)
    await Workspace.filter(id=loop.workspace.id).update(digest_enabled=True, digest_hour_utc=0)
    await PlatformAccount.all().update(created_at=at - timedelta(days=30))
    return whatsapp


def _comments(loop: Loop) -> dict[str, str]:
    """Each uploaded digest's text by channel."""
    return {
        c.args["channel_id"]: c.args["initial_comment"]
        for c in loop.slack.called("files.completeUploadExternal")
    }


async def test_the_digest_posts_once_per_account_into_its_channel(loop: Loop) -> None:
    await _yesterday(loop)

    # Two runs at once (two workers, or a repeated kick), then one more.
    await asyncio.gather(slack_daily_digest.kiq(), slack_daily_digest.kiq())
    await settle()
    await slack_daily_digest.kiq()
    await settle()

    assert sorted(u["channel"] for u in loop.slack.uploads) == [CHANNEL, WA_CHANNEL]
    for upload in loop.slack.uploads:
        assert upload["title"].startswith("cahts digest: Acme")
        assert png_size(upload["data"])[0] > 600
    shop = _comments(loop)[CHANNEL]
    assert shop.startswith("*Daily digest · Acme Shop (Messenger)")
    assert "• Messages: 2 in, 1 out" in shop
    assert "• 2 new conversations" in shop
    assert "• Median first response: 4 min" in shop
    assert "• Unanswered: 1 conversation" in shop
    wa = _comments(loop)[WA_CHANNEL]
    assert "Messages: 1 in, 0 out" in wa and "Median first response: n/a" in wa
    rows = await SlackDigest.all()
    assert [(r.status, r.attempts) for r in rows] == [("posted", 1), ("posted", 1)]


async def test_an_account_name_with_dollars_is_charted_literally(loop: Loop) -> None:
    await _yesterday(loop)
    name = "$x^2$ & $$"
    await PlatformAccount.filter(id=loop.account.id).update(name=name)

    posted = await run_digests(loop.settings, datetime.now(UTC))

    assert posted == 2
    titles = sorted(upload["title"] for upload in loop.slack.uploads)
    assert titles[0].startswith(f"cahts digest: {name} · ")
    assert png_size(loop.slack.uploads[0]["data"])[0] > 600
    comment = _comments(loop)[CHANNEL]
    assert comment.startswith("*Daily digest · $x^2$ &amp; $$ (Messenger)")  # mrkdwn-escaped


async def test_a_quiet_day_is_one_line_and_a_set_channel_takes_every_digest(loop: Loop) -> None:
    await Workspace.filter(id=loop.workspace.id).update(
        digest_enabled=True, digest_hour_utc=0, digest_channel="C0DIGEST"
    )
    await PlatformAccount.all().update(created_at=datetime.now(UTC) - timedelta(days=30))
    await make_account(  # connected today: it has no yesterday to report on
        loop.workspace, "instagram", key=loop.settings.token_encryption_keys[0]
    )

    posted = await run_digests(loop.settings, datetime.now(UTC))

    assert posted == 1
    assert loop.slack.uploads == []
    [post] = [c.args for c in loop.slack.called("chat.postMessage")]
    assert post["channel"] == "C0DIGEST"
    assert post["text"].endswith("A quiet day: no messages in or out.")


async def test_nothing_is_posted_before_the_hour_or_when_off(loop: Loop) -> None:
    await _yesterday(loop)
    await Workspace.filter(id=loop.workspace.id).update(digest_hour_utc=9)
    early = datetime.now(UTC).replace(hour=8, minute=59)

    assert await run_digests(loop.settings, early) == 0
    await Workspace.filter(id=loop.workspace.id).update(digest_enabled=False)
    assert await run_digests(loop.settings, early.replace(hour=10)) == 0
    assert loop.slack.called("files.getUploadURLExternal") == []
    assert loop.slack.called("chat.postMessage") == []
    assert await SlackDigest.all().count() == 0


async def test_a_channel_slack_refuses_is_not_retried_and_the_others_still_post(
    loop: Loop,
) -> None:
    await _yesterday(loop)
    loop.slack.script(
        "files.completeUploadExternal", Answer(200, {"ok": False, "error": "channel_not_found"})
    )
    now = _noon()  # a later run in this test must fall on the same day

    assert await run_digests(loop.settings, now) == 1
    assert await run_digests(loop.settings, now + timedelta(minutes=30)) == 0

    assert len(loop.slack.uploads) == 1
    statuses = sorted(await SlackDigest.all().values_list("status", "error"))
    assert statuses[0] == ("failed", "Slack refused: channel_not_found")
    assert statuses[1] == ("posted", None)


async def test_slack_down_is_retried_by_a_later_run(loop: Loop) -> None:
    await _yesterday(loop)
    await PlatformAccount.filter(platform="whatsapp").update(is_active=False)
    loop.slack.script(
        "files.completeUploadExternal", Answer(200, {"ok": False, "error": "internal_error"})
    )
    now = _noon()  # a later run in this test must fall on the same day

    assert await run_digests(loop.settings, now) == 0
    assert await run_digests(loop.settings, now + timedelta(minutes=10)) == 1

    [row] = await SlackDigest.all()
    assert (row.status, row.attempts) == ("posted", 2)


async def test_digest_command_shows_and_changes_the_setting(loop: Loop) -> None:
    loop.slack.channels["support-digest"] = "C0DIGEST9"

    said = [
        (await slash(loop, text))[0]["text"]
        for text in (
            "digest",
            "digest on 7 here",
            "digest on 18:00 <#C0OTHER123|general>",
            "digest on #support-digest",
            "digest on accounts",
            "digest off",
        )
    ]

    assert said[0].startswith("The daily digest is off.")
    assert said[1] == (
        "The daily digest is on: every day at 07:00 UTC, yesterday's chart and figures of "
        f"each account into <#{CHANNEL}>."
    )
    assert "at 18:00 UTC" in said[2] and "<#C0OTHER123>" in said[2]
    assert "at 18:00 UTC" in said[3] and "<#C0DIGEST9>" in said[3]
    assert said[4].endswith("into each account's channel.")
    assert said[5].startswith("The daily digest is off.")
    workspace = await Workspace.get(id=loop.workspace.id)
    assert (workspace.digest_enabled, workspace.digest_hour_utc, workspace.digest_channel) == (
        False,
        18,
        None,
    )


@pytest.mark.parametrize(
    "text",
    [
        "digest on 24",
        "digest on 9 10",
        "digest on here #other",
        "digest sometimes",
        "digest off now",
    ],
)
async def test_bad_digest_settings_get_the_usage_and_change_nothing(loop: Loop, text: str) -> None:
    answer, _ = await slash(loop, text)

    assert "Usage: `/inbox digest [on [HH] [here|#channel|accounts] | off]`" in answer["text"]
    workspace = await Workspace.get(id=loop.workspace.id)
    assert (workspace.digest_enabled, workspace.digest_hour_utc) == (False, 9)
