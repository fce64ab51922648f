"""A realistic cahts data set in PostgreSQL, fast: 1,000,000 messages in well under a minute.

The database is created and migrated like production (`inbox.schema.migrate`), then filled
with COPY: workspaces of Zipf-like sizes, 1–4 accounts each over the three platforms,
conversations whose message counts are heavy-tailed, customers and agents taking turns with
log-normal reply delays, returning customers days later, more traffic on weekdays and
daytime and a growing trend over the period, unread messages only in recent conversations,
and rows in the physical order they would have arrived in. Constraints and indexes are
dropped for the load and rebuilt afterwards (as pg_restore does), then the tables are
VACUUM ANALYZEd, and the hourly analytics job (`inbox.services.analytics.daily.aggregate`) fills
the `analytics` table for the whole period.

    .venv/bin/python bench/seed_data.py                     # 1M messages into perf2_seed, dropped
    .venv/bin/python bench/seed_data.py --messages 100000 --keep --database perf2_dev

Other benches import `seed()` and `SeedResult`.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import math
import os
import random
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from _common import create_database, drop_database, machine_line, pg_connect, pg_url

from inbox import schema
from inbox.services.sessions.passwords import hash_password

PASSWORD = "perf2-bench-password"
PLATFORMS = ("messenger", "instagram", "whatsapp")
PLATFORM_WEIGHTS = (0.45, 0.35, 0.20)
LOADED_TABLES = ("messages", "conversations")
CHUNK_ROWS = 20_000
INDEX_WORKERS = 3
INDEX_MEMORY = "256MB"
FIRST = (
    "Ana João Maria Pedro Sofia Tiago Inês Rui Marta Luís Beatriz Miguel Carla Nuno Rita "
    "Emma Liam Olivia Noah Ava Lucas Mia Leo Zoe Hugo Chloe Ethan Lea Omar Yara Ken Aiko "
    "Priya Ravi Chen Wei Fatima Ali Elena Ivan Sara David Laura Mateo Valentina Diego"
).split()
LAST = (
    "Silva Santos Ferreira Pereira Costa Oliveira Martins Rodrigues Sousa Fernandes Smith "
    "Jones Brown Garcia Miller Davis Lopez Wilson Taylor Moreau Dubois Müller Schmidt Rossi "
    "Bianchi Kowalski Nowak Tanaka Sato Kim Park Nguyen Singh Patel Khan Cohen Ivanova"
).split()
AGENTS = ("Ana (support)", "Rui (sales)", "Marta (support)", "Leo (ops)", "Inês (support)")
WORDS = (
    "hi hello thanks thank you please order delivery shipping refund return size color price "
    "stock available today tomorrow week store open close hours address card payment paypal "
    "invoice receipt tracking number package arrived late damaged broken wrong item exchange "
    "discount code promo sale black white blue red green small medium large xl model new "
    "still waiting help question answer can i do you ship to lisbon porto madrid paris berlin "
    "london when where how much is the a my your our it this that we have got need want "
    "would like buy sell gift wrap coupon loyalty points account login password email phone "
    "call back asap urgent sorry problem issue fixed great perfect ok yes no maybe sure "
    "morning evening saturday sunday monday appointment booking table reservation menu vegan"
).split()
EMOJI = ("🙏", "😊", "👍", "❤️", "😅", "🔥", "🎉", "😢")
# Daytime-heavy traffic (UTC hours 0..23) and quieter weekends.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 9, 9, 10, 10, 9, 8, 8, 7, 6, 4, 3, 2)
DAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.6, 0.5)  # Monday .. Sunday
HOUR_CUM = list(itertools.accumulate(HOUR_WEIGHTS))
TEXT_POOL = 50_000
# Outgoing delivery states, about 60 % read, 35 % delivered, 4 % sent, 1 % failed.
STATUSES = ("read",) * 60 + ("delivered",) * 35 + ("sent",) * 4 + ("failed",)


@dataclass(frozen=True, slots=True)
class SeedConfig:
    """How big and how spread the data set is."""

    messages: int = 1_000_000
    workspaces: int = 20
    days: int = 365
    seed: int = 42
    analytics: bool = True


@dataclass(slots=True)
class Account:
    """One seeded platform account."""

    id: str
    workspace_id: str
    platform: str
    external_id: str
    share: float
    dashboard: bool = True
    conversations: int = 0
    messages: int = 0


@dataclass(slots=True)
class Workspace:
    """One seeded workspace and its owner."""

    id: str
    name: str
    owner_email: str
    share: float
    accounts: list[Account] = field(default_factory=list)
    messages: int = 0
    conversations: int = 0


@dataclass(slots=True)
class SeedResult:
    """What was seeded, where, and how long each step took."""

    database_url: str
    workspaces: list[Workspace]
    messages: int = 0
    conversations: int = 0
    unread_messages: int = 0
    analytics_rows: int = 0
    first_day: date | None = None
    timings: dict[str, float] = field(default_factory=dict)
    sample_conversations: list[str] = field(default_factory=list)

    @property
    def largest(self) -> Workspace:
        """The workspace holding the most messages (what the benches query)."""
        return max(self.workspaces, key=lambda w: w.messages)

    def describe(self) -> str:
        """A few lines saying what the data set holds."""
        big = self.largest
        accounts = sum(len(w.accounts) for w in self.workspaces)
        sizes = sorted((w.messages for w in self.workspaces), reverse=True)
        lines = [
            f"data set: {self.messages:,} messages, {self.conversations:,} conversations, "
            f"{len(self.workspaces)} workspaces, {accounts} accounts, {self.unread_messages:,} "
            f"unread, {self.analytics_rows:,} analytics rows, since {self.first_day}",
            f"  workspace sizes (messages): {', '.join(f'{s:,}' for s in sizes[:6])}, …",
            f"  largest workspace: {big.messages:,} messages, {big.conversations:,} "
            f"conversations, accounts "
            + ", ".join(f"{a.platform} {a.messages:,}" for a in big.accounts),
        ]
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items())
        lines.append(f"  seed time: {steps}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- generation


class _Ids:
    """Random UUIDs as text, drawn in bulk from os.urandom (uuid4() per row is slow)."""

    def __init__(self) -> None:
        self._hex = ""
        self._pos = 0

    def __call__(self) -> str:
        if self._pos + 32 > len(self._hex):
            self._hex, self._pos = os.urandom(16 * 4096).hex(), 0
        h = self._hex[self._pos : self._pos + 32]
        self._pos += 32
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _zipf_shares(count: int, rng: random.Random, exponent: float = 1.0) -> list[float]:
    weights = [1 / (k**exponent) for k in range(1, count + 1)]
    rng.shuffle(weights)
    total = sum(weights)
    return [w / total for w in weights]


def _plan_tenancy(cfg: SeedConfig, rng: random.Random, ids: _Ids) -> list[Workspace]:
    workspaces = []
    shares = _zipf_shares(cfg.workspaces, rng)
    for n, share in enumerate(shares):
        ws = Workspace(ids(), f"Shop {n + 1:02d}", f"owner{n + 1:02d}@perf2.example", share)
        count = rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]
        if share == max(shares):  # the workspace the benches query has every platform
            count = max(count, 3)
        platforms = [rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0] for _ in range(count)]
        if count >= 3:
            platforms[:3] = list(PLATFORMS)
        splits = [rng.uniform(0.3, 1.0) for _ in platforms]
        # Only the dashboard marks messages read: a team living in Slack never does.
        dashboard = share == max(shares) or rng.random() < 0.6
        for platform, split in zip(platforms, splits, strict=True):
            external = str(rng.randrange(10**14, 10**15))
            share_of = split / sum(splits)
            ws.accounts.append(Account(ids(), ws.id, platform, external, share_of, dashboard))
        workspaces.append(ws)
    return workspaces


def _message_count(rng: random.Random) -> int:
    """Messages in one conversation: heavy-tailed, mean about 9."""
    return min(400, 1 + int(rng.lognormvariate(1.5, 1.0)))


def _start_offset(rng: random.Random, days: int) -> float:
    """Seconds after the period start: a growing trend, weekday and daytime peaks."""
    while True:
        u = rng.random()
        day = int(days * (u if rng.random() < 0.4 else math.sqrt(u)))
        if rng.random() <= DAY_WEIGHTS[day % 7]:
            break
    hour = bisect.bisect_right(HOUR_CUM, rng.random() * HOUR_CUM[-1])
    return day * 86400.0 + hour * 3600.0 + rng.random() * 3600.0


def _timeline(n: int, rng: random.Random) -> list[tuple[float, bool]]:
    """(seconds since the first message, incoming) for n messages of one conversation."""
    at, incoming = 0.0, True
    out = [(0.0, True)]
    for _ in range(n - 1):
        if incoming:
            if rng.random() < 0.35:
                at += 5 + rng.random() * 120
            else:  # an agent answers: median ~8 min, a long tail of hours
                at += 20 + rng.lognormvariate(6.2, 1.4)
                incoming = False
        elif rng.random() < 0.15:
            at += 10 + rng.random() * 50
        else:
            incoming = True
            if rng.random() < 0.08:  # a returning customer, days later
                at += 86400 * rng.uniform(1, 30)
            else:
                at += 15 + rng.lognormvariate(5.0, 1.2)
        out.append((at, incoming))
    return out


@dataclass(slots=True)
class _Conversation:
    start: float
    account: Account
    timeline: list[tuple[float, bool]]


def _plan_conversations(
    cfg: SeedConfig, workspaces: list[Workspace], rng: random.Random, period: float
) -> list[_Conversation]:
    accounts = [a for w in workspaces for a in w.accounts]
    weights = [a.share * next(w.share for w in workspaces if w.id == a.workspace_id)
               for a in accounts]  # fmt: skip
    cum = list(itertools.accumulate(weights))
    planned: list[_Conversation] = []
    left = cfg.messages
    while left > 0:
        account = accounts[bisect.bisect_right(cum, rng.random() * cum[-1])]
        n = min(left, _message_count(rng))
        left -= n
        timeline = _timeline(n, rng)
        start = _start_offset(rng, cfg.days)
        span = timeline[-1][0]
        if start + span > period - 60:  # would end in the future: end recently instead
            start = max(0.0, period - 60 - span - rng.random() * 7200)
        planned.append(_Conversation(start, account, timeline))
    planned.sort(key=lambda c: c.start)
    return planned


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _text(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(2, 16))
    if rng.random() < 0.03:
        words.append(f"SKU-{rng.randrange(10000, 99999)}")
    if rng.random() < 0.15:
        words.append(rng.choice(EMOJI))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(("?", ".", "!", "", ""))


MESSAGE_COLUMNS = (
    "id", "workspace_id", "platform_account_id", "conversation_id", "platform_message_id",
    "sender_id", "sender_name", "content", "kind", "attachments", "is_incoming", "is_read",
    "is_deleted", "status", "source", "agent", "slack_ts", "slack_posted", "slack_status",
    "received_at", "created_at",
)  # fmt: skip
CONVERSATION_COLUMNS = (
    "id", "workspace_id", "platform_account_id", "participant_id", "participant_name",
    "last_message_at", "last_incoming_at", "unread_count", "slack_channel", "slack_thread_ts",
    "status", "created_at",
)  # fmt: skip


@dataclass(slots=True)
class _Output:
    conversations: list[str] = field(default_factory=list)
    messages: int = 0
    unread: int = 0


def _generate(
    plan: list[_Conversation], base: float, now: float, rng: random.Random, ids: _Ids, out: _Output
) -> Iterator[str]:
    """Message lines (COPY text format), conversation lines collected into out."""
    seq = itertools.count(1)
    unread_after = now - 2 * 86400
    texts = [_text(rng) for _ in range(TEXT_POOL)]
    seen: set[str] = set()
    for conv in plan:
        account = conv.account
        cid = ids()
        customer = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        while True:  # one conversation per customer and account (the unique key)
            if account.platform == "whatsapp":
                participant = f"351{rng.randrange(910000000, 969999999)}"
            else:
                participant = str(rng.randrange(10**15, 10**16))
            if participant not in seen:
                seen.add(participant)
                break
        prefix = "wamid.HBgM" if account.platform == "whatsapp" else "m_"
        first = base + conv.start
        last = first + conv.timeline[-1][0]
        # Dashboard users have read everything older than two days, recent messages may wait;
        # nothing is ever marked read in a team that only works in Slack.
        read_until = last if last < unread_after or rng.random() < 0.6 else first
        if not account.dashboard:
            read_until = 0.0
        last_in, unread = first, 0
        head = f"{account.workspace_id}\t{account.id}\t{cid}\t"
        for offset, incoming in conv.timeline:
            at = first + offset
            n = next(seq)
            stamp = _ts(at)
            roll = rng.random()
            if roll < 0.94:
                kind, attachments, text = "text", "[]", texts[rng.getrandbits(20) % TEXT_POOL]
            elif roll < 0.99:
                kind, text = "image", ""
                attachments = f'[{{"type": "image", "url": "https://cdn.example/i/{n}.jpg"}}]'
            else:
                kind, text = "audio", ""
                attachments = f'[{{"type": "audio", "url": "https://cdn.example/a/{n}.mp4"}}]'
            mid = f"{prefix}{n:010d}{rng.getrandbits(64):016x}"
            if incoming:
                last_in = at
                if at > read_until:
                    unread += 1
                    flags = "t\tf"
                else:
                    flags = "t\tt"
                rest = f"received\twebhook\t\\N\t{at:.6f}\tt\t\\N"
                who = f"{participant}\t{customer}"
            else:
                flags = "f\tt"
                status = STATUSES[rng.getrandbits(16) % len(STATUSES)]
                agent = AGENTS[n % len(AGENTS)]
                source = "api" if n % 5 == 0 else "slack"
                rest = f"{status}\t{source}\t{agent}\t{at:.6f}\tt\t{status}"
                who = f"{account.external_id}\t{agent}"
            yield (
                f"{ids()}\t{head}{mid}\t{who}\t{text}\t{kind}\t{attachments}\t{flags}\tf\t"
                f"{rest}\t{stamp}\t{stamp}\n"
            )
        out.messages += len(conv.timeline)
        out.unread += unread
        account.conversations += 1
        account.messages += len(conv.timeline)
        status = "resolved" if last < unread_after and rng.random() < 0.7 else "open"
        out.conversations.append(
            f"{cid}\t{account.workspace_id}\t{account.id}\t{participant}\t{customer}\t"
            f"{_ts(last)}\t{_ts(last_in)}\t{unread}\tC0PERF2{account.id[:4].upper()}\t"
            f"{first:.6f}\t{status}\t{_ts(first)}\n"
        )


async def _chunks(lines: Iterator[str], rows: int = CHUNK_ROWS) -> AsyncIterator[bytes]:
    """Lines joined into COPY chunks; yields control so the COPY and the generator overlap."""
    while True:
        batch = list(itertools.islice(lines, rows))
        if not batch:
            return
        yield "".join(batch).encode()
        await asyncio.sleep(0)


# --------------------------------------------------------------------------- loading


@dataclass(slots=True)
class _Restore:
    """What _detach dropped, as statements: keys first, then indexes, then foreign keys."""

    keys: list[str]
    indexes: list[str]
    foreign: list[str]


async def _detach(conn: Any, tables: tuple[str, ...]) -> _Restore:
    """Drop the tables' constraints and indexes (as pg_restore loads); how to re-create them."""
    rows = await conn.fetch(
        "SELECT c.conname, c.contype::text AS contype, c.conrelid::regclass::text AS tbl,"
        " pg_get_constraintdef(c.oid) AS def FROM pg_constraint c"
        " WHERE c.contype IN ('p', 'u', 'f')"
        " AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))",
        list(tables),
    )
    constraints = {r["conname"] for r in rows}
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'public' AND tablename = ANY($1)",
        list(tables),
    )
    keys = [r for r in rows if r["contype"] in "pu"]
    foreign = [r for r in rows if r["contype"] == "f"]
    plain = [r for r in indexes if r["indexname"] not in constraints]
    for r in foreign:
        await conn.execute(f'ALTER TABLE {r["tbl"]} DROP CONSTRAINT "{r["conname"]}"')
    for r in keys:
        await conn.execute(f'ALTER TABLE {r["tbl"]} DROP CONSTRAINT "{r["conname"]}"')
    for r in plain:
        await conn.execute(f'DROP INDEX "{r["indexname"]}"')

    def add(r: Any) -> str:
        return f'ALTER TABLE {r["tbl"]} ADD CONSTRAINT "{r["conname"]}" {r["def"]}'

    # GIN builds are the slowest: start them first so they overlap the B-trees.
    ordered = sorted(plain, key=lambda r: " USING gin " not in r["indexdef"].lower())
    return _Restore(
        [add(r) for r in keys], [r["indexdef"] for r in ordered], [add(r) for r in foreign]
    )


