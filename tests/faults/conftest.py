"""Fault tests: fresh databases named after each test, private PostgreSQL and Redis servers.

Sizes are small enough for CI (a few minutes for the whole folder); `bench/faults_*.py` runs
the same scenarios bigger. `CAHTS_FAULTS_REDIS_OUTAGE` sets the Redis outage (seconds).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.faults.ledger import recreate_database
from tests.faults.services import PrivatePostgres, PrivateRedis
from tests.helpers import require_tool

REDIS_OUTAGE_SECONDS = float(os.environ.get("CAHTS_FAULTS_REDIS_OUTAGE", "6"))


@pytest.fixture
async def fault_db(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the test server, named after the test database and this test."""
    suffix = request.node.name.removeprefix("test_")[:20].rstrip("_")
    return await recreate_database(f"{PG_URL}_{suffix}")


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, which it may stop and start."""
    require_tool(
        PrivatePostgres.available(), "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    )
    cluster = PrivatePostgres()
    cluster.init()
    cluster.start()
    yield cluster
    cluster.destroy(keep_log=tmp_path / "postgres.log")


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server of this test's own, which it may stop and start."""
    require_tool(PrivateRedis.available(), "redis-server is not installed")
    server = PrivateRedis(tmp_path / "redis")
    await server.start()
    yield server
    await server.stop()
