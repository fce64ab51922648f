"""Webhook → WebSocket `new_message` at connected dashboard clients: end-to-end latency.

--clients sockets sign in (the API's access token), subscribe on /ws/messages/ and stay
connected; signed 1-message Messenger webhooks are then sent open-loop at --rate per second
over --conversations customers. A latency runs from the moment a webhook POST starts to the
moment one client receives the `new_message` frame carrying it, for every (message, client)
pair. Targets, each on a fresh PostgreSQL database, with Slack off (this bench isolates the
live path):

  bare      bench/_bare.py: verify, parse, one asyncpg INSERT, 200, then a frame to every socket
  embedded  `cahts serve` alone (in-process event bus)
  redis     `cahts serve` with REDIS_URL: events go through Redis pub/sub, as between servers

    .venv/bin/python bench/ws_latency.py            # target: p99 <= 100 ms
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from _common import Processes, create_database, drop_database, exit_with, login, machine_line
from _latency import (
    TABLE_HEADER,
    Figures,
    Run,
    Shape,
    Started,
    TimedGraph,
    Usage,
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
    tokens_in,
    usage_line,
)

TARGET_P99_MS = 100.0
WEBHOOK_PATH = "/api/webhooks/messenger"
EMAIL = "bench-perf1@example.com"
PASSWORD = "bench password 1"
BARE_LABEL = "bare aiohttp + asyncpg + ws"


@dataclass
class Client:
    """One connected socket and when each marker reached it."""

    ws: aiohttp.ClientWebSocketResponse
    arrivals: dict[str, float] = field(default_factory=dict)
    other_frames: int = 0

    async def read(self) -> None:
        """Note every new_message frame until the socket closes."""
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            now = time.perf_counter()
            frame = json.loads(msg.data)
            if frame.get("type") != "new_message":
                self.other_frames += 1
                continue
            for found in tokens_in((frame.get("message") or {}).get("content")):
                self.arrivals.setdefault(found, now)


@dataclass
class Outcome:
    """What one target did in the measured phase."""

    label: str
    key: str
    run: Run
    latencies: list[float]
    lost: int  # (message, client) pairs acknowledged but never received

    @property
    def figures(self) -> Figures:
        """Percentiles over every (message, client) pair."""
        return Figures.of(self.latencies)


async def connect_clients(
    session: aiohttp.ClientSession, url: str, count: int, access: str | None
) -> list[Client]:
    """Open count sockets; with an access token, authenticate and subscribe each."""
    clients: list[Client] = []
    for _ in range(count):
        ws = await session.ws_connect(url, heartbeat=None)
        if access is not None:
            await ws.send_json({"type": "authenticate", "token": access})
            first = await ws.receive_json(timeout=10)
            if first.get("type") != "authenticated":
                raise RuntimeError(f"WebSocket authentication failed: {first}")
            await ws.send_json({"type": "subscribe_messages"})
            second = await ws.receive_json(timeout=10)
            if second.get("type") != "subscribed":
                raise RuntimeError(f"WebSocket subscription failed: {second}")
        clients.append(Client(ws))
    return clients


def delivered_to_all(clients: Sequence[Client]) -> Callable[[Sequence[str]], int]:
    """How many markers every client has received (for paced_phase)."""
    return lambda markers: sum(all(m in c.arrivals for c in clients) for m in markers)


async def drive(
    started: Started,
    ws_url: str,
    access: str | None,
    secret: str,
    tag: str,
    args: argparse.Namespace,
    on_measure: Callable[[], None],
) -> Outcome:
    """Connect the clients, warm up, measure; the outcome (label filled in by the caller)."""
    url = started.base_url + WEBHOOK_PATH
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        clients = await connect_clients(session, ws_url, args.clients, access)
        readers = [asyncio.create_task(c.read()) for c in clients]
        delivered = delivered_to_all(clients)

        async def phase(name: str, count: int, offset: int) -> tuple[Run, list[str]]:
            run = Run()
            markers = [token(tag, offset + i) for i in range(count)]

            async def send(i: int, marker: str) -> None:
                n = offset + i
                text = f"Where is my order? {marker}"
                sender = n % args.conversations
                body, headers = messenger_webhook(sender, f"m_{tag}_{n}", text, secret)
                await post_timed(session, url, body, headers, marker, run)

            await paced_phase(name, markers, args.rate, send, delivered, run, args.drain_seconds)
            return run, markers

        try:
            if args.warmup:
                await phase("warm-up", int(args.rate * args.warmup), 0)
            on_measure()
            run, markers = await phase("measured", int(args.rate * args.seconds), 10**6)
        finally:
            for c in clients:
                await c.ws.close()
            await asyncio.gather(*readers, return_exceptions=True)
    latencies = [
        c.arrivals[m] - run.started[m] for m in markers for c in clients if m in c.arrivals
    ]
    acked = len(run.acks) * len(clients)
    return Outcome("", tag, run, latencies, max(acked - len(latencies), 0))


async def measure(
    started: Started,
    label: str,
    key: str,
    ws_url: str,
    access: str | None,
    procs: Processes,
    secret: str,
    args: argparse.Namespace,
) -> Outcome:
    """Drive one running target and note the CPU its processes used."""
    usage = Usage(started)

    def on_measure() -> None:
        usage.start()
        if args.py_spy is not None:
            py_spy(procs, started, key, args.py_spy, args.seconds)

    outcome = await drive(started, ws_url, access, secret, key, args, on_measure)
    usage.stop(outcome.run)
    outcome.label = label
    return outcome


async def run_bare(
    procs: Processes, logdir: Path, secret: str, args: argparse.Namespace
) -> Outcome:
    """Measure the bare baseline on a fresh database."""
    await create_database(args.database)
    started = await start_bare("ws", args.database, procs, logdir, secret, args.start_timeout)
    print("running the bare aiohttp + asyncpg + WebSocket baseline ...", flush=True)
    try:
        ws_url = started.base_url.replace("http", "ws", 1) + "/ws"
        return await measure(started, BARE_LABEL, "bare", ws_url, None, procs, secret, args)
    finally:
        stop(procs, started)


async def run_shape(
    shape: Shape,
    procs: Processes,
    logdir: Path,
    graph: TimedGraph,
    secret: str,
    args: argparse.Namespace,
) -> Outcome | None:
    """Measure cahts in one shape on a fresh database (None when Redis is not there)."""
    started = await start_shape(
        shape, procs, logdir, None, graph, secret, args, workers=0, user=(EMAIL, PASSWORD)
    )
    if started is None:
        return None
    try:
        async with aiohttp.ClientSession() as session:
            access = await login(session, started.base_url, EMAIL, PASSWORD)
        ws_url = started.base_url.replace("http", "ws", 1) + "/ws/messages/"
        return await measure(started, shape.label, shape.key, ws_url, access, procs, secret, args)
    finally:
        stop(procs, started)


def report(outcomes: list[Outcome], clients: int) -> bool:
    """Print the table, targets and ratios; True when every target holds."""
    print()
    print(f"webhook -> WebSocket new_message, every (message, client) pair, {clients} clients")
    print(TABLE_HEADER)
    print("-" * len(TABLE_HEADER))
    for o in outcomes:
        errors = sum(o.run.errors.values())
        print(table_row(o.label, len(o.run.started), errors, o.lost, o.figures))
    print()
    for o in outcomes:
        acks = Figures.of(o.run.acks)
        print(
            f"{o.label}: webhook answered p50 {acks.p50:.1f} ms, p99 {acks.p99:.1f} ms; "
            f"generator lag max {o.run.lag * 1000:.1f} ms; " + usage_line(o.run, "message")
        )
        print_errors(o.label, o.run)
    print()
    bare = next((o for o in outcomes if o.key == "bare"), None)
    all_ok = True
    for o in outcomes:
        if o.key == "bare":
            continue
        line = target_check(o.label, o.figures.p99, TARGET_P99_MS)
        all_ok = all_ok and line.startswith("[PASS]") and not o.lost and not o.run.errors
        extra = (
            f"; {o.lost} (message, client) pair(s) late (after --drain-seconds)" if o.lost else ""
        )
        if bare is not None:
            extra += f"; {ratio(o.figures.p99, bare.figures.p99)} the bare p99"
        print(line + extra)
    return all_ok


async def bench(args: argparse.Namespace) -> int:
    """Measure each target, report; the exit status."""
    print("cahts webhook -> WebSocket latency benchmark")
    print(f"machine: {machine_line()}")
    print(
        f"load: {args.rate:g} webhooks/s open-loop over {args.conversations} conversations, "
        f"{args.clients} connected clients, {args.seconds:g}s measured after {args.warmup:g}s "
        "warm-up; Slack off; generator, clients, servers and PostgreSQL share this machine"
    )
    secret = secrets.token_hex(32)
    graph = await TimedGraph().start()
    outcomes: list[Outcome] = []
    try:
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="cahts-bench-") as tmp:
            logdir = args.keep_logs or Path(tmp)
            logdir.mkdir(parents=True, exist_ok=True)
            if args.bare:
                outcomes.append(await run_bare(procs, logdir, secret, args))
            for shape in args.shapes:
                outcome = await run_shape(shape, procs, logdir, graph, secret, args)
                if outcome is not None:
                    outcomes.append(outcome)
    finally:
        await graph.close()
        await drop_database(args.database)
    return 0 if report(outcomes, args.clients) else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = latency_parser(
        "Webhook -> WebSocket new_message latency: cahts against a bare aiohttp baseline.",
        rate=200.0,
        rate_help="webhooks per second",
        conversations_help="distinct customers",
        database="cahts_bench_perf1_ws",
    )
    parser.add_argument("--clients", type=int, default=10, help="connected WebSocket clients")
    return latency_args(parser, argv, "clients")


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    exit_with(lambda: asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
