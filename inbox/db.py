"""Database wiring: the Tortoise config, connect/close, and the schema version check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise

from inbox.settings import DEFAULT_DATABASE_URL, Settings

MODELS_APP = "models"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _tortoise_url(database_url: str) -> str:
    """Tortoise's URL spelling: postgresql:// is accepted as postgres://."""
    if database_url.startswith("postgresql://"):
        return "postgres://" + database_url.removeprefix("postgresql://")
    return database_url


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for one database URL (our models + aerich's)."""
    return {
        "connections": {"default": _tortoise_url(database_url)},
        "apps": {
            MODELS_APP: {
                "models": ["inbox.models", "aerich.models"],
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


TORTOISE_ORM = tortoise_config(DEFAULT_DATABASE_URL)


async def connect(settings: Settings) -> None:
    """Open the database for this process (visible from every task)."""
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)


async def close() -> None:
    """Close this process's database connections."""
    await Tortoise.close_connections()
