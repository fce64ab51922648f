"""Shared parts of the end-to-end latency benches: cahts with fake Slack and Graph, paced load.

Each bench starts its own servers on 127.0.0.1: the fakes (tests/fakes) in the bench's own
event loop, stamping when each request arrives; `cahts serve` (and `cahts worker` in the Redis
shape) as subprocesses on a fresh PostgreSQL database; and a bare aiohttp baseline
(bench/_bare.py) doing the same job with nothing but aiohttp and asyncpg.

Every message carries a token (`bz<tag>x<n>`) in its text, so an arrival at a fake, or a
frame at a WebSocket client, is matched to the request that started it. Latencies are
perf_counter differences within this one process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from _common import (
    Processes,
    create_database,
    free_port,
    percentile,
    pg_url,
    server_env,
    tail,
    wait_healthy,
)
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.platforms.signature import SIGNATURE_HEADER, sign
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.fakes.slack import event_envelope as event_envelope  # re-exported for the benches
from tests.fakes.slack import signed_headers as signed_headers

PAGE_ID = "104578291736452"
CUSTOMER_BASE = 7349205816600000
CHANNEL = "C0BENCH01"
AGENT = "U0BENCHAGENT"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
TASK_STREAM = "cahts:tasks"
TOKEN_RE = re.compile(r"\bbz[0-9a-z]+x\d+\b")
CAHTS = Path(sys.executable).parent / "cahts"
BARE = Path(__file__).resolve().parent / "_bare.py"

_ARRIVED: contextvars.ContextVar[float] = contextvars.ContextVar("arrived", default=0.0)


def token(tag: str, n: int) -> str:
    """The marker one message carries: tag and sequence number."""
    return f"bz{tag}x{n}"


def tokens_in(text: object) -> list[str]:
    """Markers found in a text."""
    return TOKEN_RE.findall(text) if isinstance(text, str) else []


# --------------------------------------------------------------------------- fakes


@dataclass
class TimedSlack(FakeSlack):
    """The test fake Slack, stamping when each chat.postMessage carrying a marker arrives."""

    arrivals: dict[str, float] = field(default_factory=dict)
    threads: dict[str, tuple[str, str]] = field(default_factory=dict)  # marker → channel, thread
    _by_ts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    async def _api(self, request: web.Request) -> web.Response:
        _ARRIVED.set(time.perf_counter())
        return await super()._api(request)

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_postMessage(args)
        if answer.get("ok"):
            self._by_ts[(answer["channel"], answer["ts"])] = answer["message"]
            for found in tokens_in(args.get("text")):
                self.arrivals.setdefault(found, _ARRIVED.get())
                if answer["message"]["thread_ts"]:
                    self.threads[found] = (answer["channel"], answer["message"]["thread_ts"])
        return answer

    def _find(self, channel: Any, ts: Any) -> dict[str, Any] | None:
        # The fake scans a list; thousands of chat.update calls make that the bench's cost.
        return self._by_ts.get((str(channel), str(ts)))

    def method_counts(self) -> Counter[str]:
        """How many calls of each Web API method arrived."""
        return Counter(c.method for c in self.calls)


@dataclass
class TimedGraph(FakeGraph):
    """The test fake Graph API, stamping each send carrying a marker; answers profile GETs."""

    arrivals: dict[str, float] = field(default_factory=dict)

    async def _handle(self, request: web.Request) -> web.Response:
        _ARRIVED.set(time.perf_counter())
        path = request.match_info["path"]
        if request.method == "GET" and path.isdigit():
            return web.json_response({"first_name": "Bench", "last_name": path[-4:], "id": path})
        return await super()._handle(request)

    def _send_answer(self, body: Any) -> dict[str, Any]:
        message = body.get("message") if isinstance(body, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        for found in tokens_in(text):
            self.arrivals.setdefault(found, _ARRIVED.get())
        return super()._send_answer(body)


# --------------------------------------------------------------------------- requests


def messenger_webhook(
    sender: int, mid: str, text: str, secret: str
) -> tuple[bytes, dict[str, str]]:
    """One signed Messenger text webhook (body, headers)."""
    now_ms = int(time.time() * 1000)
    body = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now_ms,
                "messaging": [
                    {
                        "sender": {"id": str(CUSTOMER_BASE + sender)},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now_ms,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}


# --------------------------------------------------------------------------- load


@dataclass
class Run:
    """One paced run against one target: when each marker left, acks, what came back."""

    started: dict[str, float] = field(default_factory=dict)
    acks: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    lag: float = 0.0  # worst delay of the generator behind its schedule
    cpu: float = 0.0  # CPU seconds the target's processes used in this run
    starved: float = 0.0  # seconds they were runnable but waited for a CPU (other load)
    elapsed: float = 0.0

    def error(self, kind: str, detail: str) -> None:
        """Count a failed request, keeping a few examples."""
        self.errors[kind] += 1
        if len(self.samples) < 3:
            self.samples.append(f"{kind}: {detail[:200]}")


async def paced(count: int, rate: float, fire: Callable[[int], Awaitable[None]]) -> float:
    """Start fire(i) at i/rate s from now, never waiting for earlier ones; the worst lag (s)."""
    start = time.perf_counter()
    lag = 0.0
    running: set[asyncio.Task[None]] = set()
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lag = max(lag, -delay)
        task = asyncio.create_task(fire(i))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running)
    return lag


async def post_timed(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    marker: str,
    run: Run,
) -> None:
    """POST one request, noting when its marker left and how long the answer took."""
    start = time.perf_counter()
    run.started[marker] = start
    try:
        async with session.post(url, data=body, headers=headers) as resp:
            payload = await resp.read()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        run.error(type(exc).__name__, str(exc))
        return
    if status != 200:
        run.error(f"HTTP {status}", payload.decode(errors="replace"))
        return
    run.acks.append(time.perf_counter() - start)


async def wait_until(done: Callable[[], bool], within: float) -> bool:
    """Poll done() until it holds (True) or `within` seconds passed (False)."""
    deadline = time.perf_counter() + within
    while not done():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def paced_phase(
    name: str,
    markers: Sequence[str],
    rate: float,
    send: Callable[[int, str], Awaitable[None]],
    delivered: Callable[[Sequence[str]], int],
    run: Run,
    drain_seconds: float,
) -> None:
    """send(i, marker) for each marker at `rate`/s, then wait until all were delivered."""
    start = time.perf_counter()
    run.lag = await paced(len(markers), rate, lambda i: send(i, markers[i]))
    if not await wait_until(lambda: delivered(markers) >= len(markers), drain_seconds):
        got = delivered(markers)
        print(f"  {name}: only {got}/{len(markers)} delivered within {drain_seconds:g}s")
    run.elapsed = time.perf_counter() - start


def arrived_in(arrivals: dict[str, float]) -> Callable[[Sequence[str]], int]:
    """How many of some markers are in an arrivals dict (for paced_phase)."""
    return lambda markers: sum(m in arrivals for m in markers)


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """Percentiles of a set of durations, in milliseconds."""

    n: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Figures:
        """Figures of durations given in seconds."""
        ordered = sorted(seconds)
        top = ordered[-1] * 1000 if ordered else math.nan
        return cls(
            len(ordered),
            percentile(ordered, 50) * 1000,
            percentile(ordered, 95) * 1000,
            percentile(ordered, 99) * 1000,
            top,
        )

    def cells(self) -> str:
        """p50 p95 p99 max, aligned for a table."""
        return " ".join(_ms(v) for v in (self.p50, self.p95, self.p99, self.max))


def _ms(value: float) -> str:
    return f"{'n/a':>8}" if math.isnan(value) else f"{value:8.1f}"


TABLE_HEADER = (
    f"{'target':34} {'sent':>6} {'err':>4} {'late':>5} "
    f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
)


def table_row(label: str, sent: int, errors: int, late: int, figures: Figures) -> str:
    """One row of a results table (late: acknowledged, not delivered within the drain time)."""
    return f"{label:34} {sent:>6} {errors:>4} {late:>5} {figures.cells()}"


def target_check(label: str, value_ms: float, goal_ms: float) -> str:
    """`[PASS]`/`[MISS]` line for a p99 target."""
    ok = not math.isnan(value_ms) and value_ms <= goal_ms
    return f"[{'PASS' if ok else 'MISS'}] {label}: p99 {value_ms:.1f} ms (target <= {goal_ms:g} ms)"


def ratio(num: float, den: float) -> str:
    """num / den as `N.NNx`, n/a when undefined."""
    if math.isnan(num) or math.isnan(den) or den <= 0:
        return "n/a"
    return f"{num / den:.2f}x"


def print_errors(label: str, run: Run) -> None:
    """The kinds of failed requests of one run, with examples."""
    if not run.errors:
        return
    kinds = ", ".join(f"{k} x{n}" for k, n in run.errors.most_common())
    print(f"errors, {label}: {kinds}")
    for sample in run.samples:
        print(f"    e.g. {sample}")


# --------------------------------------------------------------------------- servers


@dataclass(frozen=True)
class Shape:
    """How cahts runs: one embedded process, or a server plus workers over Redis."""

    key: str
    label: str
    redis: bool


SHAPES = {
    "embedded": Shape("embedded", "cahts embedded (1 process)", False),
    "redis": Shape("redis", "cahts serve + worker (Redis)", True),
}


def parse_shapes(text: str) -> list[Shape]:
    """`embedded,redis` → shapes (ValueError on an unknown name)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SHAPES and n != "bare"]
    if unknown:
        raise ValueError(f"unknown target(s) {', '.join(unknown)}; use bare, embedded, redis")
    return [SHAPES[n] for n in names if n in SHAPES]


