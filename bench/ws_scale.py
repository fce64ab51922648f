"""WebSocket at scale: 5,000 authenticated dashboards on one server, a broadcast to all of them.

Two servers, one after the other, each on 127.0.0.1 with the same clients and events:

  cahts  `cahts serve` (PostgreSQL, REDIS_URL: domain events cross processes over Redis
         pub/sub, as in production), /ws/messages/ with its authentication (JWT + session
         check in the database), subscription and per-workspace filtering
  bare   a bare aiohttp WebSocket server: checks the JWT signature only, keeps the sockets in
         a set and, for each Redis message, sends it to every socket in one loop

Clients (two processes by default, `--client-procs`) open N sockets, authenticate with
an access token from /api/auth/login, subscribe, and wait. The bench then publishes `new_message`
events on the bus channel (stamped with the time they were published) and each client records
when each event arrived. Latency = arrival - publication, over every (event, socket) pair.
The server's RSS (Linux /proc) is sampled while the sockets are open and during broadcasts.

    .venv/bin/python bench/ws_scale.py                  # 5,000 sockets, 20 broadcasts, ~2 min
    .venv/bin/python bench/ws_scale.py --sockets 1000 --events 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import secrets
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from _common import (
    Processes,
    RssSampler,
    cpu_seconds,
    create_database,
    drop_database,
    exit_with,
    free_port,
    login,
    machine_line,
    mib,
    percentile,
    pg_url,
    raise_fd_limit,
    rss_bytes,
    server_env,
    tail,
    target_line,
    wait_healthy,
)

CONNECTIONS = 5000
P99_MS = 250.0
RSS_MB = 300.0
SETUP_CONCURRENCY = 100
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
SCRIPT = str(Path(__file__).resolve())
SEQ_KEY = '"bench_seq": '


# --------------------------------------------------------------------------- baseline server


def serve_baseline(port: int, redis_url: str, channel: str, secret: str) -> None:
    """The bare aiohttp WebSocket broadcast server (the --serve-baseline subcommand)."""
    import jwt
    import redis.asyncio as aioredis
    from aiohttp import web

    sockets: set[web.WebSocketResponse] = set()

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20.0)
        await ws.prepare(request)
        try:
            async for msg in ws:
                frame = json.loads(msg.data)
                if frame.get("type") == "authenticate":
                    try:
                        jwt.decode(frame.get("token", ""), secret, algorithms=["HS256"])
                    except jwt.PyJWTError:
                        await ws.close(code=4401)
                        break
                    await ws.send_str(json.dumps({"type": "authenticated"}))
                elif frame.get("type") == "subscribe_messages":
                    sockets.add(ws)
                    await ws.send_str(json.dumps({"type": "subscribed"}))
        finally:
            sockets.discard(ws)
        return ws

    async def relay(app: web.Application) -> Any:
        client = aioredis.from_url(redis_url)

        async def listen() -> None:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    data = message["data"].decode()
                    for ws in list(sockets):
                        with contextlib.suppress(ConnectionError):
                            await ws.send_str(data)

        task = asyncio.create_task(listen())
        yield
        task.cancel()
        await client.aclose()

    app = web.Application()
    app.cleanup_ctx.append(relay)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/ws/messages/", websocket)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# --------------------------------------------------------------------------- clients


def client_process(pipe: Connection) -> None:
    """A client worker: open sockets, report ready, record events until told to stop."""
    raise_fd_limit(65536)
    url, token, count = pipe.recv()
    asyncio.run(_client_main(pipe, url, token, count))


async def _client_main(pipe: Connection, url: str, token: str, count: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    arrivals: dict[int, list[float]] = {}
    closed = 0
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)
    listeners: list[asyncio.Task[None]] = []
    failures: list[str] = []
    connector = aiohttp.TCPConnector(limit=0)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None))

    async def expect(ws: aiohttp.ClientWebSocketResponse, kind: str) -> None:
        msg = await asyncio.wait_for(ws.receive(), 60)
        if msg.type != aiohttp.WSMsgType.TEXT or json.loads(msg.data).get("type") != kind:
            raise RuntimeError(f"expected {kind}, got {msg.type} {str(msg.data)[:80]}")

    async def open_one() -> aiohttp.ClientWebSocketResponse | None:
        async with gate:
            try:
                ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=5))
                await ws.send_str(json.dumps({"type": "authenticate", "token": token}))
                await expect(ws, "authenticated")
                await ws.send_str(json.dumps({"type": "subscribe_messages"}))
                await expect(ws, "subscribed")
                listeners.append(asyncio.create_task(listen(ws)))
                return ws
            except (aiohttp.ClientError, RuntimeError, TimeoutError, OSError) as exc:
                if len(failures) < 5:
                    failures.append(f"{type(exc).__name__}: {exc}")
                return None

    async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
        """Read from the moment the socket is subscribed (so pings are answered, as a browser
        would), recording when each numbered event arrives."""
        nonlocal closed
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                now = time.time()
                # Only the event number matters: reading it beats parsing 1 KB of JSON, which
                # keeps this client's own delay out of the figures as far as it can.
                data = msg.data
                at = data.rfind(SEQ_KEY)
                if at >= 0:
                    start = at + len(SEQ_KEY)
                    end = start
                    while end < len(data) and data[end].isdigit():
                        end += 1
                    arrivals.setdefault(int(data[start:end]), []).append(now)
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            if len(failures) < 5:
                failures.append(f"socket broke: {type(exc).__name__}: {exc}")
        if not stop.is_set():
            closed += 1

    started = time.perf_counter()
    opened = await asyncio.gather(*(open_one() for _ in range(count)))
    sockets = [ws for ws in opened if ws is not None]
    setup = time.perf_counter() - started
    pipe.send(("ready", len(sockets), count - len(sockets), setup, list(failures)))

    def wait_for_stop() -> None:
        pipe.recv()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stop, daemon=True).start()
    await stop.wait()
    for ws in sockets:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 1)
    for task in listeners:
        task.cancel()
    await session.close()
    pipe.send(("done", arrivals, closed, failures))


@dataclass(slots=True)
class Clients:
    """The client worker processes and their pipes."""

    pipes: list[Connection] = field(default_factory=list)
    procs: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def start(self, n: int, url: str, token: str, sockets: int) -> None:
        """Spawn n workers sharing the sockets."""
        ctx = multiprocessing.get_context("spawn")
        for i in range(n):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_process, args=(child,), daemon=True)
            proc.start()
            share = sockets // n + (1 if i < sockets % n else 0)
            parent.send((url, token, share))
            self.pipes.append(parent)
            self.procs.append(proc)

    async def ready(self, wait_s: float) -> tuple[int, int, float, list[str]]:
        """Wait for every worker: (open, failed, slowest setup seconds, failure samples)."""
        results = [await _recv(p, wait_s) for p in self.pipes]
        return (
            sum(r[1] for r in results),
            sum(r[2] for r in results),
            max(r[3] for r in results),
            [f for r in results for f in r[4]],
        )

    async def finish(self) -> tuple[dict[int, list[float]], int]:
        """Stop the workers; every arrival time by event, and sockets closed by the server."""
        for pipe in self.pipes:
            pipe.send("stop")
        merged: dict[int, list[float]] = {}
        closed = 0
        for pipe in self.pipes:
            _, arrivals, lost, problems = await _recv(pipe, 120)
            closed += lost
            self.problems.extend(problems)
            for seq, values in arrivals.items():
                merged.setdefault(seq, []).extend(values)
        self.close()
        return merged, closed

    def close(self) -> None:
        """Make sure no worker outlives the bench."""
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self.procs.clear()
        self.pipes.clear()


async def _recv(pipe: Connection, wait_s: float) -> Any:
    """Receive from a worker pipe without blocking the event loop."""
    deadline = time.monotonic() + wait_s
    while not pipe.poll():
        if time.monotonic() > deadline:
            raise TimeoutError("a client worker did not answer in time")
        await asyncio.sleep(0.05)
    return pipe.recv()


# --------------------------------------------------------------------------- measuring


@dataclass(slots=True)
class Outcome:
    """What one server did."""

    label: str
    sockets: int = 0
    failed: int = 0
    setup_s: float = 0.0
    rss_idle: int = 0
    rss_peak: int = 0
    rss_start: int = 0
    latencies: list[float] = field(default_factory=list)
    per_event_max: list[float] = field(default_factory=list)
    missing: int = 0
    closed: int = 0
    failures: list[str] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def pct(self, p: float) -> float:
        """A latency percentile over every arrival, in ms."""
        return percentile(sorted(self.latencies), p) * 1000


def new_message(workspace_id: str, seq: int) -> dict[str, Any]:
    """A `new_message` event the size of a real one (message + conversation), numbered."""
    conversation = str(uuid.uuid4())
    message = {
        "id": str(uuid.uuid4()),
        "conversation_id": conversation,
        "platform_account_id": str(uuid.uuid4()),
        "platform": "messenger",
        "platform_message_id": f"m_{secrets.token_urlsafe(30)}",
        "sender_id": "7349205816600001",
        "sender_name": "Ana Silva",
        "content": "Hi! Is the blue model still available in size M? Thanks 🙏",
        "kind": "text",
        "attachments": [],
        "is_incoming": True,
        "is_read": False,
        "is_deleted": False,
        "status": "received",
        "error_code": None,
        "error_message": None,
        "reply_to": None,
        "reaction": None,
        "agent": None,
        "received_at": "2026-11-26T10:00:00+00:00",
    }
    return {
        "type": "new_message",
        "workspace_id": workspace_id,
        "conversation_id": conversation,
        "message": message,
        "conversation": {
            "id": conversation,
            "participant_name": "Ana Silva",
            "unread_count": 1,
            "last_message_at": "2026-11-26T10:00:00+00:00",
        },
        "bench_seq": seq,
    }


async def broadcast(
    redis_url: str, channel: str, workspace_id: str, events: int, interval: float, first: int = 0
) -> dict[int, float]:
    """Publish numbered events on the bus channel; when each was published (time.time())."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    published: dict[int, float] = {}
    try:
        for seq in range(first, first + events):
            body = json.dumps(new_message(workspace_id, seq))
            published[seq] = time.time()
            await client.publish(channel, body)
            await asyncio.sleep(interval)
    finally:
        await client.aclose()
    return published


