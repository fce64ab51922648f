"""Cost as the data grows: ingest rate and list-API p99 with 10k, 100k and 1M messages stored.

One database per size (seeded by seed_data.py: same 20 workspaces and 365 days, only the
history is denser), one `cahts serve` per database, all running at once. Each round visits
every size in turn (the order rotates), so a burst of load from elsewhere on this shared
machine lands on all sizes alike:

  ingest  signed 1-message Messenger webhooks into the largest workspace (concurrency 32)
  lists   what the dashboard and the API list, in the largest workspace (concurrency 4):
          conversations (newest, unread, a deep page), messages (newest, one platform,
          unread, text search, a deep page), one conversation's messages (newest and unread)

Target: the ingest rate and the list p99 of each size within 20 % of each other.

    .venv/bin/python bench/growth.py                   # about 4-6 minutes
    .venv/bin/python bench/growth.py --sizes 10000,100000 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import aiohttp
from _common import (
    LoadResult,
    Processes,
    create_database,
    drop_database,
    exit_with,
    free_port,
    login,
    machine_line,
    percentile,
    pg_connect,
    pg_url,
    run_load,
    server_env,
    tail,
    target_line,
    timed_gets,
    wait_healthy,
)
from seed_data import PASSWORD, SeedConfig, SeedResult, seed

from inbox.pagination import Position, encode_cursor
from inbox.platforms.signature import SIGNATURE_HEADER, sign

SPREAD = 0.20
MESSAGE_DEPTH = 1000
CONVERSATION_DEPTH = 200


@dataclass(slots=True)
class Size:
    """One data-set size: its database, server and what was measured on it."""

    messages: int
    database: str
    seeded: SeedResult | None = None
    base_url: str = ""
    token: str = ""
    page_id: str = ""
    secret: str = ""
    lists: list[tuple[str, str]] = field(default_factory=list)
    ingest: list[LoadResult] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    round_p99: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def label(self) -> str:
        """10k, 100k, 1M."""
        n = self.messages
        return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"

    @property
    def ingest_rate(self) -> float:
        """Webhooks answered 200 per second: the median round (a burst of load from elsewhere
        on the machine spoils one round, not the figure)."""
        return statistics.median(r.rate for r in self.ingest) if self.ingest else 0.0

    @property
    def list_p99(self) -> float:
        """The list p99 (all endpoints together) of the median round, in ms."""
        return statistics.median(self.round_p99) if self.round_p99 else 0.0

    def p99(self, label: str | None = None) -> float:
        """List p99 in ms, of one endpoint or all of them."""
        values = self.latencies.get(label, []) if label else list(chain(*self.latencies.values()))
        return percentile(sorted(values), 99) * 1000


def webhooks(page_id: str, secret: str, tag: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """count signed Messenger text webhooks to page_id from 50 customers, unique mids."""
    now_ms = int(time.time() * 1000)
    out = []
    for i in range(count):
        body = {
            "object": "page",
            "entry": [
                {
                    "id": page_id,
                    "time": now_ms + i,
                    "messaging": [
                        {
                            "sender": {"id": str(7349205816600000 + i % 50)},
                            "recipient": {"id": page_id},
                            "timestamp": now_ms + i,
                            "message": {
                                "mid": f"m_growth_{tag}_{i:07d}_{secrets.token_hex(6)}",
                                "text": "Is the blue model still available in size M?",
                            },
                        }
                    ],
                }
            ],
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        out.append((raw, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}))
    return out


async def list_requests(size: Size) -> list[tuple[str, str]]:
    """The list URLs measured, with ids and cursors taken from this size's data."""
    assert size.seeded is not None
    ws = size.seeded.largest
    conn = await pg_connect(pg_url(size.database))
    try:
        busy = await conn.fetchval(
            "SELECT conversation_id FROM messages WHERE workspace_id = $1"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            ws.id,
        )
        deep_m = await conn.fetchrow(
            "SELECT received_at, id FROM messages WHERE workspace_id = $1"
            " ORDER BY received_at DESC, id DESC OFFSET least($2,"
            " (SELECT count(*) / 2 FROM messages WHERE workspace_id = $1)) LIMIT 1",
            ws.id,
            MESSAGE_DEPTH,
        )
        deep_c = await conn.fetchrow(
            "SELECT COALESCE(last_message_at, created_at) AS at, id FROM conversations"
            " WHERE workspace_id = $1 ORDER BY 1 DESC, id DESC OFFSET least($2,"
            " (SELECT count(*) / 2 FROM conversations WHERE workspace_id = $1)) LIMIT 1",
            ws.id,
            CONVERSATION_DEPTH,
        )
    finally:
        await conn.close()
    small = min(ws.accounts, key=lambda a: a.messages).platform
    m_cursor = encode_cursor(Position(deep_m["received_at"], deep_m["id"]))
    c_cursor = encode_cursor(Position(deep_c["at"], deep_c["id"]))
    base = size.base_url
    return [
        ("conversations", f"{base}/api/conversations?limit=50"),
        ("conversations unread", f"{base}/api/conversations?limit=50&unread=true"),
        (f"conversations @{CONVERSATION_DEPTH}", f"{base}/api/conversations?cursor={c_cursor}"),
        ("messages", f"{base}/api/messages?limit=50"),
        (f"messages platform={small}", f"{base}/api/messages?platform={small}"),
        ("messages unread", f"{base}/api/messages?unread=true"),
        ("messages q=refund", f"{base}/api/messages?q=refund"),
        (f"messages @{MESSAGE_DEPTH}", f"{base}/api/messages?cursor={m_cursor}"),
        ("conversation messages", f"{base}/api/conversations/{busy}/messages?limit=50"),
        (
            "conversation unread",
            f"{base}/api/messages?conversation={busy}&unread=true&limit=200",
        ),
    ]


