"""Analytics at 1,000,000 messages: `stats` latency, chart render time, CSV export rate + memory.

Seeds 1M messages into a fresh PostgreSQL database (seed_data.py, which also runs the hourly
analytics job over the whole year), adds one workspace with ten years of analytics rows (the
largest export the API allows: 3660 days x 3 platforms = 10,980 rows), starts `cahts serve`
on it and measures through the REST API, as the dashboard calls it, in the largest workspace:

  stats    GET /api/analytics/stats?days=7|30|365, sequentially;
           baseline: the same figures as one bare asyncpg query, same run
  charts   GET /api/analytics/chart for each kind (daily, platform, response) as PNG and SVG;
           baseline: a bare matplotlib bar chart of the same 30 days, in this process
  export   GET /api/analytics/export?format=csv&days=3660 (10,980 rows), rows/s from the first
           byte asked to the last received; baseline: asyncpg COPY ... TO STDOUT (CSV) of the
           same rows. Server RSS is sampled every 5 ms: its growth during a 1-day and a
           3660-day export is the memory the export costs (flat = the same for both).

    .venv/bin/python bench/analytics.py                       # about 2-3 minutes
    .venv/bin/python bench/analytics.py --reuse perf2_seed    # a data set kept by seed_data
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from _common import (
    Processes,
    RssSampler,
    create_database,
    drop_database,
    exit_with,
    free_port,
    login,
    machine_line,
    mib,
    ms_summary,
    percentile,
    pg_connect,
    pg_url,
    rss_bytes,
    server_env,
    tail,
    target_line,
    wait_healthy,
)
from seed_data import PASSWORD, SeedConfig, seed

from inbox.services.sessions.passwords import hash_password

STATS_P99_MS = 100.0
CHART_MS = 300.0
EXPORT_ROWS_PER_S = 100_000
EXPORT_DAYS = 3660
EXPORT_EMAIL = "export@perf2.example"

# What /api/analytics/stats answers, as one statement: the bare-database floor.
BARE_STATS = """
WITH rows AS (
    SELECT * FROM analytics WHERE workspace_id = $1 AND date >= $2 AND date <= $3
), days AS (
    SELECT date, sum(total_messages) AS total FROM rows GROUP BY date
)
SELECT (SELECT sum(total_messages) FROM rows), (SELECT sum(messages_in) FROM rows),
       (SELECT sum(messages_out) FROM rows), (SELECT sum(new_conversations) FROM rows),
       (SELECT sum(median_first_response_seconds * messages_in) / nullif(sum(messages_in), 0)
          FROM rows WHERE median_first_response_seconds IS NOT NULL),
       (SELECT sum(p90_first_response_seconds * messages_in) / nullif(sum(messages_in), 0)
          FROM rows WHERE p90_first_response_seconds IS NOT NULL),
       (SELECT date FROM days ORDER BY total DESC LIMIT 1),
       (SELECT count(*) FROM conversations WHERE workspace_id = $1),
       (SELECT count(*) FROM conversations WHERE workspace_id = $1 AND unread_count > 0),
       (SELECT sum(unread_count) FROM conversations WHERE workspace_id = $1 AND unread_count > 0),
       (SELECT count(*) FROM platform_accounts WHERE workspace_id = $1 AND is_active)
