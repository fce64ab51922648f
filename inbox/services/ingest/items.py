"""What the ingest path carries: one body's events in (StoreItem), what they changed out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from inbox import events as domain
from inbox.ids import fresh_uuid
from inbox.platforms.events import Event


@dataclass(slots=True)
class IngestResult:
    """What one body (or one sync page) changed."""

    log_id: uuid.UUID
    stored: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)
    skip_codes: list[str] = field(default_factory=list)  # one metric reason per skipped item
    notes: list[str] = field(default_factory=list)  # what was guessed for items stored anyway
    unsupported: list[str] = field(default_factory=list)  # kinds of new unsupported messages
    events: list[domain.IngestEvent] = field(default_factory=list)
    conversations: set[uuid.UUID] = field(default_factory=set)


@dataclass(slots=True)
class StoreItem:
    """One body's events and how to log it."""

    platform: str
    events: list[Event]
    source: str = "webhook"
    log_payload: Any = None
    log_id: uuid.UUID | None = None
    replay: bool = False
    log_text: str | None = None  # log_payload as JSON text, when the body already is that text
    result: IngestResult = field(init=False)

    def __post_init__(self) -> None:
        self.result = IngestResult(log_id=self.log_id or fresh_uuid())
