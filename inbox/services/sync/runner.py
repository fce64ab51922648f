"""Sync and backfill: fetch conversation history from the Graph API and store what is missing.

Everything goes through `store_events`, the webhooks' own dedup path, so a message already
stored (by a webhook, an earlier sync or a backfill) is never stored, announced or mirrored
to Slack twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.bus import EventBus
from inbox.events import Event, SyncCompleted, SyncStarted
from inbox.graph import GraphClient, GraphError, SendErrorKind
from inbox.models import PlatformAccount
from inbox.platforms.base import PlatformAdapter
from inbox.platforms.history import ConversationsPage
from inbox.platforms.registry import get_adapter
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.services.ingest.pipeline import store_events
from inbox.settings import tunable

log = logging.getLogger(__name__)

PAGE_SIZE = 25
OVERLAP = timedelta(minutes=10)
FIRST_SYNC_LOOKBACK = timedelta(days=1)

Progress = Callable[["SyncResult", ConversationsPage], Awaitable[None] | None]


def max_pages() -> int:
    """Pages of conversations one sync reads at most (SYNC_MAX_PAGES, default 20)."""
    return max(int(tunable("SYNC_MAX_PAGES")), 1)


@dataclass(slots=True)
class SyncResult:
    """What one sync or backfill of one account did."""

    account_id: uuid.UUID
    workspace_id: uuid.UUID
    platform: str
    kind: str = "sync"
    status: str = "ok"  # ok | not_supported | failed
    conversations: int = 0
    stored: int = 0
    duplicates: int = 0
    pages: int = 0
    since: datetime | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (task results, CLI, REST)."""
        data = asdict(self)
        data.update(
            account_id=str(self.account_id),
            workspace_id=str(self.workspace_id),
            since=self.since.isoformat() if self.since else None,
        )
        return data


def _since(account: PlatformAccount, days: float | None, now: datetime) -> datetime:
    if days is not None:
        return now - timedelta(days=days)
    last = account.last_synced_at
    return (last if last is not None else now - FIRST_SYNC_LOOKBACK) - OVERLAP


async def _publish(bus: EventBus | None, event: Event) -> None:
    if bus is not None:
        await bus.publish(event)


async def sync_account(
    account: PlatformAccount,
    *,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None = None,
    days: float | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SyncResult:
    """Fetch the account's recent conversations and store the messages not stored yet.

    A sync covers the time since the last successful one (with a 10-minute overlap); a
    backfill (`days`) covers that many days. WhatsApp keeps no history: the result says
    `not_supported`. A refused token flags the account; the result says `failed`.
    """
    now = now or datetime.now(UTC)
    kind = "backfill" if days is not None else "sync"
    result = SyncResult(
        account.id,
        account.workspace_id,
        account.platform,
        kind=kind,
        since=_since(account, days, now),
    )
    await _publish(bus, SyncStarted.of(result))
    adapter = get_adapter(account.platform)
    if adapter is None or not adapter.has_history:
        result.status = "not_supported"
        result.error = f"{account.platform} has no history API; only webhooks bring its messages"
        log.info("%s account %s: %s", account.platform, account.external_id, result.error)
    else:
        try:
            await _pages(account, adapter, result, graph, cipher, bus, progress)
        except TokenDecryptError as exc:
            result.status, result.error = "failed", str(exc)
        except GraphError as exc:
            result.status, result.error = "failed", exc.explain()
            if exc.kind is SendErrorKind.TOKEN_INVALID:
                await PlatformAccount.filter(id=account.id).update(
                    needs_attention=True, attention_reason=exc.explain()
                )
    if result.status != "failed":
        await PlatformAccount.filter(id=account.id).update(last_synced_at=now)
    else:
        log.warning(
            "%s of %s account %s failed: %s", kind, account.platform, account.id, result.error
        )
    await _publish(bus, SyncCompleted.of(result))
    return result


async def _pages(
    account: PlatformAccount,
    adapter: PlatformAdapter,
    result: SyncResult,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None,
    progress: Progress | None,
) -> None:
    token = cipher.decrypt(account.access_token)
    parent = getattr(account, "parent_external_id", None)
    request = adapter.history_request(graph.base_url, token, account.external_id, parent)
    if request is None:
        return
    url, first = request
    params = {**first, "limit": str(PAGE_SIZE)}
    seen_cursors: set[str] = set()
    limit = max_pages() if result.kind == "sync" else 10 * max_pages()
    while True:
        body = await graph.get(url, token=token, params=params)
        page = adapter.parse_history(account.external_id, body, result.since)
        result.pages += 1
        result.conversations += page.conversations
        if page.events:
            stored = await store_events(account.platform, page.events, bus, source=result.kind)
            result.stored += stored.stored
            result.duplicates += stored.duplicates
        if progress is not None:
            pending = progress(result, page)
            if pending is not None:
                await pending
        if page.reached_cutoff or page.after is None or page.after in seen_cursors:
            return
        if result.pages >= limit:
            log.info("%s of account %s stopped after %d pages", result.kind, account.id, limit)
            return
        seen_cursors.add(page.after)
        params = {**params, "after": page.after}
