"""Signed Slack thread reply → the send request at a local fake Graph API: end-to-end latency.

First one customer message per conversation (--conversations) is sent as a webhook, and
cahts opens a thread for each at the fake Slack. Then agents' replies in those threads are
sent as signed Events API callbacks to POST /slack/events, open-loop at --rate per second.
Two figures per target: the Slack ack (the HTTP answer to the event; cahts stores the reply
and its outbox row before answering) and the latency from the moment the event POST starts
to the moment the fake Graph API receives the send carrying the reply. Targets, each on a
fresh PostgreSQL database:

  bare      bench/_bare.py: check the Slack signature, parse, one asyncpg INSERT, 200, then
            POST the text to the fake Graph API
  embedded  `cahts serve` alone (send task in-process)
  redis     `cahts serve` + `cahts worker` over Redis (the production shape)

    .venv/bin/python bench/reply_latency.py         # targets: send p99 <= 300 ms, ack p99 <= 100 ms
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from _common import Processes, create_database, drop_database, exit_with, machine_line
from _latency import (
    AGENT,
    TABLE_HEADER,
    Figures,
    Run,
    Shape,
    Started,
    TimedGraph,
    TimedSlack,
    Usage,
    arrived_in,
    event_envelope,
    latency_args,
    latency_parser,
    messenger_webhook,
    paced_phase,
    post_timed,
    print_errors,
    py_spy,
    ratio,
    signed_headers,
    start_bare,
    start_shape,
    stop,
    table_row,
    target_check,
    token,
    usage_line,
)

TARGET_SEND_P99_MS = 300.0
TARGET_ACK_P99_MS = 100.0
BARE_LABEL = "bare aiohttp + asyncpg"


@dataclass
class Outcome:
    """What one target did in the measured phase."""

    label: str
    key: str
    run: Run
    latencies: list[float]
    lost: int

    @property
    def figures(self) -> Figures:
        """Percentiles of the reply → Graph latencies."""
        return Figures.of(self.latencies)

    @property
    def acks(self) -> Figures:
        """Percentiles of the Slack acks."""
        return Figures.of(self.run.acks)


def reply_event(
    channel: str, thread_ts: str, text: str, event_id: str
) -> tuple[bytes, dict[str, str]]:
    """A signed Events API callback: an agent's message in a thread (body, headers)."""
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": channel,
        "user": AGENT,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    body = json.dumps(event_envelope(event, event_id)).encode()
    return body, {"Content-Type": "application/json", **signed_headers(body)}


async def open_threads(
    base_url: str, slack: TimedSlack, secret: str, tag: str, args: argparse.Namespace
) -> list[tuple[str, str]]:
    """One customer message per conversation; the (channel, thread_ts) cahts opened for each."""
    run = Run()
    markers = [token(tag + "o", i) for i in range(args.conversations)]
    async with aiohttp.ClientSession() as session:

        async def send(i: int, marker: str) -> None:
            text = f"Hello, I have a question {marker}"
            body, headers = messenger_webhook(i, f"m_{tag}_open_{i}", text, secret)
            await post_timed(
                session, base_url + "/api/webhooks/messenger", body, headers, marker, run
            )

        delivered = arrived_in(slack.threads)
        await paced_phase("threads", markers, 50.0, send, delivered, run, args.drain_seconds)
    missing = [m for m in markers if m not in slack.threads]
    if missing or run.errors:
        raise RuntimeError(f"threads not opened for {len(missing)} conversation(s): {run.samples}")
    return [slack.threads[m] for m in markers]


async def drive(
    started: Started,
    threads: list[tuple[str, str]],
    graph: TimedGraph,
    tag: str,
    args: argparse.Namespace,
    on_measure: Callable[[], None],
) -> tuple[Run, list[str]]:
    """Warm up, then the measured run of replies; it and its markers."""
    url = started.base_url + "/slack/events"
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def phase(name: str, count: int, offset: int) -> tuple[Run, list[str]]:
            run = Run()
            markers = [token(tag, offset + i) for i in range(count)]

            async def send(i: int, marker: str) -> None:
                n = offset + i
                channel, thread_ts = threads[n % len(threads)]
                text = f"Thanks for writing! It ships tomorrow. {marker}"
                body, headers = reply_event(channel, thread_ts, text, f"Ev{tag}{n}")
                await post_timed(session, url, body, headers, marker, run)

            delivered = arrived_in(graph.arrivals)
            await paced_phase(name, markers, args.rate, send, delivered, run, args.drain_seconds)
            return run, markers

        if args.warmup:
            await phase("warm-up", int(args.rate * args.warmup), 0)
        on_measure()
        return await phase("measured", int(args.rate * args.seconds), 10**6)


