"""Private PostgreSQL and Redis servers that a fault test may stop and restart at will.

The machine's shared PostgreSQL (5432) and Redis (6379) serve other test runs and are never
touched: each fault that needs an outage gets its own server on a free loopback port.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

from tests.faults.procs import free_port


def postgres_bin(tool: str) -> str | None:
    """Path of a PostgreSQL server tool (initdb, pg_ctl, postgres), newest version first."""
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"),
        key=lambda p: [int(x) for x in Path(p).parts[-3].split(".") if x.isdigit()],
    )
    return found[-1] if found else shutil.which(tool)


def _as_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (trust auth, 127.0.0.1, its own port and data dir).

    Its files live in a fresh directory under the system temp dir (PostgreSQL's user must be
    able to reach it, which a root-only pytest tmp_path does not allow).
    """

    def __init__(self, port: int | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cahts-faults-pg-"))
        self.data = self.root / "pgdata"
        self.port = port or free_port()
        self.log = self.root / "postgres.log"
        self._pg_ctl = postgres_bin("pg_ctl")
        self._initdb = postgres_bin("initdb")

    @staticmethod
    def available() -> bool:
        """True when the server binaries are installed (and runnable as a non-root user)."""
        have = postgres_bin("initdb") is not None and postgres_bin("pg_ctl") is not None
        return have and (os.geteuid() != 0 or shutil.which("runuser") is not None)

    def url(self, database: str = "postgres") -> str:
        """A postgres:// URL of one database on this cluster."""
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        assert self._pg_ctl is not None
        result = subprocess.run(
            _as_owner([self._pg_ctl, *args]), capture_output=True, text=True, timeout=60
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl {args[0]} failed: {result.stderr or result.stdout}")

    def init(self) -> None:
        """initdb into a fresh directory owned by the user PostgreSQL runs as."""
        assert self._initdb is not None
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        result = subprocess.run(
            _as_owner(
                [self._initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--no-sync", "-E", "UTF8", "--locale=C"]
            ),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr or result.stdout}")

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        data, log = str(self.data), str(self.log)
        self._run("start", "-w", "-t", "60", "-D", data, "-l", log, "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `fast` (an administrator's restart) or `immediate` (a crash: no checkpoint)."""
        self._run("stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode)

    async def create_database(self, name: str) -> str:
        """Create a database on this cluster; returns its URL."""
        conn = await asyncpg.connect(self.url().replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url(name)

    def destroy(self, keep_log: Path | None = None) -> None:
        """Stop the cluster (if running) and delete its files, keeping its log if asked."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except RuntimeError:
                pass
        if keep_log is not None and self.log.exists():
            shutil.copyfile(self.log, keep_log)
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server of our own (no persistence), started and stopped as a subprocess."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.log = root / "redis.log"
        self._proc: asyncio.subprocess.Process | None = None

    @staticmethod
    def available() -> bool:
        """True when redis-server is installed."""
        return shutil.which("redis-server") is not None

    def url(self, db: int = 0) -> str:
        """redis:// URL of one db on this server."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    async def start(self) -> None:
        """Start redis-server on its port and wait for PONG."""
        self.root.mkdir(parents=True, exist_ok=True)
        binary = shutil.which("redis-server") or "redis-server"
        with self.log.open("ab") as sink:
            self._proc = await asyncio.create_subprocess_exec(
                binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", str(self.root),
                stdout=sink, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        client = aioredis.from_url(self.url(), socket_connect_timeout=0.5)
        deadline = time.monotonic() + 20
        try:
            while True:
                try:
                    if await client.ping():
                        return
                except (OSError, aioredis.RedisError) as exc:
                    if time.monotonic() > deadline or self._proc.returncode is not None:
                        log = self.log.read_text()
                        raise RuntimeError(f"redis-server did not start: {log}") from exc
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """Stop redis-server (SIGTERM, as a service manager would) and wait until it is gone."""
        if self._proc is None or self._proc.returncode is not None:
            return
        self._proc.terminate()
        try:
            await asyncio.wait_for(self._proc.wait(), 10)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()
        self._proc = None
