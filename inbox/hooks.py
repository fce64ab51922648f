"""Who listens in this process after a commit: chosen by the composition root, never at import."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox.event_sources import ChangeFacts
    from inbox.events import AccountAttention
    from inbox.services.ingest.items import IngestResult

log = logging.getLogger(__name__)

StoreHook = Callable[["IngestResult"], Awaitable[None]]
ChangeHook = Callable[["ChangeFacts"], Awaitable[None]]
AttentionHook = Callable[["AccountAttention"], Awaitable[None]]


@dataclass(slots=True)
class Hooks:
    """Local listeners run after commit; a failing one is logged, since the data is durable."""

    after_store: list[StoreHook] = field(default_factory=list)
    after_change: list[ChangeHook] = field(default_factory=list)
    on_attention: list[AttentionHook] = field(default_factory=list)

    async def stored(self, result: IngestResult) -> None:
        """Run the after-store hooks on what one body (or sync page) stored."""
        await _run(self.after_store, result, "after-store")

    async def changed(self, change: ChangeFacts) -> None:
        """Run the after-change hooks on a committed conversation change."""
        await _run(self.after_change, change, "conversation change")

    async def attention(self, event: AccountAttention) -> None:
        """Run the hooks that tell people an account needs attention (or is fine again)."""
        await _run(self.on_attention, event, "account attention")


async def _run(hooks: list[Callable[[Any], Awaitable[None]]], value: Any, what: str) -> None:
    for hook in hooks:
        try:
            await hook(value)
        except Exception:
            log.exception("%s hook %s failed; the sweep will catch up", what, hook)