async def _run_parallel(database_url: str, statements: list[str], workers: int) -> None:
    """Run independent DDL statements on a few connections at once."""
    queue = list(reversed(statements))

    async def worker() -> None:
        conn = await pg_connect(database_url)
        try:
            await conn.execute(f"SET maintenance_work_mem = '{INDEX_MEMORY}'")
            while queue:
                await conn.execute(queue.pop())
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(min(workers, len(statements)))))


async def _load_tenancy(conn: Any, workspaces: list[Workspace], now: datetime) -> None:
    password = hash_password(PASSWORD, iterations=1000)  # a bench user: cheap to log in
    for ws in workspaces:
        await conn.execute(
            "INSERT INTO workspaces (id, name, digest_enabled, digest_hour_utc, created_at)"
            " VALUES ($1, $2, false, 9, $3)",
            ws.id,
            ws.name,
            now,
        )
        await conn.execute(
            "INSERT INTO users (id, workspace_id, email, password_hash, name, role, is_active,"
            " created_at) VALUES (gen_random_uuid(), $1, $2, $3, 'Owner', 'owner', true, $4)",
            ws.id,
            ws.owner_email,
            password,
            now,
        )
        for a in ws.accounts:
            await conn.execute(
                "INSERT INTO platform_accounts (id, workspace_id, platform, external_id, name,"
                " access_token, is_active, subscription_ok, needs_attention, created_at)"
                " VALUES ($1, $2, $3, $4, $5, 'perf2-not-a-token', true, true, false, $6)",
                a.id,
                ws.id,
                a.platform,
                a.external_id,
                f"{ws.name} {a.platform}",
                now,
            )


