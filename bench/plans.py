"""Query plans of every list, filter and analytics query, on the 1M-message data set.

Runs the real service functions (the ones the REST API, the dashboard, the Slack paths and
the periodic tasks call) against a seeded database, captures each SQL statement they send
(Tortoise logs every statement with its parameters), and runs EXPLAIN ANALYZE on it twice:
with the parameters known (a custom plan) and as a generic plan, which is what a prepared
statement switches to after five runs (asyncpg prepares and caches every statement). It
prints the time and the scans of each and flags sequential scans of the big tables.

    .venv/bin/python bench/plans.py                       # seeds 1M messages into perf2_plans
    .venv/bin/python bench/plans.py --reuse perf2_seed    # a data set kept with seed_data --keep
    .venv/bin/python bench/plans.py --reuse perf2_seed --verbose --only messages
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import create_database, drop_database, machine_line, pg_connect, pg_url
from seed_data import SeedConfig, seed
from tortoise import Tortoise

from inbox.db import tortoise_config
from inbox.models import Conversation, Message
from inbox.pagination import Position, encode_cursor
from inbox.services.analytics import daily as analytics
from inbox.services.analytics import reports
from inbox.services.analytics.reports import Period
from inbox.services.conversations import listing

BIG_TABLES = ("messages", "conversations")
SLOW_MS = 50.0


class _Capture(logging.Handler):
    """Collects (sql, values) of every statement Tortoise sends."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, list[Any]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and len(record.args) == 2:
            sql, values = record.args
            if isinstance(sql, str) and sql.lstrip().upper().startswith(("SELECT", "WITH")):
                self.statements.append((sql, list(values or [])))


@dataclass(slots=True)
class Plan:
    """One statement's EXPLAIN ANALYZE, custom and generic."""

    case: str
    sql: str
    custom_ms: float
    generic_ms: float | None
    scans: list[str]
    custom_text: str
    generic_text: str

    @property
    def seq_big(self) -> list[str]:
        """Sequential scans of the big tables."""
        return [s for s in self.scans if s.startswith("Seq Scan") and s.split()[-1] in BIG_TABLES]


def _walk(node: dict[str, Any], out: list[str]) -> None:
    kind = node.get("Node Type", "")
    if "Scan" in kind:
        what = node.get("Index Name") or ""
        rel = node.get("Relation Name") or ""
        label = f"{kind} {what} on {rel}" if what else f"{kind} on {rel}"
        out.append(label.replace("  ", " ").strip())
    for child in node.get("Plans", []):
        _walk(child, out)


