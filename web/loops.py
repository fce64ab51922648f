"""The event loop `cahts serve` runs on: uvloop where it is installed, asyncio's on request.

uvloop runs the same aiohttp server and asyncpg connections for less CPU per request (the
ingest bench in docs/performance.md measured it); EVENT_LOOP=asyncio falls back to the
standard loop.
"""

from __future__ import annotations

import asyncio
import importlib.util

from inbox.settings import ConfigError, option

CHOICES = ("uvloop", "asyncio")


def loop_name() -> str:
    """The loop EVENT_LOOP asks for: uvloop (the default where installed) or asyncio."""
    wanted = (option("EVENT_LOOP") or "").lower()
    if wanted and wanted not in CHOICES:
        raise ConfigError(f"EVENT_LOOP must be one of {', '.join(CHOICES)}, not {wanted!r}")
    installed = importlib.util.find_spec("uvloop") is not None
    if wanted == "uvloop" and not installed:
        raise ConfigError("EVENT_LOOP=uvloop, but uvloop is not installed")
    if wanted == "asyncio" or not installed:
        return "asyncio"
    return "uvloop"


def new_event_loop(name: str) -> asyncio.AbstractEventLoop:
    """A new loop of the named kind."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()