async def prepare(size: Size, procs: Processes, logdir: Path, args: argparse.Namespace) -> None:
    """Seed the size's database, start its server, log in, build its requests."""
    await create_database(size.database)
    start = time.perf_counter()
    size.seeded = await seed(
        pg_url(size.database), SeedConfig(messages=size.messages, analytics=False), log=False
    )
    print(f"  {size.label}: seeded in {time.perf_counter() - start:.1f}s", flush=True)
    env = server_env(pg_url(size.database))
    size.secret = env["META_APP_SECRET"]
    port = free_port()
    cahts = Path(sys.executable).parent / "cahts"
    log = logdir / f"{size.label}.log"
    proc = procs.spawn(size.label, [str(cahts), "serve", "--port", str(port)], env, log)
    size.base_url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(size.base_url + "/healthz", proc, wait_s=args.start_timeout)
    except (TimeoutError, RuntimeError) as exc:
        raise RuntimeError(f"{size.label} server: {exc}\n{tail(log)}") from exc
    ws = size.seeded.largest
    async with aiohttp.ClientSession() as session:
        size.token = await login(session, size.base_url, ws.owner_email, PASSWORD)
    size.page_id = next(a.external_id for a in ws.accounts if a.platform == "messenger")
    size.lists = await list_requests(size)


async def measure_round(size: Size, tag: str, args: argparse.Namespace, record: bool) -> None:
    """One ingest burst, then one pass over the lists (repeated)."""
    url = size.base_url + "/api/webhooks/messenger"
    count = args.webhooks if record else args.webhooks // 5
    burst = await run_load(url, webhooks(size.page_id, size.secret, tag, count), 32, 120)
    requests = size.lists * (args.list_repeats if record else 1)
    headers = {"Authorization": f"Bearer {size.token}"}
    async with aiohttp.ClientSession() as session:
        latencies, errors = await timed_gets(session, requests, headers, 4)
    if not record:
        return
    size.ingest.append(burst)
    size.errors += burst.error_count + sum(errors.values())
    for label, values in latencies.items():
        size.latencies.setdefault(label, []).extend(values)
    size.round_p99.append(percentile(sorted(chain(*latencies.values())), 99) * 1000)
    for problem, n in errors.items():
        print(f"    {size.label}: {problem} x{n}")


