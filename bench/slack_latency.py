"""Webhook → chat.postMessage at a local fake Slack: end-to-end latency under a steady load.

Signed 1-message Messenger webhooks are sent open-loop at --rate per second, spread over
--conversations customers (each conversation is one Slack thread). A message's latency runs
from the moment its webhook POST starts to the moment the fake Slack receives the
chat.postMessage carrying it. Targets, each on a fresh PostgreSQL database:

  bare      bench/_bare.py: verify, parse, one asyncpg INSERT, 200, then chat.postMessage
  embedded  `cahts serve` alone (in-memory task broker and bus)
  redis     `cahts serve` + `cahts worker` over Redis (the production shape)

Before measuring, each target gets one message per conversation (opening the threads) and
--warmup seconds of load. Also printed: the fake Slack's own round trip (slack_sdk client →
fake, same process) and cahts's p99 as a multiple of the bare baseline's.

    .venv/bin/python bench/slack_latency.py            # target: p99 <= 250 ms at 200/s, 50 conv.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from _common import Processes, create_database, drop_database, exit_with, machine_line
from _latency import (
    BOT_TOKEN,
    TABLE_HEADER,
    Figures,
    Run,
    Shape,
    Started,
    TimedGraph,
    TimedSlack,
    Usage,
    arrived_in,
    latency_args,
    latency_parser,
    messenger_webhook,
    paced_phase,
    post_timed,
    print_errors,
    py_spy,
    ratio,
    start_bare,
    start_shape,
    stop,
    table_row,
    target_check,
    token,
    usage_line,
)
from slack_sdk.web.async_client import AsyncWebClient

TARGET_P99_MS = 250.0
WEBHOOK_PATH = "/api/webhooks/messenger"
BARE_LABEL = "bare aiohttp + asyncpg"


@dataclass
class Outcome:
    """What one target did in the measured phase."""

    label: str
    key: str
    run: Run
    latencies: list[float]
    lost: int
    calls_per_message: dict[str, float]

    @property
    def figures(self) -> Figures:
        """Percentiles of the end-to-end latencies."""
        return Figures.of(self.latencies)


async def fake_round_trip(slack: TimedSlack, count: int) -> Figures:
    """chat.postMessage from slack_sdk straight to the fake, one after another."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    took: list[float] = []
    for n in range(count):
        start = time.perf_counter()
        await client.chat_postMessage(channel="C0ROUNDTRIP", text=f"round trip {n}")
        took.append(time.perf_counter() - start)
    return Figures.of(took)


async def drive(
    base_url: str,
    slack: TimedSlack,
    secret: str,
    tag: str,
    args: argparse.Namespace,
    on_measure: Callable[[], None],
) -> tuple[Run, list[str], dict[str, float]]:
    """Open every thread, warm up, then the measured run: it, its markers, calls per message."""
    url = base_url + WEBHOOK_PATH
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def phase(name: str, count: int, rate: float, offset: int) -> tuple[Run, list[str]]:
            run = Run()
            markers = [token(tag, offset + i) for i in range(count)]

            async def send(i: int, marker: str) -> None:
                n = offset + i
                text = f"Hi, is this still available? {marker}"
                sender = n % args.conversations
                body, headers = messenger_webhook(sender, f"m_{tag}_{n}", text, secret)
                await post_timed(session, url, body, headers, marker, run)

            delivered = arrived_in(slack.arrivals)
            await paced_phase(name, markers, rate, send, delivered, run, args.drain_seconds)
            return run, markers

        await phase("thread opening", args.conversations, min(args.rate, 50.0), 0)
        warm = int(args.rate * args.warmup)
        if warm:
            await phase("warm-up", warm, args.rate, args.conversations)
        on_measure()
        before = slack.method_counts()
        run, markers = await phase("measured", int(args.rate * args.seconds), args.rate, 10**6)
        after = slack.method_counts()
        per_message = {m: (after[m] - before[m]) / len(markers) for m in after - before}
        return run, markers, per_message


async def measure(
    started: Started,
    label: str,
    key: str,
    procs: Processes,
    slack: TimedSlack,
    secret: str,
    args: argparse.Namespace,
) -> Outcome:
    """Drive one running target and collect its figures."""

    usage = Usage(started)

    def on_measure() -> None:
        usage.start()
        if args.py_spy is not None:
            py_spy(procs, started, key, args.py_spy, args.seconds)

    run, markers, per_message = await drive(started.base_url, slack, secret, key, args, on_measure)
    usage.stop(run)
    latencies = [slack.arrivals[m] - run.started[m] for m in markers if m in slack.arrivals]
    lost = max(len(run.acks) - len(latencies), 0)
    return Outcome(label, key, run, latencies, lost, per_message)


