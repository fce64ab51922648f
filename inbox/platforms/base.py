"""The one shape every platform adapter has, and the registry that finds them."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import timedelta
from functools import cache
from typing import Any, Protocol, runtime_checkable

from inbox.platforms.events import Event
from inbox.platforms.outbound import OutboundMessage

_NOT_ADAPTERS = {"base", "events", "signature", "common", "outbound"}


@runtime_checkable
class PlatformAdapter(Protocol):
    """A platform: its name, the webhook `object` it sends, and a pure parser."""

    name: str
    webhook_object: str
    max_text_chars: int
    max_text_bytes: int | None
    extended_window: timedelta | None

    def parse(self, payload: Any) -> list[Event]:
        """Turn a verified webhook body into normalized events; PayloadError on a wrong shape."""
        ...

    def send_request(self, account_id: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
        """The Graph path and JSON body that send one message from this account."""
        ...

    def sent_message_id(self, response: dict[str, Any]) -> str | None:
        """The platform's id for the message just sent, from the send response."""
        ...

    def reaction_request(
        self, account_id: str, recipient_id: str, message_id: str, emoji: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """The Graph path and body that put `emoji` on a message (None: remove ours).

        None when the platform cannot show that reaction: the caller then does nothing.
        """
        ...


@cache
def adapters() -> dict[str, PlatformAdapter]:
    """Every adapter module in inbox/platforms, keyed by platform name."""
    import inbox.platforms as package

    found: dict[str, PlatformAdapter] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_ADAPTERS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        adapter = getattr(module, "ADAPTER", None)
        if isinstance(adapter, PlatformAdapter):
            found[adapter.name] = adapter
    return dict(sorted(found.items()))


def get_adapter(name: str) -> PlatformAdapter | None:
    """The adapter for a platform name, or None if there is no such platform."""
    return adapters().get(name)


def platform_names() -> tuple[str, ...]:
    """Names of all known platforms, sorted."""
    return tuple(adapters())