async def run_target(
    label: str,
    proc: Any,
    base_url: str,
    token: str,
    workspace_id: str,
    args: argparse.Namespace,
    channel: str,
) -> Outcome:
    """Connect the clients to one server, broadcast, collect."""
    out = Outcome(label, rss_start=rss_bytes(proc.pid))
    clients = Clients()
    ws_url = base_url.replace("http://", "ws://") + "/ws/messages/"
    try:
        clients.start(args.client_procs, ws_url, token, args.sockets)
        out.sockets, out.failed, out.setup_s, out.failures = await clients.ready(args.setup_timeout)
        await asyncio.sleep(1.0)  # let the server settle (auth queries done, pumps waiting)
        out.rss_idle = rss_bytes(proc.pid)
        # Warm-up broadcasts (first sends, lazily built state) are numbered past the measured.
        await broadcast(args.redis_url, channel, workspace_id, args.warmup, args.interval, 10**6)
        cpu_before = cpu_seconds(proc.pid)
        clients_before = sum(cpu_seconds(p.pid) for p in clients.procs)
        with RssSampler(proc.pid, 0.01) as sampler:
            published = await broadcast(
                args.redis_url, channel, workspace_id, args.events, args.interval
            )
            await asyncio.sleep(max(2.0, args.interval))
        out.server_cpu = (cpu_seconds(proc.pid) - cpu_before) / args.events
        out.client_cpu = (
            sum(cpu_seconds(p.pid) for p in clients.procs) - clients_before
        ) / args.events
        out.rss_peak = max(sampler.peak, out.rss_idle)
        arrivals, out.closed = await clients.finish()
        out.failures.extend(p for p in clients.problems if p not in out.failures)
    finally:
        clients.close()
    for seq in range(args.events):
        got = [at - published[seq] for at in arrivals.get(seq, [])]
        out.missing += out.sockets - len(got)
        if len(got) < out.sockets:
            out.failures.append(f"broadcast {seq} reached {len(got)} of {out.sockets} sockets")
        out.latencies.extend(got)
        if got:
            out.per_event_max.append(max(got) * 1000)
    return out


