"""Shared helpers for the bench scripts: server subprocesses, an HTTP load generator, stats."""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
