"""Shared fixtures: real PostgreSQL and Redis, the app under test, signed webhooks."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet

from inbox import db, schema
from inbox.settings import Settings, load_settings
from tests.fakes.graph import FakeGraph
from tests.fakes.internal import Internal
from web.app import create_app

pytest_plugins = ("tests.browser_fixtures",)


def for_worker(database_url: str, redis_url: str, worker: str) -> tuple[str, str]:
    """The database and Redis db of one pytest-xdist worker ("gw0", "gw1", …; "" alone).

    Workers run side by side, so each has its own database (`<name>_gw1`) and Redis db
    (the given one, then the ones below it).
    """
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return database_url, redis_url
    index = int(worker[2:])
    parts = urlsplit(redis_url)
    db = int(parts.path.strip("/") or 0)
    db = db - index if db - index >= 0 else db + index
    return f"{database_url}_{worker}", urlunsplit(parts._replace(path=f"/{db}"))


PG_URL, REDIS_URL = for_worker(
    os.environ.get("CAHTS_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cahts_test"),
    os.environ.get("CAHTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    os.environ.get("PYTEST_XDIST_WORKER", ""),
)
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
FERNET_KEY = Fernet.generate_key().decode()
# No test starts this close to midnight UTC: what a test and the server call "today" agree.
MIDNIGHT_MARGIN = timedelta(seconds=90)
TABLES = (
    "outbox",
    "messages",
    "conversations",
    "analytics",
    "platform_accounts",
    "refresh_tokens",
    "oauth_states",
    "invites",
    "users",
    "workspaces",
    "webhook_logs",
    "login_attempts",
    "slack_events",
    "slack_installations",
    "slack_digests",
)


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), name


async def _recreate_database(url: str) -> None:
    admin, name = _admin_url(url)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def cahts_env(database_url: str = PG_URL, **extra: str) -> dict[str, str]:
    """Environment for a cahts process under test."""
    env = {
        "DATABASE_URL": database_url,
        "JWT_SECRET": "j" * 48,
        "TOKEN_ENCRYPTION_KEYS": FERNET_KEY,
        "META_APP_SECRET": APP_SECRET,
        "META_VERIFY_TOKEN": VERIFY_TOKEN,
        # The embedded scheduler fires by the wall clock (a sync every 5 minutes): only the
        # tests of the scheduler turn it on, so no other test sees its work at a random time.
        "IN_PROCESS_SCHEDULER": "false",
        # No test reaches the real Bot API: a closed local port unless a test sets its fake.
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
    }
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def pg_database() -> str:
    """A fresh, migrated PostgreSQL test database for the session."""
    asyncio.run(_recreate_database(PG_URL))
    asyncio.run(schema.migrate(PG_URL))
    return PG_URL


async def truncate(url: str = PG_URL) -> None:
    """Empty every table of the test database."""
    conn = await asyncpg.connect(urlunsplit(urlsplit(url)._replace(scheme="postgresql")))
    try:
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    """A local fake Graph API."""
    fake = await FakeGraph().start()
    yield fake
    await fake.close()


@pytest.fixture
async def internal() -> AsyncIterator[Internal]:
    """A local server standing in for an internal service (it must never be reached)."""
    fake = await Internal().start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(pg_database: str, graph: FakeGraph) -> Settings:
    """Settings pointing at the PostgreSQL test database and the fake Graph API."""
    return load_settings(cahts_env(pg_database, META_GRAPH_URL=graph.url), read_dotenv=False)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    """An empty PostgreSQL database, connected for this test."""
    await truncate(settings.database_url)
    await db.connect(settings)
    yield settings
    await db.close()


@pytest.fixture
async def client(settings: Settings, aiohttp_client: object) -> AsyncIterator[TestClient]:
    """The whole app on an empty PostgreSQL database; models are usable from the test."""
    await truncate(settings.database_url)
    yield await aiohttp_client(create_app(settings))  # type: ignore[operator]


def wait_past_midnight(now: datetime | None = None) -> float:
    """Seconds to wait so that a test starting now runs within one UTC day."""
    now = now or datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    left = midnight - now
    return left.total_seconds() + 1 if left < MIDNIGHT_MARGIN else 0.0


@pytest.fixture(autouse=True)
def one_utc_day() -> None:
    """Analytics, digests and stats count by UTC day, in the test and in the server alike:
    a test that would start in the last 90 s of a day waits for the next one instead."""
    wait = wait_past_midnight()
    if wait:
        time.sleep(wait)


@pytest.fixture(autouse=True)
def private_data_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform's user data folder (CAHTS_DATA_DIR's default) is a fresh one per test,
    never the real user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


@pytest.fixture
def tmp_cwd(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Run a test in an empty working directory."""
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    yield tmp_path
