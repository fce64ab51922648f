"""Schema versions: apply aerich migrations, and tell whether the database is behind."""

from __future__ import annotations

from aerich import Command
from aerich.models import Aerich
from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError, OperationalError

from inbox.db import MIGRATIONS_DIR, MODELS_APP, forget_statements, tortoise_config


class SchemaBehindError(RuntimeError):
    """The database lacks migrations this code needs."""


def migration_files() -> list[str]:
    """Migration file names shipped with this code, oldest first."""
    folder = MIGRATIONS_DIR / MODELS_APP
    names = [p.name for p in folder.glob("*.py") if p.name.split("_", 1)[0].isdigit()]
    return sorted(names, key=lambda name: int(name.split("_", 1)[0]))


async def applied_migrations() -> list[str]:
    """Migration file names recorded in the connected database (empty when none)."""
    try:
        versions = await Aerich.filter(app=MODELS_APP).values_list("version", flat=True)
    except OperationalError:
        return []
    return [str(v) for v in versions]


async def pending_migrations() -> list[str]:
    """Shipped migrations the connected database has not applied yet."""
    applied = set(await applied_migrations())
    return [name for name in migration_files() if name not in applied]


async def ensure_current() -> None:
    """Refuse to run against a database whose schema is behind this code."""
    pending = await pending_migrations()
    if pending:
        raise SchemaBehindError(
            f"the database schema is behind ({len(pending)} migration(s) pending: "
            f"{', '.join(pending)}); run `cahts migrate` first"
        )


async def migrate(database_url: str) -> list[str]:
    """Apply every pending migration in order; returns what was applied (empty = no-op)."""
    config = tortoise_config(database_url)
    command = Command(config, app=MODELS_APP, location=str(MIGRATIONS_DIR))
    try:
        forget_statements()
        await Tortoise.init(config=config)
        await command.init()
        return await command.upgrade(run_in_transaction=True)
    except (OSError, DBConnectionError) as exc:
        raise ConnectionError(f"cannot reach the database: {exc}") from exc
    finally:
        await Tortoise.close_connections()
