"""Webhook ingest: verified bodies → one transaction (logs + messages) → events after commit."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from inbox.bus import EventBus
from inbox.jsonbody import make_storable, storable_text
from inbox.metrics import ITEMS_SKIPPED, UNSUPPORTED_STORED
from inbox.platforms.events import (
    UNDATED,
    Echo,
    Event,
    InboundMessage,
    MessageDeleted,
    Note,
    Reaction,
    StatusUpdate,
)
from inbox.platforms.registry import get_adapter
from inbox.services.ingest.items import IngestResult, StoreItem
from inbox.services.ingest.storage import store_batch

log = logging.getLogger(__name__)


ROUTED_ACCOUNT = "routed_account"
ROUTED_BODY = "body"


class UnknownPlatformError(LookupError):
    """No adapter exists for the platform named in the path."""


def scrub(value: Any) -> Any:
    """Make every string of a JSON value storable: PostgreSQL refuses NUL and lone surrogates.

    A lone surrogate (an emoji cut in half by a truncation upstream) becomes U+FFFD: refusing
    the body would only make Meta retry it until it unsubscribes the app.
    """
    if isinstance(value, str):
        return make_storable(value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


_DATED = (InboundMessage, Echo, StatusUpdate, Reaction, MessageDeleted)
_LABEL = re.compile(r"[^a-z0-9_]+")


def count(platform: str, result: IngestResult) -> None:
    """Count what a committed body skipped (by reason) and the unsupported kinds it stored."""
    for code in result.skip_codes:
        ITEMS_SKIPPED.labels(platform, code).inc()
    for kind in result.unsupported:
        label = _LABEL.sub("_", kind.lower()).strip("_")[:32] or "unknown"
        UNSUPPORTED_STORED.labels(platform, label).inc()


def parse(platform: str, payload: Any, account: str | None = None) -> list[Event]:
    """Parse a body with its platform's adapter (UnknownPlatformError, PayloadError).

    `account` is the external id of the account the webhook was routed to, if any.
    """
    adapter = get_adapter(platform)
    if adapter is None:
        raise UnknownPlatformError(platform)
    return adapter.parse(payload, account)


def dated(events: list[Event], received_at: datetime) -> list[Event]:
    """Events whose item carried no usable time get the receipt time, with a Note saying so."""
    out: list[Event] = []
    for event in events:
        if isinstance(event, _DATED) and event.timestamp == UNDATED:
            kind = type(event).__name__
            ident = getattr(event, "message_id", None) or ", ".join(
                getattr(event, "message_ids", ())
            )
            text = f"{kind} {ident} had no valid timestamp; stored with the receipt time"
            out.append(Note(event.platform, text, event.account_id))
            event = dataclasses.replace(event, timestamp=received_at)
        out.append(event)
    return out


def webhook_item(
    platform: str,
    payload: Any,
    log_id: uuid.UUID | None = None,
    *,
    account: str | None = None,
    received_at: datetime | None = None,
    raw: bytes | None = None,
) -> StoreItem:
    """A verified body ready to store: scrubbed, parsed (PayloadError on a wrong shape), dated.

    `raw`, the bytes `payload` was parsed from, is logged as it is when jsonb can store it, so
    neither scrubbing nor encoding it again costs anything. The log of an account-routed body
    keeps the account with it, so a replay can parse it.
    """
    text = storable_text(raw) if raw is not None else None
    if text is None:
        payload = scrub(payload)
    events = dated(parse(platform, payload, account), received_at or datetime.now(UTC))
    if account:
        log_payload: Any = {ROUTED_ACCOUNT: account, ROUTED_BODY: payload}
        if text is not None:
            text = f'{{"{ROUTED_ACCOUNT}": {json.dumps(account)}, "{ROUTED_BODY}": {text}}}'
    else:
        log_payload = payload
    return StoreItem(
        platform,
        events,
        log_payload=log_payload,
        log_id=log_id,
        replay=log_id is not None,
        log_text=text,
    )


async def store_items(items: Sequence[StoreItem], bus: EventBus | None = None) -> None:
    """Apply items in one transaction, then publish their events and run the hooks."""
    await store_batch(list(items))
    await announce(items, bus)


async def announce(items: Sequence[StoreItem], bus: EventBus | None) -> None:
    """After commit: log skips, publish domain events, run the bus's after-store hooks."""
    for item in items:
        result = item.result
        if result.skipped and item.source != "webhook":  # the webhook route logs its own
            log.info(
                "%s %s skipped: %s", item.source, result.log_id, "; ".join(result.skipped)[:500]
            )
        count(item.platform, result)
        if bus is not None:
            for domain_event in result.events:
                await bus.publish(domain_event)
            await bus.hooks.stored(result)


async def store_events(
    platform: str,
    events: list[Event],
    bus: EventBus | None = None,
    *,
    source: str = "webhook",
    log_payload: Any = None,
    log_id: uuid.UUID | None = None,
    replay: bool = False,
) -> IngestResult:
    """Apply one body's (or one sync page's) normalized events; safe to repeat (dedup key)."""
    item = StoreItem(platform, events, source, log_payload, log_id, replay)
    await store_items([item], bus)
    return item.result


async def ingest(
    platform: str,
    payload: Any,
    bus: EventBus | None = None,
    *,
    log_id: uuid.UUID | None = None,
    account: str | None = None,
    received_at: datetime | None = None,
) -> IngestResult:
    """Store a verified body and everything it carries in one transaction, then announce it.

    With `log_id`, the existing webhook_logs row is re-processed (replay) instead of a new one;
    `received_at` is then when it first came (the time of items that carried none).
    `account` is the external id of the account an account-routed webhook came for.
    """
    if isinstance(payload, dict) and set(payload) == {ROUTED_ACCOUNT, ROUTED_BODY}:
        account, payload = str(payload[ROUTED_ACCOUNT]), payload[ROUTED_BODY]
    item = webhook_item(platform, payload, log_id, account=account, received_at=received_at)
    await store_items([item], bus)
    return item.result


__all__ = [
    "IngestResult",
    "StoreItem",
    "UnknownPlatformError",
    "ingest",
    "parse",
    "scrub",
    "store_events",
    "store_items",
    "webhook_item",
]
