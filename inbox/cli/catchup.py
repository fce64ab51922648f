"""`cahts sync|backfill|replay`: catch up on what webhooks missed, from Meta or our own logs."""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inbox.bus import EventBus, create_bus
from inbox.cli.accounts import _find as find_account
from inbox.cli.common import CommandError, database
from inbox.cli.progress import ProgressBar
from inbox.graph import GraphClient
from inbox.models import PlatformAccount
from inbox.platforms.history import ConversationsPage
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.analytics.daily import aggregate
from inbox.services.ingest.replay import ReplayResult, count_logs, replay_logs
from inbox.services.sync.runner import SyncResult, sync_account
from inbox.settings import Settings

MAX_BACKFILL_DAYS = 365
_RELATIVE = re.compile(r"^(\d{1,6})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(raw: str, now: datetime | None = None) -> datetime:
    """`2026-11-20`, `2026-11-20T10:00` (UTC unless an offset is given), or `30m` / `12h` / `7d`."""
    value = raw.strip()
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = relative.groups()
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(
            f"--since {raw!r} is neither a date/time (2026-11-20, 2026-11-20T10:00) "
            "nor an age (30m, 12h, 7d)"
        ) from exc
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _days(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_BACKFILL_DAYS:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of days from 1 to {MAX_BACKFILL_DAYS}"
        )
    return int(raw)


@dataclass(slots=True)
class Tools:
    """What the commands need besides the database."""

    graph: GraphClient
    cipher: TokenCipher
    bus: EventBus


@asynccontextmanager
async def tools(settings: Settings) -> AsyncIterator[Tools]:
    """Database, Graph client and event bus (Redis when configured, so dashboards hear it)."""
    async with database(settings):
        bus = create_bus(settings.redis_url)
        await bus.start()
        graph = GraphClient(settings.meta_graph_url, apis=settings.api_urls)
        try:
            yield Tools(graph, TokenCipher(settings.token_encryption_keys), bus)
        finally:
            await graph.close()
            await bus.close()


def _label(account: PlatformAccount) -> str:
    return f"{account.platform} {account.name or '-'} ({account.external_id})"


def describe(result: SyncResult) -> str:
    """One line about one account's sync or backfill."""
    if result.status == "not_supported":
        return f"not supported: {result.error}"
    if result.status == "failed":
        return f"failed: {result.error}"
    pages = f"{result.pages} page" + ("s" if result.pages != 1 else "")
    return (
        f"{result.stored} new, {result.duplicates} already stored, "
        f"{result.conversations} conversations, {pages}"
    )


async def run_sync(settings: Settings, ref: str | None) -> list[tuple[str, SyncResult]]:
    """Sync one account (or every active one) now, in this process."""
    async with tools(settings) as t:
        if ref is not None:
            accounts = [await find_account(ref)]
            if not accounts[0].is_active:
                raise CommandError(f"{_label(accounts[0])} is disconnected; reconnect it first")
        else:
            accounts = await PlatformAccount.filter(is_active=True).order_by("created_at")
        done = []
        for account in accounts:
            result = await sync_account(account, graph=t.graph, cipher=t.cipher, bus=t.bus)
            done.append((_label(account), result))
        return done


def _sync(args: argparse.Namespace, settings: Settings) -> None:
    done = asyncio.run(run_sync(settings, args.account))
    if not done:
        print("no active accounts to sync (see `cahts account list`)")
        return
    for label, result in done:
        print(f"{label}: {describe(result)}")
    failed = sum(result.status == "failed" for _, result in done)
    if failed:
        raise CommandError(f"{failed} of {len(done)} account(s) could not be synced")


async def run_backfill(settings: Settings, ref: str, days: int, bar: ProgressBar) -> SyncResult:
    """Import up to `days` days of history of one account, then recompute those days' figures."""
    async with tools(settings) as t:
        account = await find_account(ref)
        if not account.is_active:
            raise CommandError(f"{_label(account)} is disconnected; reconnect it first")
        now = datetime.now(UTC)
        window = timedelta(days=days).total_seconds()

        def progress(result: SyncResult, page: ConversationsPage) -> None:
            reached = page.oldest_update or now
            done = 1.0 if page.after is None or page.reached_cutoff else None
            share = done if done is not None else (now - reached).total_seconds() / window
            bar.show(share, f"{describe(result)}; back to {reached:%Y-%m-%d %H:%M}")

        result = await sync_account(
            account,
            graph=t.graph,
            cipher=t.cipher,
            bus=t.bus,
            days=days,
            progress=progress,
            now=now,
        )
        if result.status == "ok":
            await aggregate(now.date() - timedelta(days=days), now.date() + timedelta(days=1))
        return result


def _backfill(args: argparse.Namespace, settings: Settings) -> None:
    bar = ProgressBar()
    try:
        result = asyncio.run(run_backfill(settings, args.account, args.days, bar))
    finally:
        bar.close()
    if result.status == "failed":
        raise CommandError(f"backfill failed: {result.error}")
    print(f"backfill over {args.days} day(s): {describe(result)}")
    if result.status == "ok":
        print("analytics recomputed for those days")


async def run_replay(
    settings: Settings, failed_only: bool, since: datetime | None, bar: ProgressBar
) -> tuple[int, ReplayResult | None]:
    """Re-process the matching webhook bodies, showing progress."""
    async with tools(settings) as t:
        total = await count_logs(failed_only=failed_only, since=since)
        last: ReplayResult | None = None
        async for result in replay_logs(t.bus, failed_only=failed_only, since=since):
            last = result
            bar.show(
                result.bodies / total if total else 1.0,
                f"{result.bodies}/{total} bodies, {result.stored} new messages",
            )
        return total, last


def _replay(args: argparse.Namespace, settings: Settings) -> None:
    since = parse_since(args.since) if args.since else None
    bar = ProgressBar()
    try:
        total, result = asyncio.run(run_replay(settings, args.failed, since, bar))
    finally:
        bar.close()
    if not total or result is None:
        print("no webhook bodies match; nothing to replay")
        return
    print(
        f"replayed {result.bodies} bodies: {result.stored} new messages, "
        f"{result.duplicates} already stored, {result.still_failing} still with skipped parts"
    )
    for problem in result.unreadable:
        print(f"  unreadable: {problem}")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the sync, backfill and replay subcommands."""
    parser = commands.add_parser(
        "sync", help="fetch what webhooks missed from Meta now (one account or all)"
    )
    parser.add_argument(
        "account", nargs="?", help="the cahts id or the platform's id (default: every account)"
    )
    parser.set_defaults(handler=_sync)

    parser = commands.add_parser(
        "backfill", help="import an account's history (the 20 latest messages per conversation)"
    )
    parser.add_argument("account", help="the cahts id or the platform's id")
    parser.add_argument(
        "--days", type=_days, default=30, help="how far back, in days (default 30, at most 365)"
    )
    parser.set_defaults(handler=_backfill)

    parser = commands.add_parser(
        "replay", help="re-process stored webhook bodies (safe to repeat: nothing is doubled)"
    )
    parser.add_argument(
        "--failed", action="store_true", help="only bodies not processed or with skipped parts"
    )
    parser.add_argument(
        "--since", help="only bodies received since: 2026-11-20, 2026-11-20T10:00 or 12h, 7d"
    )
    parser.set_defaults(handler=_replay)
