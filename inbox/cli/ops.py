"""`cahts migrate|genkey`: the schema and the keys (`worker` and `scheduler` live in web/cli.py)."""

from __future__ import annotations

import argparse
import asyncio

from cryptography.fernet import Fernet

from inbox.cli.common import CommandError, announce_new_database
from inbox.schema import SchemaError, migrate, migration_files
from inbox.settings import Settings, describe_database


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    announce_new_database(settings)
    print(f"database: {describe_database(settings)}")
    try:
        applied = asyncio.run(migrate(settings.database_url))
    except (ConnectionError, SchemaError) as exc:
        raise CommandError(str(exc)) from exc
    if applied:
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print(f"database schema is current ({len(migration_files())} migrations); nothing to apply")


def _genkey(args: argparse.Namespace, settings: Settings | None) -> None:
    print(Fernet.generate_key().decode())


def register(commands: argparse._SubParsersAction) -> None:
    """Add the operational subcommands."""
    parser = commands.add_parser("migrate", help="bring the database schema up to date")
    parser.set_defaults(handler=_migrate)

    parser = commands.add_parser("genkey", help="print a new key for TOKEN_ENCRYPTION_KEYS")
    parser.set_defaults(handler=_genkey, needs_settings=False)