async def measure(
    started: Started,
    label: str,
    key: str,
    threads: list[tuple[str, str]],
    procs: Processes,
    graph: TimedGraph,
    args: argparse.Namespace,
) -> Outcome:
    """Drive one running target and collect its figures."""
    usage = Usage(started)

    def on_measure() -> None:
        usage.start()
        if args.py_spy is not None:
            py_spy(procs, started, key, args.py_spy, args.seconds)

    run, markers = await drive(started, threads, graph, key, args, on_measure)
    usage.stop(run)
    latencies = [graph.arrivals[m] - run.started[m] for m in markers if m in graph.arrivals]
    return Outcome(label, key, run, latencies, max(len(run.acks) - len(latencies), 0))


async def run_bare(
    procs: Processes, logdir: Path, graph: TimedGraph, secret: str, args: argparse.Namespace
) -> Outcome:
    """Measure the bare baseline on a fresh database."""
    await create_database(args.database)
    started = await start_bare(
        "reply", args.database, procs, logdir, secret, args.start_timeout, graph_url=graph.url
    )
    print("running the bare aiohttp + asyncpg baseline ...", flush=True)
    threads = [("C0BARE", f"1800000000.{n:06d}") for n in range(args.conversations)]
    try:
        return await measure(started, BARE_LABEL, "bare", threads, procs, graph, args)
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
        threads = await open_threads(started.base_url, slack, secret, shape.key, args)
        return await measure(started, shape.label, shape.key, threads, procs, graph, args)
    finally:
        stop(procs, started)


def report(outcomes: list[Outcome]) -> bool:
    """Print both tables, targets and ratios; True when every target holds."""
    print()
    for title, pick in (
        ("Slack reply -> send at the fake Graph API", lambda o: o.figures),
        ("Slack ack (HTTP answer to the event)", lambda o: o.acks),
    ):
        print(title)
        print(TABLE_HEADER)
        print("-" * len(TABLE_HEADER))
        for o in outcomes:
            errors = sum(o.run.errors.values())
            print(table_row(o.label, len(o.run.started), errors, o.lost, pick(o)))
        print()
    for o in outcomes:
        print(
            f"{o.label}: generator lag max {o.run.lag * 1000:.1f} ms; " + usage_line(o.run, "reply")
        )
        print_errors(o.label, o.run)
    print()
    bare = next((o for o in outcomes if o.key == "bare"), None)
    all_ok = True
    for o in outcomes:
        if o.key == "bare":
            continue
        send = target_check(f"{o.label} send", o.figures.p99, TARGET_SEND_P99_MS)
        ack = target_check(f"{o.label} ack", o.acks.p99, TARGET_ACK_P99_MS)
        if o.lost:
            send += f"; {o.lost} acknowledged repl(ies) late (after --drain-seconds)"
        if bare is not None:
            send += f"; {ratio(o.figures.p99, bare.figures.p99)} the bare p99"
            ack += f"; {ratio(o.acks.p99, bare.acks.p99)} the bare p99"
        print(send)
        print(ack)
        all_ok = all_ok and send.startswith("[PASS]") and ack.startswith("[PASS]")
        all_ok = all_ok and not o.lost and not o.run.errors
    return all_ok


async def bench(args: argparse.Namespace) -> int:
    """Start the fakes, measure each target, report; the exit status."""
    print("cahts Slack reply -> Graph API latency benchmark")
    print(f"machine: {machine_line()}")
    print(
        f"load: {args.rate:g} replies/s open-loop over {args.conversations} threads, "
        f"{args.seconds:g}s measured after {args.warmup:g}s warm-up; generator, fakes, servers "
        "and PostgreSQL share this machine"
    )
    secret = secrets.token_hex(32)
    slack = await TimedSlack().start()
    slack.users[AGENT] = "Ana Agent"
    graph = await TimedGraph().start()
    outcomes: list[Outcome] = []
    try:
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="cahts-bench-") as tmp:
            logdir = args.keep_logs or Path(tmp)
            logdir.mkdir(parents=True, exist_ok=True)
            if args.bare:
                outcomes.append(await run_bare(procs, logdir, graph, secret, args))
            for shape in args.shapes:
                outcome = await run_shape(shape, procs, logdir, slack, graph, secret, args)
                if outcome is not None:
                    outcomes.append(outcome)
    finally:
        await slack.close()
        await graph.close()
        await drop_database(args.database)
    return 0 if report(outcomes) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = latency_parser(
        "Slack thread reply -> fake Graph API latency and Slack ack: cahts against "
        "a bare aiohttp baseline.",
        rate=20.0,
        rate_help="replies per second",
        conversations_help="threads replied in",
        database="cahts_bench_perf1_reply",
    )
    parser.add_argument("--workers", type=int, default=1, help="`cahts worker` processes")
    return latency_args(parser, argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    exit_with(lambda: asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