"""
EXPORT_SQL = (
    "SELECT date, platform, total_messages, messages_in, messages_out, new_conversations,"
    " median_first_response_seconds, p90_first_response_seconds FROM analytics"
    " WHERE workspace_id = '{ws}' AND date >= '{start}' AND date <= '{end}'"
    " ORDER BY date, platform"
)


async def add_export_workspace(database_url: str) -> str:
    """A workspace (and its owner) with analytics rows for every day of ten years, 3 platforms."""
    ws = str(uuid.uuid4())
    conn = await pg_connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO workspaces (id, name, digest_enabled, digest_hour_utc, created_at)"
            " VALUES ($1, 'Ten years', false, 9, now())",
            ws,
        )
        await conn.execute(
            "INSERT INTO users (id, workspace_id, email, password_hash, name, role, is_active,"
            " created_at) VALUES (gen_random_uuid(), $1, $2, $3, 'Owner', 'owner', true, now())",
            ws,
            EXPORT_EMAIL,
            hash_password(PASSWORD, iterations=1000),
        )
        await conn.execute(
            "INSERT INTO analytics (id, workspace_id, date, platform, total_messages, messages_in,"
            " messages_out, new_conversations, median_first_response_seconds,"
            " p90_first_response_seconds, updated_at)"
            " SELECT gen_random_uuid(), $1, d::date, p, n * 2, n, n, n / 4,"
            " 60 + random() * 600, 600 + random() * 3000, now()"
            " FROM generate_series(current_date - 3659, current_date, interval '1 day') AS d,"
            " unnest(ARRAY['instagram', 'messenger', 'whatsapp']) AS p,"
            " LATERAL (SELECT (20 + random() * 200)::int AS n) AS r",
            ws,
        )
        await conn.execute("ANALYZE analytics")
    finally:
        await conn.close()
    return ws


async def timed_get(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> float:
    """Seconds for one GET read to the end; raises on a non-200."""
    start = time.perf_counter()
    async with session.get(url, headers=headers) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {url} -> {resp.status}")
    return time.perf_counter() - start


async def bare_stats(database_url: str, workspace: str, days: int, n: int) -> list[float]:
    """The stats figures as one asyncpg query, n times."""
    from datetime import UTC, datetime, timedelta

    end = datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    conn = await pg_connect(database_url)
    try:
        out = []
        for _ in range(n):
            t = time.perf_counter()
            await conn.fetchrow(BARE_STATS, workspace, start, end)
            out.append(time.perf_counter() - t)
        return out
    finally:
        await conn.close()


def bare_chart(values: Sequence[int], fmt: str) -> float:
    """Seconds to draw a plain matplotlib bar chart of values and save it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    start = time.perf_counter()
    figure = Figure(figsize=(8, 4))
    figure.add_subplot().bar(range(len(values)), values)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=120)
    return time.perf_counter() - start


async def export_run(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], pid: int
) -> tuple[int, float, int, int]:
    """One CSV export: (rows, seconds, RSS before, peak RSS during)."""
    before = rss_bytes(pid)
    with RssSampler(pid) as sampler:
        start = time.perf_counter()
        lines = 0
        async with session.get(url, headers=headers) as resp:
            if resp.status != 200:
                raise RuntimeError(f"export -> {resp.status}: {await resp.text()}")
            async for chunk in resp.content.iter_any():
                lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - start
    return lines - 1, elapsed, before, sampler.peak


async def traced_export(database_url: str, workspace: str) -> list[tuple[int, int]]:
    """(rows, tracemalloc peak bytes) of the CSV generator over 700 and over 3660 days."""
    import tracemalloc

    from tortoise import Tortoise

    from inbox.db import tortoise_config
    from inbox.services.analytics import export
    from inbox.services.analytics.reports import Period

    await Tortoise.init(config=tortoise_config(database_url))
    out = []
    try:
        for days in (1, 30, 700, EXPORT_DAYS):  # the first two warm up imports and caches
            tracemalloc.start()
            lines = [-1]

            async def count(chunk: bytes, lines: list[int] = lines) -> None:
                lines[0] += chunk.count(b"\n")

            await export.write_csv(uuid.UUID(workspace), Period.last(days), count)
            rows = lines[0]
            out.append((rows, tracemalloc.get_traced_memory()[1]))
            tracemalloc.stop()
    finally:
        await Tortoise.close_connections()
    return out[2:]


async def bare_export(database_url: str, workspace: str, n: int) -> list[tuple[int, float]]:
    """(rows, seconds) of n asyncpg COPY … TO STDOUT CSV runs of the same rows."""
    from datetime import UTC, datetime, timedelta

    end = datetime.now(UTC).date()
    sql = EXPORT_SQL.format(ws=workspace, start=end - timedelta(days=EXPORT_DAYS - 1), end=end)
    conn = await pg_connect(database_url)
    try:
        out = []
        for _ in range(n):
            sink = io.BytesIO()
            t = time.perf_counter()
            await conn.copy_from_query(sql, output=sink, format="csv", header=True)
            out.append((sink.getvalue().count(b"\n") - 1, time.perf_counter() - t))
        return out
    finally:
        await conn.close()


