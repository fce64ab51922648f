"""Schema versions: apply aerich migrations, and tell whether the database matches the code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

from aerich import Command
from aerich.models import Aerich
from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError, OperationalError

from inbox.db import MIGRATIONS_PACKAGE, MODELS_APP, forget_statements, tortoise_config


class SchemaError(RuntimeError):
    """The database's schema and this code do not match; the message says what to do."""


class SchemaBehindError(SchemaError):
    """The database lacks migrations this code needs."""


class SchemaNewerError(SchemaError):
    """The database was migrated by a newer cahts: this code does not know its schema."""


class MigrationsMissingError(SchemaError):
    """This install ships no migration files (a broken package): nothing could be applied."""


@contextmanager
def migrations_location() -> Iterator[Path]:
    """The folder that holds the `models` app's migration files (aerich's `location`)."""
    with as_file(files(MIGRATIONS_PACKAGE)) as folder:
        yield Path(folder)


def _is_step(name: str) -> bool:
    return name.endswith(".py") and name.split("_", 1)[0].isdigit()


def migration_files() -> list[str]:
    """Migration file names shipped with this code, oldest first; refuses an empty set."""
    folder = files(MIGRATIONS_PACKAGE).joinpath(MODELS_APP)
    names = [e.name for e in folder.iterdir() if _is_step(e.name)] if folder.is_dir() else []
    if not names:
        raise MigrationsMissingError(
            f"no migration files found in the package {MIGRATIONS_PACKAGE} ({folder}): "
            "this cahts install is incomplete; reinstall it"
        )
    return sorted(names, key=lambda name: int(name.split("_", 1)[0]))


async def applied_migrations() -> list[str]:
    """Migration file names recorded in the connected database (empty when none)."""
    try:
        versions = await Aerich.filter(app=MODELS_APP).values_list("version", flat=True)
    except OperationalError:
        return []
    return [str(v) for v in versions]


@dataclass(frozen=True, slots=True)
class SchemaState:
    """How the connected database's migrations compare with the ones this code ships."""

    pending: list[str]
    unknown: list[str]

    @property
    def current(self) -> bool:
        """Every shipped migration applied and none this code does not know."""
        return not self.pending and not self.unknown

    def describe(self) -> str:
        """The state in words, for /readyz and `cahts doctor`."""
        if self.unknown:
            return f"schema newer than this code ({len(self.unknown)} unknown migration(s))"
        if self.pending:
            return f"schema behind by {len(self.pending)} migration(s)"
        return "ok"


async def schema_state() -> SchemaState:
    """Compare the connected database with the shipped migrations."""
    shipped = migration_files()
    applied = await applied_migrations()
    known = set(shipped)
    done = set(applied)
    return SchemaState(
        pending=[name for name in shipped if name not in done],
        unknown=[name for name in applied if name not in known],
    )


async def pending_migrations() -> list[str]:
    """Shipped migrations the connected database has not applied yet."""
    return (await schema_state()).pending


async def ensure_current() -> None:
    """Refuse to run against a database whose schema is behind, or ahead of, this code."""
    state = await schema_state()
    if state.unknown:
        raise SchemaNewerError(
            f"the database schema is newer than this cahts (unknown migration(s): "
            f"{', '.join(state.unknown)}); run the cahts version that migrated it, or newer"
        )
    if state.pending:
        raise SchemaBehindError(
            f"the database schema is behind ({len(state.pending)} migration(s) pending: "
            f"{', '.join(state.pending)}); run `cahts migrate` first"
        )


async def migrate(database_url: str) -> list[str]:
    """Apply every pending migration in order; returns what was applied (empty = no-op).

    MigrationsMissingError when this install ships none: an empty list must mean "current".
    """
    migration_files()
    config = tortoise_config(database_url)
    with migrations_location() as location:
        command = Command(config, app=MODELS_APP, location=str(location))
        try:
            forget_statements()
            await Tortoise.init(config=config)
            await command.init()
            return await command.upgrade(run_in_transaction=True)
        except (OSError, DBConnectionError) as exc:
            raise ConnectionError(f"cannot reach the database: {exc}") from exc
        finally:
            await Tortoise.close_connections()