def report(outcomes: list[Outcome], args: argparse.Namespace) -> bool:
    """Print the table, the ratios and the targets; True when every target holds."""
    print()
    header = (
        f"{'server':8} {'sockets':>8} {'failed':>6} {'setup s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'missed':>7} {'RSS idle':>10} {'RSS peak':>10}"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(
            f"{o.label:8} {o.sockets:>8} {o.failed:>6} {o.setup_s:>8.1f} {o.pct(50):>8.1f} "
            f"{o.pct(99):>8.1f} {o.pct(100):>8.1f} {o.missing:>7} "
            f"{o.rss_idle / 1048576:>9.1f}M {o.rss_peak / 1048576:>9.1f}M"
        )
    for o in outcomes:
        slowest = ", ".join(f"{v:.0f}" for v in o.per_event_max)
        print(f"{o.label}: time until the last socket had it, per broadcast (ms): {slowest}")
    print(
        "CPU per broadcast (idle sockets' heartbeats included): "
        + "; ".join(
            f"{o.label} server {o.server_cpu * 1000:.0f} ms, clients {o.client_cpu * 1000:.0f} ms"
            for o in outcomes
        )
    )
    for o in outcomes:
        if o.failures:
            print(f"{o.label} problems, e.g.: {'; '.join(o.failures[:5])}")
        if o.closed:
            print(f"{o.label}: {o.closed} sockets were closed by the server during the run")
    by = {o.label: o for o in outcomes}
    cahts = by.get("cahts")
    bare = by.get("bare")
    if cahts and bare and bare.pct(99) > 0:
        print(
            f"\nratios cahts/bare: p99 {cahts.pct(99) / bare.pct(99):.2f}x, "
            f"p50 {cahts.pct(50) / bare.pct(50):.2f}x, "
            f"RSS peak {cahts.rss_peak / max(bare.rss_peak, 1):.2f}x "
            f"(RSS per socket: cahts {(cahts.rss_idle - cahts.rss_start) / max(cahts.sockets, 1) / 1024:.1f} KiB, "  # noqa: E501
            f"bare {(bare.rss_idle - bare.rss_start) / max(bare.sockets, 1) / 1024:.1f} KiB)"
        )
    if cahts is None:
        return False
    ok_conn = cahts.sockets >= args.sockets and cahts.closed == 0 and cahts.missing == 0
    ok_p99 = cahts.pct(99) <= P99_MS
    ok_rss = cahts.rss_peak <= RSS_MB * 1048576
    print(
        target_line(
            "authenticated connections on one server process",
            f"{cahts.sockets:,} open, {cahts.failed} failed, {cahts.missing} events missed",
            f"{args.sockets:,}, none lost",
            ok_conn,
        )
    )
    print(
        target_line(
            "broadcast to all, p99",
            f"{cahts.pct(99):.1f} ms over {len(cahts.latencies):,} deliveries",
            f"<= {P99_MS:.0f} ms",
            ok_p99,
        )
    )
    print(target_line("server RSS, peak", mib(cahts.rss_peak), f"<= {RSS_MB:.0f} MB", ok_rss))
    return ok_conn and ok_p99 and ok_rss


async def bench(args: argparse.Namespace, procs: Processes, logdir: Path) -> bool:
    """Set up the database, then measure bare and cahts."""
    from seed_data import PASSWORD, SeedConfig, seed

    from inbox.bus import channel_for

    channel = channel_for(args.redis_url)
    await create_database(args.database)
    try:
        seeded = await seed(
            pg_url(args.database), SeedConfig(messages=2000, workspaces=2), log=False
        )
        owner = seeded.largest
        env = server_env(pg_url(args.database), REDIS_URL=args.redis_url)
        cahts_bin = Path(sys.executable).parent / "cahts"
        outcomes = []
        order = ["bare", "cahts"] if not args.skip_baseline else ["cahts"]
        for label in order:
            port = free_port()
            log = logdir / f"{label}.log"
            if label == "cahts":
                cmd = [str(cahts_bin), "serve", "--port", str(port)]
            else:
                cmd = [sys.executable, SCRIPT, "--serve-baseline",
                       "--port", str(port), "--redis-url", args.redis_url]  # fmt: skip
            proc = procs.spawn(label, cmd, {**env, "BENCH_CHANNEL": channel}, log)
            base = f"http://127.0.0.1:{port}"
            try:
                await wait_healthy(base + "/healthz", proc, wait_s=args.start_timeout)
            except (TimeoutError, RuntimeError) as exc:
                raise RuntimeError(f"{label}: {exc}\n{tail(log)}") from exc
            if label == "cahts":
                async with aiohttp.ClientSession() as session:
                    token = await login(session, base, owner.owner_email, PASSWORD)
            else:
                token = _baseline_token(env["JWT_SECRET"])
            print(f"{label}: {args.sockets:,} sockets, {args.events} broadcasts …", flush=True)
            outcome = await run_target(label, proc, base, token, owner.id, args, channel)
            outcomes.append(outcome)
            procs.stop(proc)
            if outcome.closed or outcome.failed or outcome.missing:
                print(f"  server log tail:\n{tail(log, 10)}")
        return report(outcomes, args)
    finally:
        if not args.keep:
            await drop_database(args.database)


def _baseline_token(secret: str) -> str:
    import jwt

    return jwt.encode({"sub": "bench", "exp": int(time.time()) + 3600}, secret, algorithm="HS256")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="cahts WebSocket fan-out at scale.")
    parser.add_argument("--sockets", type=int, default=CONNECTIONS, help="client sockets")
    parser.add_argument("--events", type=int, default=20, help="broadcasts")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between broadcasts")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured broadcasts first")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="Redis for the event bus")
    parser.add_argument("--database", default="perf2_ws", help="database (recreated)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--skip-baseline", action="store_true", help="measure cahts only")
    parser.add_argument("--setup-timeout", type=float, default=180.0, help="connect-all bound")
    parser.add_argument("--start-timeout", type=float, default=60.0, help="server start wait")
    parser.add_argument("--serve-baseline", action="store_true", help="internal")
    parser.add_argument("--port", type=int, help="internal: baseline port")
    args = parser.parse_args(argv)
    if args.sockets < 1 or args.events < 1 or args.client_procs < 1 or args.interval <= 0:
        parser.error("--sockets, --events, --client-procs >= 1 and --interval > 0")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point: the bench, or the bare baseline server with --serve-baseline."""
    args = parse_args(argv)
    limit = raise_fd_limit(2 * args.sockets + 1024)
    if args.serve_baseline:
        serve_baseline(
            args.port, args.redis_url, os.environ["BENCH_CHANNEL"], os.environ["JWT_SECRET"]
        )
        return
    print("cahts WebSocket scale benchmark")
    print(f"machine: {machine_line()}; servers, clients, Redis and PostgreSQL share it")
    print(
        f"open-file limit {limit}; {args.sockets:,} sockets from {args.client_procs} client "
        f"process(es); {args.events} broadcasts {args.interval:g}s apart via {args.redis_url}"
    )
    if limit < args.sockets + 256:
        print(f"error: the open-file limit ({limit}) is too low for {args.sockets} sockets")
        sys.exit(2)

    def body() -> bool:
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="perf2-ws-") as tmp:
            return asyncio.run(bench(args, procs, Path(tmp)))

    exit_with(body)


if __name__ == "__main__":
    main()
