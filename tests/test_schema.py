"""Migrations and models agree, on PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise

from inbox import schema
from inbox.db import forget_statements, tortoise_config
from tests.conftest import PG_URL, _recreate_database


def _model_columns() -> dict[str, set[str]]:
    """Every model's table and columns, as Tortoise maps them."""

    async def collect() -> dict[str, set[str]]:
        forget_statements()
        await Tortoise.init(config=tortoise_config("sqlite://:memory:"))
        try:
            return {
                model._meta.db_table: set(model._meta.fields_db_projection.values())
                for model in Tortoise.apps["models"].values()
            }
        finally:
            await Tortoise.close_connections()

    return asyncio.run(collect())


def _pg_columns(url: str) -> dict[str, set[str]]:
    async def read() -> dict[str, set[str]]:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public'"
            )
        finally:
            await conn.close()
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(row["table_name"], set()).add(row["column_name"])
        return found

    return asyncio.run(read())


def _sqlite_columns(path: Path) -> dict[str, set[str]]:
    import sqlite3

    db = sqlite3.connect(path)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: {r[1] for r in db.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def _assert_covers(found: dict[str, set[str]]) -> None:
    for table, columns in _model_columns().items():
        assert table in found, f"migrations never create {table}"
        missing = columns - found[table]
        assert not missing, f"{table} lacks {sorted(missing)} after migrating"


def test_migrated_postgres_has_every_model_column() -> None:
    url = PG_URL + "_schema"
    asyncio.run(_recreate_database(url))
    applied = asyncio.run(schema.migrate(url))
    assert applied == schema.migration_files()
    assert asyncio.run(schema.migrate(url)) == []
    _assert_covers(_pg_columns(url))


def test_migrated_sqlite_has_every_model_column(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'x.db'}"
    assert asyncio.run(schema.migrate(url)) == schema.migration_files()
    assert asyncio.run(schema.migrate(url)) == []
    _assert_covers(_sqlite_columns(tmp_path / "x.db"))


@pytest.mark.parametrize("name", schema.migration_files())
def test_each_migration_has_sql_for_both_dialects(name: str) -> None:
    with schema.migrations_location() as location:
        text = (location / "models" / name).read_text()
    assert "POSTGRES" in text
    assert "SQLITE" in text
    assert "async def upgrade" in text


def test_migrations_ship_inside_the_package_only() -> None:
    """A migration added beside the source tree (the old place) would never be installed."""
    root = Path(__file__).resolve().parents[1]
    assert not (root / "migrations").exists()
    with schema.migrations_location() as location:
        assert location.is_relative_to(root / "inbox")


def test_migrate_without_migration_files_fails_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "MIGRATIONS_PACKAGE", "tests.fakes")  # a package with none
    url = f"sqlite://{tmp_path / 'x.db'}"
    with pytest.raises(schema.MigrationsMissingError, match="no migration files found"):
        asyncio.run(schema.migrate(url))
    assert not (tmp_path / "x.db").exists(), "nothing was created"


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'x.db'}"
    asyncio.run(schema.migrate(url))

    async def check() -> None:
        forget_statements()
        await Tortoise.init(config=tortoise_config(url))
        try:
            conn = Tortoise.get_connection("default")
            await conn.execute_query(
                "INSERT INTO aerich (version, app, content) VALUES (?, 'models', '{}')",
                ["99_20991231_future.py"],
            )
            with pytest.raises(schema.SchemaNewerError, match=r"99_20991231_future\.py"):
                await schema.ensure_current()
        finally:
            await Tortoise.close_connections()

    asyncio.run(check())
