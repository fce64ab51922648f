"""What every subcommand shares: settings, a database session, and clean failures."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NoReturn

from inbox import db, schema
from inbox.settings import Settings


class CommandError(Exception):
    """A user-facing failure: printed as `cahts: error: …`, exit status 1."""


def fail(message: str, status: int = 1) -> NoReturn:
    """Print an error the way argparse does and exit."""
    print(f"cahts: error: {message}", file=sys.stderr)
    raise SystemExit(status)


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    """Open the database for a command; SQLite is migrated, PostgreSQL must be current."""
    try:
        if settings.is_sqlite:
            await schema.migrate(settings.database_url)
        await db.connect(settings)
    except (OSError, ConnectionError) as exc:
        raise CommandError(f"cannot reach the database: {exc}") from exc
    try:
        await schema.ensure_current()
        yield
    except schema.SchemaBehindError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        await db.close()
