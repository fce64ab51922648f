"""`cahts doctor` as an operator runs it, against real PostgreSQL and Redis and the local fake
Graph API and Slack: a checklist, a fix for each failure, and a failing exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox import schema
from tests.conftest import PG_URL, REDIS_URL, _recreate_database, cahts_env
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.processes import run_async
from tests.services.test_token_care import APP_ID, OUR_APP, debug_token, subscribed, valid

DOCTOR_DB = PG_URL + "_doctor"
PAGE = "104578291736452"


@pytest.fixture
async def slack() -> FakeSlack:
    """A local fake Slack Web API."""
    fake = await FakeSlack().start()
    yield fake  # type: ignore[misc]
    await fake.close()


async def _fresh(migrated: bool) -> None:
    await _recreate_database(DOCTOR_DB)
    if migrated:
        await schema.migrate(DOCTOR_DB)


def _env(graph: FakeGraph, slack: FakeSlack, **extra: str) -> dict[str, str]:
    env = cahts_env(
        DOCTOR_DB,
        REDIS_URL=REDIS_URL,
        META_APP_ID=APP_ID,
        META_GRAPH_URL=graph.url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="slack-signing-secret",
        SLACK_API_URL=slack.api_url,
        SLACK_CHANNEL="C0SUPPORT",
        PUBLIC_URL="https://inbox.example.com",
        METRICS_TOKEN="scrape-me-please",
    )
    return {**env, **extra}


async def _add_account(env: dict[str, str], cwd: Path, channel: str) -> None:
    status, _, err = await run_async(
        ["account", "add", "--platform", "messenger", "--external-id", PAGE, "--name", "Shop",
         "--token", "EAA-shop-token", "--slack-channel", channel],
        env, cwd,
    )  # fmt: skip
    assert status == 0, err


async def test_everything_configured_and_reachable_passes(
    graph: FakeGraph, slack: FakeSlack, tmp_path: Path
) -> None:
    await _fresh(migrated=True)
    env = _env(graph, slack)
    await _add_account(env, tmp_path, "C0SHOP")
    debug_token(graph, {"EAA-shop-token": valid(None)})
    subscribed(graph, OUR_APP)
    status, out, err = await run_async(["doctor"], env, tmp_path)
    assert status == 0, out + err
    assert "[FAIL]" not in out
    for line in (
        "[ok]   database: PostgreSQL",
        "[ok]   schema: current",
        "[ok]   Redis: answers",
        "[ok]   PUBLIC_URL: https://inbox.example.com",
        "[ok]   account messenger Shop: token valid, webhooks subscribed",
        "[ok]   Slack channel C0SHOP",
        "[ok]   Slack channel C0SUPPORT",
        "messenger: https://inbox.example.com/api/webhooks/messenger",
    ):
        assert line in out, out
    assert "EAA-shop-token" not in out + err
    assert slack.called("auth.test") and slack.called("conversations.info")


async def test_each_failure_is_listed_with_its_fix(
    graph: FakeGraph, slack: FakeSlack, tmp_path: Path
) -> None:
    await _fresh(migrated=True)
    env = _env(graph, slack, PUBLIC_URL="http://localhost:8000")
    await _add_account(env, tmp_path, "C0OUTSIDE")
    slack.outside_channels.add("C0OUTSIDE")
    debug_token(graph, {"EAA-shop-token": {"is_valid": False, "error": {"message": "expired"}}})
    status, out, _ = await run_async(["doctor"], env, tmp_path)
    assert status == 1
    lines = out.splitlines()

    def fix_of(start: str) -> str:
        index = next(i for i, line in enumerate(lines) if line.startswith(start))
        assert lines[index + 1].strip().startswith("fix:"), lines[index : index + 2]
        return lines[index + 1]

    assert "https://" in fix_of("[FAIL] PUBLIC_URL: http://localhost:8000 is not https")
    assert "reconnect" in fix_of("[FAIL] account messenger Shop: its access token")
    assert "/invite @cahts" in fix_of("[FAIL] Slack channel C0OUTSIDE")


async def test_schema_missing_and_redis_down_say_what_to_run(
    graph: FakeGraph, slack: FakeSlack, tmp_path: Path
) -> None:
    await _fresh(migrated=False)
    env = _env(graph, slack, REDIS_URL="redis://127.0.0.1:1/0", META_APP_SECRET="")
    status, out, _ = await run_async(["doctor"], env, tmp_path)
    assert status == 1
    assert "[FAIL] Meta webhooks: META_APP_SECRET is not set" in out
    assert "[FAIL] schema: schema behind by" in out
    assert "fix: run `cahts migrate`" in out
    assert "[FAIL] Redis: does not answer" in out


async def test_unreachable_database_fails_with_the_place_it_looked(
    graph: FakeGraph, slack: FakeSlack, tmp_path: Path
) -> None:
    env = _env(graph, slack, DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing")
    status, out, err = await run_async(["doctor"], env, tmp_path)
    assert status == 1
    assert "[FAIL] database: PostgreSQL postgres@127.0.0.1:1/nothing cannot be reached" in out
    assert "Traceback" not in err


async def test_embedded_doctor_creates_no_database(tmp_path: Path) -> None:
    status, out, _ = await run_async(["doctor"], {"META_APP_SECRET": "s"}, tmp_path)
    data = tmp_path / ".local" / "share" / "cahts"
    assert f"[warn] database: SQLite file {data / 'cahts.db'} does not exist yet" in out
    assert not (data / "cahts.db").exists()
    assert status == 0, out
