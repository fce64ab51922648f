"""Running cahts as real processes in tests: the console script, a served instance, signed posts."""

from __future__ import annotations

import os
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


def run(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run cahts with exactly this environment (plus PATH and HOME)."""
    full = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env}
    return subprocess.run(
        [CAHTS, *args], env=full, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=60
    )


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    env: dict[str, str], cwd: Path, procs: list[subprocess.Popen[bytes]] | None = None
) -> Iterator[str]:
    """`cahts serve` in the background until /healthz answers; yields the base URL.

    Its output goes to `serve-<port>.log` in cwd (a pipe nobody reads could block it).
    """
    port = free_port()
    full = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env, "PORT": str(port)}
    log_path = cwd / f"serve-{port}.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [CAHTS, "serve"], env=full, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT
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
