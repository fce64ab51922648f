"""The platforms cahts knows: one adapter instance each, listed here by hand."""

from __future__ import annotations

from functools import cache

from inbox.platforms import instagram, messenger, telegram, whatsapp
from inbox.platforms.base import PlatformAdapter

ADAPTERS: tuple[PlatformAdapter, ...] = (
    instagram.ADAPTER,
    messenger.ADAPTER,
    telegram.ADAPTER,
    whatsapp.ADAPTER,
)


@cache
def adapters() -> dict[str, PlatformAdapter]:
    """Every adapter, keyed by platform name, sorted by name."""
    return {adapter.name: adapter for adapter in sorted(ADAPTERS, key=lambda a: a.name)}


def get_adapter(name: str) -> PlatformAdapter | None:
    """The adapter for a platform name, or None if there is no such platform."""
    return adapters().get(name)


def platform_names() -> tuple[str, ...]:
    """Names of all known platforms, sorted."""
    return tuple(adapters())
