"""/readyz answers 503 while the schema is missing, behind, or newer than the code."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from inbox import schema
from inbox.settings import load_settings
from tests.conftest import PG_URL, _recreate_database, cahts_env
from web.app import create_app

URL = PG_URL + "_readiness"


async def _execute(sql: str) -> None:
    conn = await asyncpg.connect(URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def ready_client(aiohttp_client: object) -> AsyncIterator[TestClient]:
    """The app on a freshly migrated database of its own."""
    await _recreate_database(URL)
    await schema.migrate(URL)
    yield await aiohttp_client(create_app(load_settings(cahts_env(URL), read_dotenv=False)))  # type: ignore[operator]


async def _database_check(client: TestClient) -> tuple[int, str]:
    response = await client.get("/readyz")
    return response.status, (await response.json())["checks"]["database"]


async def test_current_schema_is_ready(ready_client: TestClient) -> None:
    assert await _database_check(ready_client) == (200, "ok")


async def test_schema_behind_is_not_ready(ready_client: TestClient) -> None:
    last = schema.migration_files()[-1]
    await _execute(f"DELETE FROM aerich WHERE version = '{last}'")  # noqa: S608
    assert await _database_check(ready_client) == (503, "schema behind by 1 migration(s)")


async def test_schema_missing_is_not_ready(ready_client: TestClient) -> None:
    await _execute("DROP TABLE aerich")
    status, check = await _database_check(ready_client)
    assert status == 503
    assert check == f"schema behind by {len(schema.migration_files())} migration(s)"


async def test_schema_newer_than_the_code_is_not_ready(ready_client: TestClient) -> None:
    await _execute(
        "INSERT INTO aerich (version, app, content)"
        " VALUES ('99_20991231_future.py', 'models', '{}')"
    )
    status, check = await _database_check(ready_client)
    assert status == 503
    assert check == "schema newer than this code (1 unknown migration(s))"