async def aggregate_analytics(database_url: str, first_day: date, last_day: date) -> int:
    """Run the hourly analytics job over every day of the data set (a month at a time)."""
    from tortoise import Tortoise

    from inbox.db import tortoise_config
    from inbox.services.analytics.daily import aggregate

    await Tortoise.init(config=tortoise_config(database_url))
    try:
        day = first_day
        while day <= last_day:
            end = min(day + timedelta(days=31), last_day + timedelta(days=1))
            await aggregate(day, end)
            day = end
        conn = Tortoise.get_connection("default")
        _, rows = await conn.execute_query("SELECT count(*) FROM analytics")
        return int(rows[0][0])
    finally:
        await Tortoise.close_connections()


async def seed(database_url: str, cfg: SeedConfig, *, log: bool = True) -> SeedResult:
    """Migrate an empty database at database_url and fill it; returns what it holds."""
    say = print if log else (lambda *_a, **_k: None)
    rng, ids = random.Random(cfg.seed), _Ids()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    await schema.migrate(database_url)
    timings["migrate"] = time.perf_counter() - t0

    now_dt = datetime.now(UTC)
    now = now_dt.timestamp()
    period = cfg.days * 86400.0
    base = now - period
    t0 = time.perf_counter()
    workspaces = _plan_tenancy(cfg, rng, ids)
    plan = _plan_conversations(cfg, workspaces, rng, period)
    timings["plan"] = time.perf_counter() - t0

    conn = await pg_connect(database_url)
    out = _Output()
    try:
        await conn.execute("SET synchronous_commit = off")
        t0 = time.perf_counter()
        async with conn.transaction():
            await _load_tenancy(conn, workspaces, now_dt)
            restore = await _detach(conn, LOADED_TABLES)
            # Emptied in this transaction, so COPY can write frozen rows (no vacuum rewrite).
            await conn.execute(f"TRUNCATE {', '.join(LOADED_TABLES)}")
            lines = _generate(plan, base, now, rng, ids, out)
            await conn.copy_to_table(
                "messages",
                source=_chunks(lines),
                columns=MESSAGE_COLUMNS,
                format="text",
                freeze=True,
            )
            await conn.copy_to_table(
                "conversations",
                source=_chunks(iter(out.conversations)),
                columns=CONVERSATION_COLUMNS,
                format="text",
                freeze=True,
            )
            timings["copy"] = time.perf_counter() - t0
            say(f"  copied {out.messages:,} messages in {timings['copy']:.1f}s", flush=True)
        t0 = time.perf_counter()
        await _run_parallel(database_url, restore.keys, INDEX_WORKERS)
        await _run_parallel(database_url, restore.indexes, INDEX_WORKERS)
        await _run_parallel(database_url, restore.foreign, INDEX_WORKERS)
        timings["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE) messages")
        await conn.execute("VACUUM (ANALYZE) conversations")
        await conn.execute("ANALYZE")
        timings["vacuum"] = time.perf_counter() - t0
        samples = await conn.fetch(
            "SELECT id::text FROM conversations WHERE workspace_id = $1"
            " ORDER BY last_message_at DESC LIMIT 200",
            max(workspaces, key=lambda w: sum(a.messages for a in w.accounts)).id,
        )
    finally:
        await conn.close()

    for ws in workspaces:
        ws.messages = sum(a.messages for a in ws.accounts)
        ws.conversations = sum(a.conversations for a in ws.accounts)
    result = SeedResult(
        database_url,
        workspaces,
        messages=out.messages,
        conversations=len(out.conversations),
        unread_messages=out.unread,
        first_day=datetime.fromtimestamp(base, UTC).date(),
        timings=timings,
        sample_conversations=[r["id"] for r in samples],
    )
    if cfg.analytics:
        t0 = time.perf_counter()
        assert result.first_day is not None
        result.analytics_rows = await aggregate_analytics(
            database_url, result.first_day, now_dt.date()
        )
        timings["analytics"] = time.perf_counter() - t0
    return result


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Seed a realistic cahts data set (COPY).")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to create")
    parser.add_argument("--workspaces", type=int, default=20, help="workspaces (Zipf sizes)")
    parser.add_argument("--days", type=int, default=365, help="days of history")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--database", default="perf2_seed", help="database (recreated)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--no-analytics", action="store_true", help="skip filling the analytics table"
    )
    args = parser.parse_args(argv)
    if args.messages < 1 or args.workspaces < 1 or args.days < 1:
        parser.error("--messages, --workspaces and --days must be at least 1")
    return args


async def _main(args: argparse.Namespace) -> int:
    cfg = SeedConfig(args.messages, args.workspaces, args.days, args.seed, not args.no_analytics)
    print(f"seed_data: machine {machine_line()}")
    await create_database(args.database)
    try:
        start = time.perf_counter()
        result = await seed(pg_url(args.database), cfg)
        total = time.perf_counter() - start
        print(result.describe())
        print(f"total {total:.1f}s into {pg_url(args.database)}")
    finally:
        if not args.keep:
            await drop_database(args.database)
            print(f"dropped {args.database} (use --keep to keep it)")
    return 0


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    sys.exit(asyncio.run(_main(parse_args(argv))))


if __name__ == "__main__":
    main()