def run_cli(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    """Run one `cahts` subcommand; its output (RuntimeError with it when it fails)."""
    done = subprocess.run(
        [str(CAHTS), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise RuntimeError(f"`cahts {' '.join(args[:2])}` failed ({done.returncode}):\n{output}")
    return done.stdout.strip()


async def redis_problem(url: str) -> str | None:
    """None when Redis answers at url (and its task stream is cleared), else why not."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
        # Tasks a previous run left in this bench's Redis db would land on a new database.
        await client.delete(TASK_STREAM)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


def cahts_env(
    database: str, slack: TimedSlack | None, graph: TimedGraph, **extra: str
) -> dict[str, str]:
    """The environment of cahts for one bench: its database, the fakes, fresh secrets."""
    env = server_env(pg_url(database), META_GRAPH_URL=graph.url, **extra)
    if slack is not None:
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            SLACK_CHANNEL=CHANNEL,
            PUBLIC_URL="https://cahts.example.com",
        )
    return env


async def prepare_database(
    database: str, env: dict[str, str], user: tuple[str, str] | None = None
) -> None:
    """A fresh, migrated database with the bench's Messenger account (and a user owning it)."""
    await create_database(database)
    run_cli(["migrate"], env)
    account = ["account", "add", "--platform", "messenger", "--external-id", PAGE_ID]
    account += ["--name", "Bench Shop", "--token", "bench-page-token"]
    if user is not None:
        email, password = user
        run_cli(["createuser", email, "--password-stdin", "--name", "Bench"], env, password + "\n")
        account += ["--owner", email]
    run_cli(account, env)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(roots: Sequence[int]) -> set[int]:
    """The given pids and every live process below them (taskiq workers fork children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parents[int(entry.name)] = int(fields[1])
    found = set(roots)
    grew = True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in found} - found
        grew = bool(below)
        found |= below
    return found


@dataclass
class Started:
    """A running target: its URL, the server process and any workers."""

    base_url: str
    server: subprocess.Popen[bytes]
    others: list[subprocess.Popen[bytes]]
    logs: list[Path]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the target's processes and their children used so far."""
        roots = [p.pid for p in [self.server, *self.others]]
        return sum(cpu_seconds(pid) for pid in descendants(roots))

    def sched(self) -> tuple[float, float]:
        """Seconds the target's threads ran on a CPU, and waited runnable for one (so far)."""
        ran = waited = 0.0
        for pid in descendants([p.pid for p in [self.server, *self.others]]):
            for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
                try:
                    on_cpu, queued, _ = stat.read_text().split()
                except (OSError, ValueError):
                    continue
                ran += int(on_cpu) / 1e9
                waited += int(queued) / 1e9
        return ran, waited

    def log_tails(self, lines: int = 15) -> str:
        """The end of every log of this target."""
        return "\n".join(f"--- {p}\n{tail(p, lines)}" for p in self.logs)


async def start_cahts(
    shape: Shape,
    env: dict[str, str],
    procs: Processes,
    logdir: Path,
    redis_url: str,
    workers: int,
    start_timeout: float,
) -> Started:
    """`cahts serve` (and, over Redis, `cahts worker`) until /healthz answers."""
    env = dict(env)
    if shape.redis:
        env["REDIS_URL"] = redis_url
    port = free_port()
    log = logdir / f"{shape.key}-serve.log"
    server = procs.spawn(shape.key, [str(CAHTS), "serve", "--port", str(port)], env, log)
    started = Started(f"http://127.0.0.1:{port}", server, [], [log])
    if shape.redis:
        for n in range(workers):
            wlog = logdir / f"{shape.key}-worker{n}.log"
            started.others.append(procs.spawn(f"worker{n}", [str(CAHTS), "worker"], env, wlog))
            started.logs.append(wlog)
    try:
        await wait_healthy(started.base_url + "/healthz", server, wait_s=start_timeout)
    except Exception as exc:
        raise RuntimeError(f"{shape.label} did not start: {exc}\n{started.log_tails()}") from exc
    return started


async def start_bare(
    mode: str,
    database: str,
    procs: Processes,
    logdir: Path,
    secret: str,
    start_timeout: float,
    **urls: str,
) -> Started:
    """The bare aiohttp baseline for one mode (bench/_bare.py) until /healthz answers."""
    port = free_port()
    log = logdir / f"bare-{mode}.log"
    cmd = [
        sys.executable,
        str(BARE),
        "--mode",
        mode,
        "--port",
        str(port),
        "--dsn",
        pg_url(database),
    ]
    for name, value in urls.items():
        cmd += [f"--{name.replace('_', '-')}", value]
    env = {**os.environ, "META_APP_SECRET": secret, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    server = procs.spawn(f"bare-{mode}", cmd, env, log)
    started = Started(f"http://127.0.0.1:{port}", server, [], [log])
    try:
        await wait_healthy(started.base_url + "/healthz", server, wait_s=start_timeout)
    except Exception as exc:
        raise RuntimeError(f"bare baseline did not start: {exc}\n{started.log_tails()}") from exc
    return started


def stop(procs: Processes, started: Started) -> None:
    """Stop a target's processes, workers first."""
    for proc in started.others:
        procs.stop(proc, timeout=3)
    procs.stop(started.server)


def py_spy(procs: Processes, started: Started, key: str, outdir: Path, seconds: float) -> None:
    """Sample the target's processes with py-spy for `seconds` (raw folded stacks in outdir)."""
    spy = Path(sys.executable).parent / "py-spy"
    outdir.mkdir(parents=True, exist_ok=True)
    for n, proc in enumerate([started.server, *started.others]):
        name = "serve" if n == 0 else f"worker{n - 1}"
        out = outdir / f"{key}-{name}.txt"
        cmd = [str(spy), "record", "--pid", str(proc.pid), "--duration", str(int(seconds) + 1)]
        cmd += ["--rate", "250", "--format", "raw", "--subprocesses", "--output", str(out)]
        procs.spawn(f"py-spy-{name}", cmd, dict(os.environ), outdir / f"{key}-{name}.py-spy.log")


class Usage:
    """CPU use of a target over one phase: call start(), then stop(run) fills run.cpu/starved."""

    def __init__(self, started: Started) -> None:
        """Watch this target."""
        self.started = started
        self._cpu = 0.0
        self._waited = 0.0

    def start(self) -> None:
        """Note the counters now."""
        self._cpu = self.started.cpu_seconds()
        self._waited = self.started.sched()[1]

    def stop(self, run: Run) -> None:
        """Put what was used since start() on the run."""
        run.cpu = self.started.cpu_seconds() - self._cpu
        run.starved = self.started.sched()[1] - self._waited


def usage_line(run: Run, unit: str) -> str:
    """CPU per message, and how long the target waited for a CPU (a busy machine)."""
    count = max(len(run.started), 1)
    return (
        f"server CPU {run.cpu * 1000 / count:.2f} ms per {unit}; "
        f"waited for a CPU {run.starved:.1f}s in {run.elapsed:.1f}s"
    )


def latency_parser(
    description: str, *, rate: float, rate_help: str, conversations_help: str, database: str
) -> argparse.ArgumentParser:
    """The options the three latency benches share; each adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rate", type=float, default=rate, help=rate_help)
    parser.add_argument("--conversations", type=int, default=50, help=conversations_help)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds of load")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds of load")
    parser.add_argument("--targets", default="bare,embedded,redis", help="of bare,embedded,redis")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help="Redis db of the redis shape (cleared)"
    )
    parser.add_argument("--database", default=database, help="PostgreSQL database (recreated)")
    parser.add_argument("--connections", type=int, default=64, help="client HTTP connections")
    parser.add_argument("--drain-seconds", type=float, default=30.0, help="wait for stragglers")
    parser.add_argument("--start-timeout", type=float, default=60.0, help="server start wait")
    parser.add_argument("--keep-logs", type=Path, help="keep server logs in this directory")
    parser.add_argument(
        "--py-spy", type=Path, help="profile each target's processes (measured phase) into DIR"
    )
    return parser


def latency_args(
    parser: argparse.ArgumentParser, argv: list[str] | None, *positive: str
) -> argparse.Namespace:
    """Parse and check the command line: counts positive, warm-up >= 0, known targets."""
    args = parser.parse_args(argv)
    names = ("rate", "seconds", "conversations", *positive)
    if min(getattr(args, n) for n in names) <= 0 or args.warmup < 0:
        parser.error(", ".join(f"--{n}" for n in names) + " must be positive, --warmup >= 0")
    try:
        args.shapes = parse_shapes(args.targets)
    except ValueError as exc:
        parser.error(str(exc))
    args.bare = "bare" in args.targets.split(",")
    return args


async def start_shape(
    shape: Shape,
    procs: Processes,
    logdir: Path,
    slack: TimedSlack | None,
    graph: TimedGraph,
    secret: str,
    args: argparse.Namespace,
    *,
    workers: int,
    user: tuple[str, str] | None = None,
) -> Started | None:
    """cahts in one shape on a fresh database, running (None, said why, when Redis is away)."""
    if shape.redis:
        problem = await redis_problem(args.redis_url)
        if problem is not None:
            print(f"skipping {shape.label}: Redis at {args.redis_url} does not answer ({problem})")
            return None
    env = cahts_env(args.database, slack, graph, META_APP_SECRET=secret)
    await prepare_database(args.database, env, user=user)
    started = await start_cahts(
        shape, env, procs, logdir, args.redis_url, workers, args.start_timeout
    )
    print(f"running {shape.label} ...", flush=True)
    return started
