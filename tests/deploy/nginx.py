"""Debian's nginx running deploy/nginx.conf (the file compose mounts) as a test's own process.

Only what Docker provides is adapted, in a copy: the listen port, and the `server` name that
Docker's DNS resolves to every replica becomes an upstream group of local servers. Its pid,
logs and temporary files live in the test's directory; the system's nginx is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import re
import shutil
import signal
import time
from pathlib import Path

import aiohttp

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx.conf"
# The access log names the server that answered, so a test can see both took requests.
LOG_FORMAT = "$request_method $uri $status upstream=$upstream_addr"


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")


def adapt(conf: str, port: int, upstream: str) -> str:
    """deploy/nginx.conf with Docker's parts replaced; every other line as compose runs it."""
    conf, resolvers = re.subn(r"^resolver 127\.0\.0\.11 .*;$", "", conf, flags=re.M)
    conf, listens = re.subn(r"^(\s*)listen 80;$", rf"\1listen 127.0.0.1:{port};", conf, flags=re.M)
    conf, targets = re.subn(
        r"set \$upstream http://server:8000;", f"set $upstream http://{upstream};", conf
    )
    assert (resolvers, listens, targets) == (1, 1, 1), "deploy/nginx.conf changed shape"
    return conf


class Nginx:
    """One nginx master (and worker) in the foreground of its own process group."""

    def __init__(self, root: Path, upstreams: list[int]) -> None:
        self.root = root
        self.port = free_port()
        self.upstreams = upstreams
        self.access_log = root / "access.log"
        self.error_log = root / "error.log"
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        """The proxy's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def write_conf(self) -> Path:
        """The main configuration around the adapted copy of deploy/nginx.conf."""
        self.root.mkdir(parents=True, exist_ok=True)
        site = self.root / "cahts.conf"
        site.write_text(adapt(CONF.read_text(), self.port, "cahts_servers"))
        servers = "".join(f"        server 127.0.0.1:{p};\n" for p in self.upstreams)
        temp = "".join(
            f"    {kind}_temp_path {self.root / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        main = self.root / "nginx.conf"
        main.write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {self.root / 'nginx.pid'};\n"
            f"error_log {self.error_log} info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"    log_format upstreams '{LOG_FORMAT}';\n"
            f"    access_log {self.access_log} upstreams;\n{temp}"
            f"    upstream cahts_servers {{\n{servers}    }}\n"
            f"    include {site};\n"
            "}\n"
        )
        return main

    async def start(self, within: float = 20) -> None:
        """Check the configuration, start nginx and wait until it answers."""
        binary = nginx_binary()
        assert binary is not None
        main = self.write_conf()
        args = ["-e", str(self.error_log), "-p", str(self.root), "-c", str(main)]
        check = await asyncio.create_subprocess_exec(
            binary, "-t", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await check.communicate()
        assert check.returncode == 0, output.decode()
        self._proc = await asyncio.create_subprocess_exec(
            binary, *args, start_new_session=True,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
            while True:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            return
                assert self._proc.returncode is None, self.error_log.read_text()
                assert time.monotonic() - started < within, self.error_log.read_text()
                await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop nginx (SIGQUIT: finish requests, then exit) and its worker; kill after 10 s."""
        if self._proc is None or self._proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGQUIT)
        try:
            await asyncio.wait_for(self._proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            await self._proc.wait()

    def upstreams_used(self) -> set[str]:
        """The servers (host:port) that answered requests through the proxy."""
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return {a for found in re.findall(r"upstream=(\S+)", text) for a in found.split(", ")}
