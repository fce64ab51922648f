"""cahts processes a fault test starts, kills (-9) and stops (SIGTERM), each logging to a file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.processes import CAHTS, free_port, kill_group, process_env, stop_group


@dataclass
class Cahts:
    """One `cahts <command>` in its own process group (taskiq workers have children)."""

    command: list[str]
    env: dict[str, str]
    cwd: Path
    name: str
    proc: asyncio.subprocess.Process | None = None
    log: Path = field(init=False)
    starts: int = 0

    def __post_init__(self) -> None:
        self.log = self.cwd / f"{self.name}.log"

    async def start(self) -> None:
        """Start (or start again) the process; output is appended to its log."""
        self.starts += 1
        with self.log.open("ab") as sink:
            sink.write(f"\n--- start {self.starts} ---\n".encode())
            sink.flush()
            self.proc = await asyncio.create_subprocess_exec(
                CAHTS, *self.command, env=process_env(self.env, self.cwd), cwd=self.cwd,
                stdout=sink, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    @property
    def running(self) -> bool:
        """True while the process has not exited."""
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or an OOM kill would, and reap it."""
        if self.proc is not None:
            await kill_group(self.proc)

    async def terminate(self, grace: float = 20) -> int | None:
        """SIGTERM and wait; SIGKILL after `grace` seconds. The exit status (None if killed)."""
        return None if self.proc is None else await stop_group(self.proc, grace)

    def signal_leader(self, signum: int) -> None:
        """Signal the process itself, not its children (as `docker stop` signals PID 1)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signum)

    def group_left(self) -> bool:
        """True while any process of its group (the process or a child it started) lives on."""
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    async def wait_for(self, text: str, within: float = 60) -> None:
        """Wait until its log shows `text`; AssertionError if it exits or time runs out."""
        deadline = time.monotonic() + within
        while text not in self.output():
            if not self.running or time.monotonic() > deadline:
                raise AssertionError(f"{self.name} never logged {text!r}:\n{self.output()[-4000:]}")
            await asyncio.sleep(0.05)

    def output(self) -> str:
        """Everything it logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Server(Cahts):
    """`cahts serve` on a fixed port, so a restarted server answers at the same address."""

    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.env = {**self.env, "HOST": "127.0.0.1", "PORT": str(self.port)}

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self, within: float = 60) -> None:
        """Start and wait until /healthz answers."""
        await super().start()
        await self.wait_healthy(within)

    async def wait_healthy(self, within: float = 60) -> float:
        """Seconds until /healthz answered 200; AssertionError if the process died or timed out."""
        started = time.monotonic()
        timeout = aiohttp.ClientTimeout(total=1)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                if not self.running:
                    raise AssertionError(f"cahts serve exited:\n{self.output()[-4000:]}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            return time.monotonic() - started
                if time.monotonic() - started > within:
                    raise AssertionError(f"cahts serve did not answer:\n{self.output()[-4000:]}")
                await asyncio.sleep(0.05)


async def stop_all(processes: list[Cahts]) -> None:
    """End every process a scenario started: workers at once (nothing to drain), others gently."""
    for process in reversed(processes):
        if process.command[0] == "worker":
            await process.kill()
        else:
            await process.terminate(grace=10)