async def measure(database_url: str, args: argparse.Namespace, procs: Processes, log: Path) -> bool:
    """Start cahts on the seeded database and measure; True when every target holds."""
    conn = await pg_connect(database_url)
    try:
        big = await conn.fetchrow(
            "SELECT u.email, u.workspace_id::text AS ws FROM users u JOIN"
            " (SELECT workspace_id, count(*) AS n FROM messages GROUP BY 1) m"
            " ON m.workspace_id = u.workspace_id ORDER BY m.n DESC LIMIT 1"
        )
        export_ws = await conn.fetchval(
            "SELECT workspace_id::text FROM users WHERE email = $1", EXPORT_EMAIL
        )
    finally:
        await conn.close()
    if export_ws is None:
        export_ws = await add_export_workspace(database_url)
    port = free_port()
    cahts = Path(sys.executable).parent / "cahts"
    proc = procs.spawn(
        "cahts", [str(cahts), "serve", "--port", str(port)], server_env(database_url), log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base + "/healthz", proc, wait_s=args.start_timeout)
    except (TimeoutError, RuntimeError) as exc:
        raise RuntimeError(f"server: {exc}\n{tail(log)}") from exc
    ok = True
    async with aiohttp.ClientSession() as session:
        token = await login(session, base, big["email"], PASSWORD)
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(10):  # warm-up: imports, connections, statement caches, font cache
            await timed_get(session, f"{base}/api/analytics/stats?days=30", auth)
        for kind in ("daily", "platform", "response"):
            await timed_get(session, f"{base}/api/analytics/chart?kind={kind}", auth)
        print(f"server RSS after start and warm-up: {mib(rss_bytes(proc.pid))}")

        print("\nstats (sequential requests)")
        worst = 0.0
        for days in (7, 30, 365):
            url = f"{base}/api/analytics/stats?days={days}"
            took = [await timed_get(session, url, auth) for _ in range(args.stats_requests)]
            bare = await bare_stats(database_url, big["ws"], days, args.stats_requests)
            p99, bare_p99 = percentile(sorted(took), 99), percentile(sorted(bare), 99)
            worst = max(worst, p99 * 1000)
            print(f"  days={days:<4} cahts  {ms_summary(took)}")
            print(
                f"  {'':9} bare asyncpg query {ms_summary(bare)}; p99 ratio {p99 / bare_p99:.1f}x"
            )
        good = worst <= STATS_P99_MS
        ok &= good
        print(target_line("stats p99", f"{worst:.1f} ms", f"<= {STATS_P99_MS:.0f} ms", good))

        print("\ncharts (30 days unless said; sequential requests)")
        worst = slowest = 0.0
        for kind, fmt, days in (
            ("daily", "png", 30),
            ("daily", "svg", 30),
            ("daily", "png", 365),
            ("platform", "png", 30),
            ("platform", "svg", 30),
            ("response", "png", 30),
            ("response", "svg", 30),
        ):
            url = f"{base}/api/analytics/chart?kind={kind}&format={fmt}&days={days}"
            took = [await timed_get(session, url, auth) for _ in range(args.chart_requests)]
            worst = max(worst, statistics.median(took) * 1000)
            slowest = max(slowest, max(took) * 1000)
            print(f"  {kind:8} {fmt} {days:>3}d  {ms_summary(took)}")
        bare = [bare_chart([100 + i for i in range(30)], "png") for _ in range(args.chart_requests)]
        print(f"  bare matplotlib bar chart (30 bars, png, in-process): {ms_summary(bare)}")
        good = worst <= CHART_MS
        ok &= good
        print(
            target_line(
                "chart render, median of the slowest chart",
                f"{worst:.1f} ms (slowest single request {slowest:.1f} ms)",
                f"<= {CHART_MS:.0f} ms",
                good,
            )
        )

        print(f"\nCSV export (days={EXPORT_DAYS}, the API's maximum)")
        token = await login(session, base, EXPORT_EMAIL, PASSWORD)
        auth = {"Authorization": f"Bearer {token}"}
        small_url = f"{base}/api/analytics/export?format=csv&days=1"
        big_url = f"{base}/api/analytics/export?format=csv&days={EXPORT_DAYS}"
        await export_run(session, big_url, auth, proc.pid)  # warm-up
        small = [await export_run(session, small_url, auth, proc.pid) for _ in range(3)]
        runs = [await export_run(session, big_url, auth, proc.pid) for _ in range(args.exports)]
        bare_runs = await bare_export(database_url, export_ws, args.exports)
        rates = [rows / secs for rows, secs, _, _ in runs]
        bare_rates = [rows / secs for rows, secs in bare_runs]
        rate = statistics.median(rates)
        growth_small = max(peak - before for _, _, before, peak in small)
        growth_big = max(peak - before for _, _, before, peak in runs)
        print(
            f"  cahts: {runs[0][0]:,} rows per export, median {rate:,.0f} rows/s "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}; n={len(runs)})"
        )
        bare_rate = statistics.median(bare_rates)
        print(
            f"  bare asyncpg COPY TO STDOUT CSV: median {bare_rate:,.0f} rows/s;"
            f" ratio {rate / bare_rate:.2f}x"
        )
        print(
            f"  server RSS growth during an export: {small[0][0]} rows +{mib(growth_small)}, "
            f"{runs[0][0]:,} rows +{mib(growth_big)}; RSS now {mib(rss_bytes(proc.pid))}"
        )
        traced = await traced_export(database_url, export_ws)
        print(
            "  the export's own allocations (tracemalloc peak, in this process): "
            + ", ".join(f"{rows:,} rows {mib(peak)}" for rows, peak in traced)
        )
        good = rate >= EXPORT_ROWS_PER_S
        ok &= good
        print(
            target_line("CSV export rate", f"{rate:,.0f} rows/s", f">= {EXPORT_ROWS_PER_S:,}", good)
        )
        (few, few_peak), (many, many_peak) = traced
        flat = many_peak <= few_peak + args.flat_mib * 1048576
        ok &= flat
        print(
            target_line(
                "CSV export memory flat",
                f"peak {mib(many_peak)} for {many:,} rows vs {mib(few_peak)} for {few:,}",
                f"within {args.flat_mib:g} MiB of each other",
                flat,
            )
        )
    return ok