def report(sizes: list[Size], rounds: int) -> bool:
    """Print the table and the two targets; True when both hold."""
    labels = [label for label, _ in sizes[0].lists]
    print()
    print(f"{'':26}" + "".join(f"{s.label:>10}" for s in sizes))
    print(f"{'ingest, webhooks/s':26}" + "".join(f"{s.ingest_rate:>10.1f}" for s in sizes))
    print(f"{'list p99, all (ms)':26}" + "".join(f"{s.list_p99:>10.1f}" for s in sizes))
    print("  per endpoint, all rounds pooled:")
    for label in labels:
        print(f"  {label[:24]:24}" + "".join(f"{s.p99(label):>10.1f}" for s in sizes))
    print(f"{'errors':26}" + "".join(f"{s.errors:>10}" for s in sizes))
    rates = [s.ingest_rate for s in sizes]
    p99s = [s.list_p99 for s in sizes]
    ingest_spread = max(rates) / min(rates) - 1 if min(rates) else float("inf")
    list_spread = max(p99s) / min(p99s) - 1 if min(p99s) else float("inf")
    print(f"\n(median of {rounds} rounds; spread = max/min - 1)")
    ok_ingest = ingest_spread <= SPREAD and all(s.errors == 0 for s in sizes)
    ok_list = list_spread <= SPREAD
    print(
        target_line(
            "ingest rate across sizes",
            ", ".join(f"{s.label} {s.ingest_rate:.0f}/s" for s in sizes)
            + f"; spread {ingest_spread:.0%}",
            f"within {SPREAD:.0%}",
            ok_ingest,
        )
    )
    print(
        target_line(
            "list-API p99 across sizes",
            ", ".join(f"{s.label} {s.list_p99:.1f} ms" for s in sizes)
            + f"; spread {list_spread:.0%}",
            f"within {SPREAD:.0%}",
            ok_list,
        )
    )
    return ok_ingest and ok_list


async def bench(args: argparse.Namespace) -> int:
    """Seed, serve, measure in rounds, report; drop the databases unless --keep."""
    sizes = [Size(n, f"{args.database_prefix}_{n}") for n in args.sizes]
    print("cahts growth benchmark")
    print(f"machine: {machine_line()}; seeds, servers, load and PostgreSQL share it")
    print(
        f"sizes {', '.join(s.label for s in sizes)}; {args.rounds} rounds of {args.webhooks} "
        f"webhooks + {args.list_repeats} x {10} list requests per size"
    )
    ok = False
    try:
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="perf2-growth-") as tmp:
            for size in sizes:
                await prepare(size, procs, Path(tmp), args)
            for size in sizes:
                await measure_round(size, "warm", args, record=False)
            for r in range(args.rounds):
                order = sizes[r % len(sizes) :] + sizes[: r % len(sizes)]
                for size in order:
                    await measure_round(size, f"r{r}", args, record=True)
                print(f"  round {r + 1}/{args.rounds} done", flush=True)
            ok = report(sizes, args.rounds)
    finally:
        if not args.keep:
            for size in sizes:
                await drop_database(size.database)
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="cahts ingest and list cost as data grows.")
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        type=lambda v: [int(x) for x in v.split(",")],
        help="messages stored before measuring, comma-separated",
    )
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds per size")
    parser.add_argument("--webhooks", type=int, default=1000, help="webhooks per round")
    parser.add_argument("--list-repeats", type=int, default=50, help="passes over the lists")
    parser.add_argument("--database-prefix", default="perf2_growth", help="database name prefix")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--start-timeout", type=float, default=60.0, help="server start wait")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.webhooks < 5 or args.list_repeats < 1 or not args.sizes:
        parser.error("--rounds, --list-repeats >= 1, --webhooks >= 5, --sizes not empty")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    exit_with(lambda: asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
