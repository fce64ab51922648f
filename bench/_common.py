"""Shared helpers for the bench scripts: server subprocesses, an HTTP load generator, stats."""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import aiohttp

STOP_TIMEOUT = 10.0


def machine_line() -> str:
    """The machine this run measures: CPUs, Python, OS."""
    impl = platform.python_implementation()
    return (
        f"nproc={os.cpu_count()}, Python {platform.python_version()} ({impl}), "
        f"{platform.system()} {platform.machine()}"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file (empty when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Processes:
    """The subprocesses a bench started; close() terminates them, then kills stragglers."""

    def __init__(self) -> None:
        """Start with no processes."""
        self._running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def spawn(
        self, name: str, cmd: Sequence[str], env: dict[str, str], log_path: Path
    ) -> subprocess.Popen[bytes]:
        """Start cmd with stdout and stderr going to log_path."""
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                list(cmd), env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._running.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> int | None:
        """Terminate one process, kill it after timeout seconds; return its exit status."""
        self._running = [(n, p) for n, p in self._running if p is not proc]
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        return proc.returncode

    def close(self) -> None:
        """Stop every process still running, newest first."""
        for _name, proc in reversed(list(self._running)):
            try:
                self.stop(proc)
            except (OSError, subprocess.SubprocessError) as exc:
                print(f"warning: could not stop pid {proc.pid}: {exc}", file=sys.stderr)

    def __enter__(self) -> Processes:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop everything on the way out, even on Ctrl-C or an exception."""
        self.close()


class ServerDiedError(RuntimeError):
    """A server subprocess exited before it answered its health check."""


async def wait_healthy(
    url: str, proc: subprocess.Popen[bytes], wait_s: float = 30.0, interval: float = 0.1
) -> float:
    """Poll url until it answers 200; return the seconds it took. Raise if proc exits."""
    start = time.perf_counter()
    deadline = start + wait_s
    client_timeout = aiohttp.ClientTimeout(total=2)
    async with aiohttp.ClientSession(timeout=client_timeout) as session:
        while True:
            if proc.poll() is not None:
                raise ServerDiedError(f"server exited with status {proc.returncode}")
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - start
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{url} did not answer 200 within {wait_s:.0f}s")
            await asyncio.sleep(interval)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(slots=True)
class LoadResult:
    """What one load run saw: per-request latencies of 200s, errors, wall time."""

    sent: int = 0
    ok: int = 0
    stored: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    timed_out: bool = False

    @property
    def error_count(self) -> int:
        """Requests that did not get a 200."""
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        """Successful requests per second of wall time."""
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def latency_ms(self, pct: float) -> float:
        """A latency percentile of the successful requests, in milliseconds."""
        return percentile(sorted(self.latencies), pct) * 1000


async def run_load(
    url: str,
    requests: Sequence[tuple[bytes, dict[str, str]]],
    concurrency: int,
    max_seconds: float,
    request_timeout: float = 30.0,
) -> LoadResult:
    """POST each (body, headers) to url with `concurrency` connections, within max_seconds."""
    result = LoadResult()
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=request_timeout)

    async def worker(session: aiohttp.ClientSession, deadline: float) -> None:
        """Send requests until they run out or the deadline passes."""
        nonlocal next_index
        while next_index < len(requests):
            if time.perf_counter() >= deadline:
                result.timed_out = True
                return
            body, headers = requests[next_index]
            next_index += 1
            result.sent += 1
            start = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    payload = await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.errors[type(exc).__name__] += 1
                if len(result.error_samples) < 3:
                    result.error_samples.append(f"{type(exc).__name__}: {exc}")
                continue
            latency = time.perf_counter() - start
            if status != 200:
                result.errors[f"HTTP {status}"] += 1
                if len(result.error_samples) < 3:
                    result.error_samples.append(f"HTTP {status}: {payload[:200]!r}")
                continue
            result.ok += 1
            result.latencies.append(latency)
            try:
                result.stored += int(json.loads(payload).get("stored", 0))
            except (ValueError, AttributeError, TypeError):
                pass

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        deadline = start + max_seconds
        await asyncio.gather(*(worker(session, deadline) for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - start
    return result


# --------------------------------------------------------------------------- PostgreSQL, env

PG_BASE_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# Variables cahts reads that must not leak into a bench server from the caller's shell.
SERVER_NEUTRALISED_ENV = (
    "REDIS_URL",
    "HOST",
    "PORT",
    "PUBLIC_URL",
    "META_APP_ID",
    "META_VERIFY_TOKEN",
    "META_GRAPH_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_CHANNEL",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "MAX_BODY_BYTES",
    "METRICS_TOKEN",
)


def pg_url(database: str, base: str = PG_BASE_URL) -> str:
    """The URL of one database on the bench's PostgreSQL server."""
    return f"{base.rstrip('/')}/{database}"


def _asyncpg_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


async def pg_connect(url: str) -> Any:
    """An asyncpg connection to a postgres:// or postgresql:// URL."""
    import asyncpg

    return await asyncpg.connect(_asyncpg_url(url))


async def create_database(name: str, base: str = PG_BASE_URL) -> None:
    """Drop (if it exists) and create one database."""
    conn = await pg_connect(pg_url("postgres", base))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(name: str, base: str = PG_BASE_URL) -> None:
    """Drop one database (closing whatever is still connected to it)."""
    conn = await pg_connect(pg_url("postgres", base))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `cahts serve` under test: this database, fresh secrets, no leaks."""
    import secrets

    from cryptography.fernet import Fernet

    env = dict(os.environ)
    for name in SERVER_NEUTRALISED_ENV:
        env[name] = ""
    env.update(
        DATABASE_URL=database_url,
        # Loopback only: the scheduled syncs of the seeded accounts find nobody listening here.
        META_GRAPH_URL="http://127.0.0.1:9/v21.0",
        JWT_SECRET=secrets.token_urlsafe(48),
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        META_APP_SECRET=secrets.token_hex(32),
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    env.update(extra)
    return env


# --------------------------------------------------------------------------- processes, figures


def rss_bytes(pid: int) -> int:
    """Resident set size of a process (Linux /proc), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


class RssSampler:
    """Samples a process's RSS in a thread; `peak` is the largest value seen since start()."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        """Watch pid every interval seconds once started."""
        import threading

        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        """Start sampling."""
        self.peak = rss_bytes(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop sampling (one last sample included)."""
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's open-file soft limit towards wanted (children inherit it)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def mib(value: float) -> str:
    """Bytes as MiB for a report."""
    return f"{value / 1048576:.1f} MiB"


def verdict(ok: bool) -> str:
    """PASS or MISS, for target lines."""
    return "PASS" if ok else "MISS"


def target_line(label: str, measured: str, goal: str, ok: bool) -> str:
    """One line naming a target, what was measured, and whether it holds."""
    return f"[{verdict(ok)}] {label}: {measured} (target {goal})"


def ms_summary(seconds: Sequence[float]) -> str:
    """p50 / p99 / max of durations, in milliseconds."""
    ordered = sorted(seconds)
    p50, p99 = percentile(ordered, 50) * 1000, percentile(ordered, 99) * 1000
    top = ordered[-1] * 1000 if ordered else math.nan
    return f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {top:.1f} ms (n={len(ordered)})"


async def login(session: aiohttp.ClientSession, base_url: str, email: str, password: str) -> str:
    """Log in through the API; the access token."""
    async with session.post(
        f"{base_url}/api/auth/login", json={"email": email, "password": password}
    ) as resp:
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"login as {email} failed: {resp.status} {body}")
        return str(body["access"])


async def timed_gets(
    session: aiohttp.ClientSession,
    requests: Sequence[tuple[str, str]],
    headers: dict[str, str],
    concurrency: int,
    max_seconds: float = 120.0,
) -> tuple[dict[str, list[float]], Counter[str]]:
    """GET each (label, url) with `concurrency` workers; latencies of 200s by label, errors."""
    latencies: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    pending = list(reversed(requests))
    deadline = time.perf_counter() + max_seconds

    async def worker() -> None:
        while pending and time.perf_counter() < deadline:
            label, url = pending.pop()
            start = time.perf_counter()
            try:
                async with session.get(url, headers=headers) as resp:
                    await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors[f"{label}: {type(exc).__name__}"] += 1
                continue
            if status != 200:
                errors[f"{label}: HTTP {status}"] += 1
                continue
            latencies.setdefault(label, []).append(time.perf_counter() - start)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- entry points


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def exit_with(body: Callable[[], int | bool], *errors: type[BaseException]) -> NoReturn:
    """Run a bench's body and exit with its status (a bool: 0 when it holds).

    SIGTERM is handled like Ctrl-C, so the body's cleanup (servers, databases) runs: 130.
    RuntimeError, OSError and `errors` print one line and exit 1.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        status = body()
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        status = 130
    except (RuntimeError, OSError, *errors) as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = 1
    if isinstance(status, bool):
        status = 0 if status else 1
    sys.exit(status)
