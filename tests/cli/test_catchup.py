"""`cahts sync`, `cahts backfill` and `cahts replay`, run as a user runs them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from inbox.cli.catchup import parse_since
from inbox.cli.common import CommandError
from inbox.models import Analytics, Message, PlatformAccount, WebhookLog
from inbox.services.ingest.pipeline import ingest
from inbox.settings import Settings
from tests.conftest import cahts_env
from tests.factories import make_account, make_workspace
from tests.fakes.graph import FakeGraph, conversations_page
from tests.helpers import load_fixture
from tests.processes import run_async

PAGE = "104578291736452"


async def cahts(settings: Settings, cwd: Path, *args: str) -> tuple[int, str, str]:
    """Run the console script (the loop keeps serving the fake Graph API meanwhile)."""
    env = cahts_env(settings.database_url, META_GRAPH_URL=settings.meta_graph_url)
    return await run_async(list(args), env, cwd)


async def test_sync_reports_each_account(
    database: Settings, graph: FakeGraph, tmp_path: Path
) -> None:
    workspace = await make_workspace()
    key = database.token_encryption_keys[0]
    await make_account(workspace, "messenger", key=key, name="Acme Shop")
    await make_account(workspace, "whatsapp", key=key, name="Acme Phone")
    graph.serve_pages("/conversations", conversations_page(PAGE, "7349205816634201", "m_MISSED"))

    status, out, err = await cahts(database, tmp_path, "sync")

    assert status == 0, err
    assert f"messenger Acme Shop ({PAGE}): 1 new, 0 already stored, 1 conversations" in out
    assert "whatsapp Acme Phone (106540352242922): not supported: whatsapp has no history" in out
    assert (await Message.get()).platform_message_id == "m_MISSED"

    status, out, _ = await cahts(database, tmp_path, "sync", PAGE)
    assert status == 0
    assert "0 new, 1 already stored" in out
    assert await Message.all().count() == 1


async def test_sync_failures_and_unknown_accounts_exit_non_zero(
    database: Settings, graph: FakeGraph, tmp_path: Path
) -> None:
    workspace = await make_workspace()
    await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    # No conversations route: the fake answers 404 with a Graph error.
    status, out, err = await cahts(database, tmp_path, "sync")
    assert status == 1
    assert "failed:" in out
    assert "1 of 1 account(s) could not be synced" in err

    status, _, err = await cahts(database, tmp_path, "sync", "no-such-account")
    assert status == 1
    assert "no account 'no-such-account'" in err


async def test_backfill_shows_progress_and_recomputes_analytics(
    database: Settings, graph: FakeGraph, tmp_path: Path
) -> None:
    workspace = await make_workspace()
    account = await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    graph.serve_pages(
        "/conversations",
        load_fixture("graph", "messenger_conversations_page1"),
        load_fixture("graph", "messenger_conversations_page2"),
        {"data": [], "paging": {"cursors": {"after": "END"}}},
    )

    status, out, err = await cahts(database, tmp_path, "backfill", str(account.id), "--days", "365")

    assert status == 0, err
    lines = out.splitlines()
    assert any(
        line.endswith(
            "% 6 new, 0 already stored, 2 conversations, 1 page; back to 2026-07-29 07:50"
        )
        for line in lines
    ), out
    assert any(line.startswith("100% 8 new") for line in lines), out
    assert "backfill over 365 day(s): 8 new, 0 already stored, 4 conversations, 3 pages" in out
    assert "analytics recomputed" in out
    assert await Message.filter(source="backfill").count() == 8
    row = await Analytics.get(date=date(2026, 7, 29), platform="messenger")
    assert (row.messages_in, row.messages_out) == (5, 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backfill", PAGE, "--days", "0"], "must be a whole number of days from 1 to 365"),
        (["backfill", PAGE, "--days", "lots"], "must be a whole number of days from 1 to 365"),
        (["replay", "--since", "last tuesday"], "neither a date/time"),
    ],
)
async def test_bad_arguments_are_refused_clearly(
    database: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    status, _, err = await cahts(database, tmp_path, *args)
    assert status in (1, 2)
    assert message in err
    assert "Traceback" not in err


async def test_replay_catches_up_on_skipped_bodies_once(database: Settings, tmp_path: Path) -> None:
    await ingest("messenger", load_fixture("messenger", "text"))  # the Page is not connected yet
    await WebhookLog.create(platform="messenger", payload={"object": "user"}, processed=True)
    assert (await WebhookLog.get(payload__contains={"object": "page"})).error
    workspace = await make_workspace()
    await make_account(workspace, "messenger", key=database.token_encryption_keys[0])

    status, out, err = await cahts(database, tmp_path, "replay", "--failed")
    assert status == 0, err
    assert "replayed 1 bodies: 1 new messages, 0 already stored" in out

    status, out, _ = await cahts(database, tmp_path, "replay", "--failed")
    assert "no webhook bodies match" in out

    status, out, _ = await cahts(database, tmp_path, "replay", "--since", "1h")
    assert "replayed 2 bodies: 0 new messages, 1 already stored" in out
    assert "unreadable:" in out
    assert await Message.all().count() == 1
    unreadable = await WebhookLog.get(payload__contains={"object": "user"})
    assert (unreadable.processed, "cannot be parsed" in (unreadable.error or "")) == (False, True)
    assert await PlatformAccount.all().count() == 1


def test_since_accepts_dates_times_and_ages() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert parse_since("2026-11-20") == datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_since("2026-11-20T10:30+02:00") == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert parse_since("2026-11-20T10:30Z") == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    assert parse_since("12h", now) == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    assert parse_since("30m", now) == datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    with pytest.raises(CommandError):
        parse_since("soon")
