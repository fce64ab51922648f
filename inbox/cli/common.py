"""What every subcommand shares: settings, a database session, and clean failures."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn

from inbox import db, schema
from inbox.settings import Settings, sqlite_path


class CommandError(Exception):
    """A user-facing failure: printed as `cahts: error: …`, exit status 1."""


def fail(message: str, status: int = 1) -> NoReturn:
    """Print an error the way argparse does and exit."""
    print(f"cahts: error: {message}", file=sys.stderr)
    raise SystemExit(status)


def new_database_notice(settings: Settings) -> list[str]:
    """What to tell the operator when this SQLite file does not exist yet (empty otherwise)."""
    path = sqlite_path(settings.database_url) if settings.is_sqlite else None
    if path is None or path.exists():
        return []
    lines = [
        f"creating a new database: {path} (CAHTS_DATA_DIR or DATABASE_URL choose another place)"
    ]
    legacy = Path.cwd() / "cahts.db"
    if legacy.exists() and legacy.resolve() != path.resolve():
        lines.append(
            f"{legacy} is not used: the embedded data lives in {path.parent}; move cahts.db "
            "and cahts.db.secrets.json there, or set CAHTS_DATA_DIR to their folder"
        )
    return lines


def announce_new_database(settings: Settings) -> None:
    """Say on stderr which database a command is about to create, if it creates one."""
    for line in new_database_notice(settings):
        print(f"cahts: {line}", file=sys.stderr)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    """Open the database for a command; SQLite is migrated, PostgreSQL must be current."""
    announce_new_database(settings)
    try:
        if settings.is_sqlite:
            await schema.migrate(settings.database_url)
        await db.connect(settings)
    except (OSError, ConnectionError) as exc:
        raise CommandError(f"cannot reach the database: {exc}") from exc
    except schema.SchemaError as exc:
        raise CommandError(str(exc)) from exc
    try:
        await schema.ensure_current()
        yield
    except schema.SchemaError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        await db.close()