async def bench(args: argparse.Namespace) -> int:
    """Seed (unless --reuse), measure, drop the database unless --keep or --reuse."""
    print("cahts analytics benchmark")
    print(f"machine: {machine_line()}; server, client and PostgreSQL share it")
    database = args.reuse or args.database
    if not args.reuse:
        await create_database(database)
    try:
        if not args.reuse:
            print(f"seeding {args.messages:,} messages into {database} …", flush=True)
            result = await seed(pg_url(database), SeedConfig(messages=args.messages))
            print(result.describe())
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="perf2-analytics-") as tmp:
            ok = await measure(pg_url(database), args, procs, Path(tmp) / "cahts.log")
    finally:
        if not args.reuse and not args.keep:
            await drop_database(database)
            print(f"dropped {database} (use --keep to keep it)")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description="cahts analytics at 1M messages.")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to seed")
    parser.add_argument("--database", default="perf2_analytics", help="database (recreated)")
    parser.add_argument("--reuse", metavar="DATABASE", help="use an already seeded database")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument("--stats-requests", type=int, default=200, help="stats requests per range")
    parser.add_argument("--chart-requests", type=int, default=15, help="requests per chart")
    parser.add_argument("--exports", type=int, default=10, help="measured 3660-day exports")
    parser.add_argument(
        "--flat-mib", type=float, default=1.0, help="allowed difference of allocation peaks"
    )
    parser.add_argument("--start-timeout", type=float, default=60.0, help="server start wait")
    args = parser.parse_args(argv)
    exit_with(lambda: asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