def _literal(value: Any) -> str:
    """A SQL literal for EXECUTE (typed by the PREPAREd statement)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = "{" + ",".join(json.dumps(str(v)) for v in value) + "}"
    else:
        text = str(value)
    return "'" + text.replace("'", "''") + "'"


async def explain(conn: Any, case: str, sql: str, values: list[Any]) -> Plan:
    """EXPLAIN ANALYZE one statement with its values, as a custom and as a generic plan."""
    values = [str(v) if isinstance(v, uuid.UUID) else v for v in values]
    async with conn.transaction():
        raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *values)
        text = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *values)
        doc = json.loads(raw)[0]
        scans: list[str] = []
        _walk(doc["Plan"], scans)
        generic_ms, generic_text = None, ""
        try:
            await conn.execute(f"PREPARE perf2_q AS {sql}")
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            args = ", ".join(_literal(v) for v in values)
            execute = f"EXECUTE perf2_q({args})" if values else "EXECUTE perf2_q"
            graw = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {execute}")
            generic_ms = float(json.loads(graw)[0]["Execution Time"])
            gtext = await conn.fetch(f"EXPLAIN (ANALYZE) {execute}")
            generic_text = "\n".join(r[0] for r in gtext)
            gscans: list[str] = []
            _walk(json.loads(graw)[0]["Plan"], gscans)
            scans += [f"(generic) {s}" for s in gscans if s not in scans]
        finally:
            await conn.execute("DEALLOCATE perf2_q")
    return Plan(
        case,
        sql,
        float(doc["Execution Time"]),
        generic_ms,
        scans,
        "\n".join(r[0] for r in text),
        generic_text,
    )


@dataclass(slots=True)
class Subject:
    """Ids from the data set that the cases query."""

    workspace: uuid.UUID
    small_account: uuid.UUID
    small_platform: str
    busy_conversation: uuid.UUID
    deep_message: Position
    deep_conversation: Position
    thread: tuple[str, str]
    slack_ts: tuple[str, str]
    rare_word: str


async def find_subject(database_url: str) -> Subject:
    """The largest workspace and a few ids, positions and words inside it."""
    conn = await pg_connect(database_url)
    try:
        ws = await conn.fetchval(
            "SELECT workspace_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        small = await conn.fetchrow(
            "SELECT a.id, a.platform FROM platform_accounts a JOIN messages m"
            " ON m.platform_account_id = a.id WHERE a.workspace_id = $1"
            " GROUP BY a.id, a.platform ORDER BY count(*) LIMIT 1",
            ws,
        )
        busy = await conn.fetchval(
            "SELECT conversation_id FROM messages WHERE workspace_id = $1"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            ws,
        )
        # Deep pages: 50,000 messages and 10,000 conversations down, or halfway on smaller sets.
        deep = await conn.fetchrow(
            "SELECT received_at, id FROM messages WHERE workspace_id = $1"
            " ORDER BY received_at DESC, id DESC"
            " OFFSET least(50000, (SELECT count(*) / 2 FROM messages WHERE workspace_id = $1))"
            " LIMIT 1",
            ws,
        )
        deep_c = await conn.fetchrow(
            "SELECT COALESCE(last_message_at, created_at) AS at, id FROM conversations"
            " WHERE workspace_id = $1 ORDER BY 1 DESC, id DESC OFFSET least(10000,"
            " (SELECT count(*) / 2 FROM conversations WHERE workspace_id = $1)) LIMIT 1",
            ws,
        )
        thread = await conn.fetchrow(
            "SELECT slack_channel, slack_thread_ts FROM conversations WHERE workspace_id = $1"
            " AND slack_thread_ts IS NOT NULL LIMIT 1",
            ws,
        )
        posted = await conn.fetchrow(
            "SELECT c.slack_channel, m.slack_ts FROM messages m JOIN conversations c"
            " ON c.id = m.conversation_id WHERE m.workspace_id = $1 AND m.is_incoming"
            " AND m.slack_ts IS NOT NULL LIMIT 1",
            ws,
        )
        rare = await conn.fetchval(
            "SELECT substring(content from 'SKU-[0-9]+') FROM messages"
            " WHERE workspace_id = $1 AND content LIKE '%SKU-%' LIMIT 1",
            ws,
        )
    finally:
        await conn.close()
    return Subject(
        ws,
        small["id"],
        small["platform"],
        busy,
        Position(deep["received_at"], deep["id"]),
        Position(deep_c["at"], deep_c["id"]),
        (thread["slack_channel"], thread["slack_thread_ts"]),
        (posted["slack_channel"], posted["slack_ts"]),
        rare or "SKU-12345",
    )


Case = tuple[str, Callable[[], Awaitable[Any]]]


def cases(s: Subject) -> list[Case]:
    """Every query shape the API, dashboard, Slack paths and tasks run, with real arguments."""
    mf, cf = listing.MessageFilter, listing.ConversationFilter
    deep_m, deep_c = encode_cursor(s.deep_message), encode_cursor(s.deep_conversation)
    today = datetime.now(UTC).date()
    month, decade = Period.last(30, today), Period.last(3660, today)

    async def export() -> None:
        async for _rows in reports.export_batches(s.workspace, decade):
            pass

    async def aggregate_two_days() -> None:
        # The hourly task's statement, read-only: the figures of today and yesterday.
        from inbox.services.analytics import daily_sql as sql

        d = sql.Dialect("postgres")
        start = analytics.day_start(today - timedelta(days=1))
        conn = Tortoise.get_connection("default")
        await conn.execute_query(sql.figures(d), [start, start + timedelta(days=2)])

    async def sweep() -> None:
        from bot.mirror.sweep import pending_conversations

        await pending_conversations()

    def msgs(where: listing.MessageFilter, cursor: str | None = None, limit: int = 50) -> Any:
        return lambda: listing.messages(s.workspace, where, limit, cursor)

    def convs(where: listing.ConversationFilter, cursor: str | None = None) -> Any:
        return lambda: listing.conversations(s.workspace, where, 50, cursor)

    return [
        ("messages: newest", msgs(mf())),
        ("messages: deep page (50,000 down)", msgs(mf(), deep_m)),
        (f"messages: platform={s.small_platform}", msgs(mf(platform=s.small_platform))),
        ("messages: account (smallest)", msgs(mf(account_id=s.small_account))),
        ("messages: conversation", msgs(mf(conversation_id=s.busy_conversation))),
        (
            "messages: conversation unread (chats page)",
            msgs(mf(conversation_id=s.busy_conversation, unread=True), limit=200),
        ),
        ("messages: unread=true", msgs(mf(unread=True))),
        ("messages: unread=false", msgs(mf(unread=False))),
        ("messages: q=refund (common)", msgs(mf(q="refund"))),
        (f"messages: q={s.rare_word} (rare)", msgs(mf(q=s.rare_word))),
        ("messages: q=zqxj (no match)", msgs(mf(q="zqxj"))),
        ("conversations: newest", convs(cf())),
        ("conversations: deep page (10,000 down)", convs(cf(), deep_c)),
        ("conversations: unread=true", convs(cf(unread=True))),
        (f"conversations: platform={s.small_platform}", convs(cf(platform=s.small_platform))),
        ("conversations: q=silva (name)", convs(cf(q="silva"))),
        ("analytics: stats 30 days", lambda: reports.stats(s.workspace, month)),
        ("analytics: daily 30 days", lambda: reports.daily(s.workspace, month)),
        ("analytics: platform 30 days", lambda: reports.by_platform(s.workspace, month)),
        ("analytics: export 3660 days", export),
        ("task: hourly aggregate (2 days)", aggregate_two_days),
        (
            "task: daily digest (account_day)",
            lambda: analytics.account_day(s.small_account, today - timedelta(days=1)),
        ),
        ("task: slack sweep", sweep),
        (
            "slack: thread → conversation",
            lambda: Conversation.get_or_none(
                slack_channel=s.thread[0], slack_thread_ts=s.thread[1]
            ),
        ),
        (
            "slack: reaction → message",
            lambda: Message.filter(
                slack_ts=s.slack_ts[1], is_incoming=True, conversation__slack_channel=s.slack_ts[0]
            ).first(),
        ),
    ]


async def run(database_url: str, only: str | None, verbose: bool) -> list[Plan]:
    """Run each case, EXPLAIN each statement it sent; print a line per statement."""
    subject = await find_subject(database_url)
    capture = _Capture()
    logger = logging.getLogger("tortoise.db_client")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(capture)
    logger.propagate = False
    await Tortoise.init(config=tortoise_config(database_url))
    conn = await pg_connect(database_url)
    plans: list[Plan] = []
    try:
        for name, call in cases(subject):
            if only and only not in name:
                continue
            capture.statements.clear()
            await call()
            seen: set[str] = set()
            for sql, values in capture.statements:
                if sql in seen or 'FROM "platform_accounts"' in sql.split("WHERE")[0]:
                    continue  # the account list of a workspace: a handful of rows
                seen.add(sql)
                plan = await explain(conn, name, sql, values)
                plans.append(plan)
                flag = " SEQ-SCAN" if plan.seq_big else ""
                slow = " SLOW" if max(plan.custom_ms, plan.generic_ms or 0) > SLOW_MS else ""
                generic = f"{plan.generic_ms:8.2f}" if plan.generic_ms is not None else "     n/a"
                print(f"{name[:44]:44} {plan.custom_ms:8.2f} {generic}{flag}{slow}")
                for scan in dict.fromkeys(plan.scans):
                    print(f"{'':46}{scan}")
                if verbose:
                    print(plan.sql)
                    print(plan.custom_text)
                    if plan.generic_text:
                        print("-- generic plan --")
                        print(plan.generic_text)
                    print()
    finally:
        await conn.close()
        await Tortoise.close_connections()
    return plans


async def _main(args: argparse.Namespace) -> int:
    print(f"plans: machine {machine_line()}")
    database = args.reuse or args.database
    if not args.reuse:
        await create_database(database)
        print(f"seeding {args.messages:,} messages into {database} …", flush=True)
        result = await seed(pg_url(database), SeedConfig(messages=args.messages))
        print(result.describe())
    try:
        print(f"\n{'case':44} {'custom':>8} {'generic':>8}   (EXPLAIN ANALYZE execution, ms)")
        started = time.perf_counter()
        plans = await run(pg_url(database), args.only, args.verbose)
        seq = [p for p in plans if p.seq_big]
        slow = [p for p in plans if max(p.custom_ms, p.generic_ms or 0) > SLOW_MS]
        print(
            f"\n{len(plans)} statements in {time.perf_counter() - started:.1f}s; "
            f"{len(seq)} with a sequential scan of {'/'.join(BIG_TABLES)}, "
            f"{len(slow)} over {SLOW_MS:.0f} ms"
        )
    finally:
        if not args.reuse and not args.keep:
            await drop_database(database)
            print(f"dropped {database} (use --keep to keep it)")
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description="EXPLAIN ANALYZE cahts's queries on 1M messages.")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to seed")
    parser.add_argument("--database", default="perf2_plans", help="database to seed (recreated)")
    parser.add_argument("--reuse", metavar="DATABASE", help="use an already seeded database")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--only", help="only cases whose name contains this")
    parser.add_argument("--verbose", action="store_true", help="print the SQL and full plans")
    sys.exit(asyncio.run(_main(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