def report(outcomes: list[Outcome], round_trip: Figures) -> bool:
    """Print the table, calls per message, targets and ratios; True when every target holds."""
    print()
    print("webhook -> chat.postMessage at the fake Slack (measured phase)")
    print(TABLE_HEADER)
    print("-" * len(TABLE_HEADER))
    for o in outcomes:
        errors = sum(o.run.errors.values())
        print(table_row(o.label, len(o.run.started), errors, o.lost, o.figures))
    print(table_row("fake Slack round trip (slack_sdk)", round_trip.n, 0, 0, round_trip))
    print()
    for o in outcomes:
        acks = Figures.of(o.run.acks)
        print(
            f"{o.label}: webhook answered p50 {acks.p50:.1f} ms, p99 {acks.p99:.1f} ms; "
            f"generator lag max {o.run.lag * 1000:.1f} ms; " + usage_line(o.run, "message")
        )
        calls = ", ".join(f"{m} {n:.2f}" for m, n in sorted(o.calls_per_message.items()))
        if calls:
            print(f"    Slack calls per message: {calls}")
        print_errors(o.label, o.run)
    print()
    bare = next((o for o in outcomes if o.key == "bare"), None)
    all_ok = True
    for o in outcomes:
        if o.key == "bare":
            continue
        line = target_check(o.label, o.figures.p99, TARGET_P99_MS)
        all_ok = all_ok and line.startswith("[PASS]") and not o.lost and not o.run.errors
        extra = f"; {o.lost} acknowledged message(s) late (after --drain-seconds)" if o.lost else ""
        if bare is not None:
            extra += f"; {ratio(o.figures.p99, bare.figures.p99)} the bare p99"
        print(line + extra)
    return all_ok


async def bench(args: argparse.Namespace) -> int:
    """Start the fakes, measure each target, report; the exit status."""
    print("cahts webhook -> Slack latency benchmark")
    print(f"machine: {machine_line()}")
    print(
        f"load: {args.rate:g} webhooks/s open-loop over {args.conversations} conversations, "
        f"{args.seconds:g}s measured after {args.warmup:g}s warm-up; generator, fakes, servers "
        "and PostgreSQL share this machine"
    )
    secret = secrets.token_hex(32)
    slack = await TimedSlack().start()
    graph = await TimedGraph().start()
    outcomes: list[Outcome] = []
    try:
        round_trip = await fake_round_trip(slack, 200)
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="cahts-bench-") as tmp:
            logdir = args.keep_logs or Path(tmp)
            logdir.mkdir(parents=True, exist_ok=True)
            if args.bare:
                outcomes.append(await run_bare(procs, logdir, slack, secret, args))
            for shape in args.shapes:
                outcome = await run_shape(shape, procs, logdir, slack, graph, secret, args)
                if outcome is not None:
                    outcomes.append(outcome)
    finally:
        await slack.close()
        await graph.close()
        await drop_database(args.database)
    return 0 if report(outcomes, round_trip) else 1


async def run_bare(
    procs: Processes, logdir: Path, slack: TimedSlack, secret: str, args: argparse.Namespace
) -> Outcome:
    """Measure the bare aiohttp + asyncpg baseline on a fresh database."""
    await create_database(args.database)
    started = await start_bare(
        "slack", args.database, procs, logdir, secret, args.start_timeout, slack_url=slack.api_url
    )
    print("running the bare aiohttp + asyncpg baseline ...", flush=True)
    try:
        return await measure(started, BARE_LABEL, "bare", procs, slack, secret, args)
    finally:
        stop(procs, started)


async def run_shape(
    shape: Shape,
    procs: Processes,
    logdir: Path,
    slack: TimedSlack,
    graph: TimedGraph,
    secret: str,
    args: argparse.Namespace,
) -> Outcome | None:
    """Measure cahts in one shape on a fresh database (None when Redis is not there)."""
    started = await start_shape(
        shape, procs, logdir, slack, graph, secret, args, workers=args.workers
    )
    if started is None:
        return None
    try:
        return await measure(started, shape.label, shape.key, procs, slack, secret, args)
    finally:
        stop(procs, started)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = latency_parser(
        "Webhook -> chat.postMessage latency at a fake Slack: cahts against a bare "
        "aiohttp baseline.",
        rate=200.0,
        rate_help="webhooks per second",
        conversations_help="distinct customers",
        database="cahts_bench_perf1_slack",
    )
    parser.add_argument("--workers", type=int, default=1, help="`cahts worker` processes")
    return latency_args(parser, argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    exit_with(lambda: asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
