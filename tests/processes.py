"""Running cahts as real processes in tests: the console script, a served instance, signed posts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from tests.conftest import APP_SECRET
from tests.helpers import sign_meta

CAHTS = str(Path(sys.executable).parent / "cahts")


def process_env(env: dict[str, str], cwd: Path) -> dict[str, str]:
    """Exactly this environment (plus PATH and HOME): nothing leaks in from the caller's."""
    return {"PATH": os.environ["PATH"], "HOME": str(cwd), **env}


async def kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL a process's whole group (taskiq workers have children), as a crash would; reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    await proc.wait()


async def stop_group(proc: asyncio.subprocess.Process, grace: float) -> int | None:
    """SIGTERM the group and wait; SIGKILL after `grace` seconds. The exit status (None: killed)."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            await kill_group(proc)
            return None
    return proc.returncode


def run(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run cahts with exactly this environment (plus PATH and HOME)."""
    return subprocess.run(
        [CAHTS, *args],
        env=process_env(env, cwd),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def run_async(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """`run` without blocking the loop (a test's fake servers keep answering meanwhile):
    exit status, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(
        CAHTS,
        *args,
        env=process_env(env, cwd),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return int(proc.returncode or 0), out.decode(), err.decode()


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    env: dict[str, str],
    cwd: Path,
    procs: list[subprocess.Popen[bytes]] | None = None,
    *,
    cahts: str = CAHTS,
) -> Iterator[str]:
    """`cahts serve` in the background until /healthz answers; yields the base URL.

    Its output goes to `serve-<port>.log` in cwd (a pipe nobody reads could block it).
    `cahts` is the console script to run (another install's, say).
    """
    port = free_port()
    full = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env, "PORT": str(port)}
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [cahts, "serve"], env=full, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT
        )
    if procs is not None:
        procs.append(proc)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                output = log_path.read_text(errors="replace")
                raise AssertionError(f"cahts serve exited {proc.returncode}:\n{output}")
            try:
                with urlopen(f"{base}/healthz", timeout=1) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def post_webhook(base: str, platform: str, body: bytes) -> int:
    """POST a signed webhook; returns the HTTP status."""
    request = Request(  # noqa: S310
        f"{base}/api/webhooks/{platform}", data=body, headers=sign_meta(body, APP_SECRET)
    )
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except HTTPError as exc:
        return exc.code


def count_rows(url: str, table: str) -> int:
    """Rows in a table of a PostgreSQL database (as the processes under test left it)."""
    import asyncio

    import asyncpg

    async def count() -> int:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
        finally:
            await conn.close()

    return asyncio.run(count())
