"""What some events are built from, as protocols: the core's services hand these in.

The services' own types (ConversationChange, SyncResult) satisfy them, so inbox/events.py
needs no import of the services that publish it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from inbox.models import Conversation


class ChangeFacts(Protocol):
    """What a committed conversation change says (inbox.services.conversations.state)."""

    @property
    def conversation(self) -> Conversation: ...
    @property
    def changed(self) -> tuple[str, ...]: ...
    @property
    def actor(self) -> str | None: ...


class SyncFacts(Protocol):
    """Where a sync stands (inbox.services.sync.runner.SyncResult)."""

    account_id: uuid.UUID
    workspace_id: uuid.UUID
    platform: str
    kind: str
    status: str
    conversations: int
    stored: int
    duplicates: int
    pages: int
    since: datetime | None
    error: str | None
