"""Webhook ingest under faults: the server killed (-9), PostgreSQL restarted, SIGTERM under load.

Each run is a function the fault tests call with CI-sized figures and the bench scripts
(`bench/faults_*.py`) call with bigger ones; it returns what happened, for both to check
and print.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from inbox.models import Workspace
from inbox.schema import migrate
from inbox.services.sessions.api_tokens import start_session
from tests.conftest import APP_SECRET, cahts_env
from tests.factories import make_account, make_user, make_workspace
from tests.faults.ledger import Ledger, connected, ledger
from tests.faults.procs import Server
from tests.faults.sender import PAGE_ID, WHATSAPP_NUMBER, MetaSender, make_deliveries
from tests.faults.services import PrivatePostgres


@dataclass
class Run:
    """The figures of one fault run."""

    ledger: Ledger
    requests: int
    outcomes: str
    seconds: float
    faults: list[str] = field(default_factory=list)
    figures: dict[str, float | int | str] = field(default_factory=dict)
    failed_requests: int = 0  # answered with anything but a 200, or not answered
    retried_stored: int = 0  # messages a retry found stored: committed, never acknowledged
    during_outages: list[Counter[str]] = field(default_factory=list)
    recoveries: list[float | None] = field(default_factory=list)

    def report(self, title: str) -> str:
        """A few lines for a person (the bench output and docs/reliability.md)."""
        lines = [
            title,
            f"  {self.ledger.line()}",
            f"  {self.requests} requests in {self.seconds:.1f} s; outcomes: {self.outcomes}",
        ]
        lines += [f"  fault: {f}" for f in self.faults]
        lines += [f"  {k}: {v}" for k, v in self.figures.items()]
        return "\n".join(lines)


async def prepare(database_url: str, cwd: Path, **extra: str) -> dict[str, str]:
    """Migrate the database and connect a Messenger and a WhatsApp account; the processes' env."""
    env = cahts_env(database_url, LOG_FORMAT="text", **extra)
    await migrate(database_url)
    async with connected(database_url) as settings:
        workspace = await make_workspace()
        key = settings.token_encryption_keys[0]
        await make_account(workspace, "messenger", PAGE_ID, key=key, name="Shop on Messenger")
        await make_account(workspace, "whatsapp", WHATSAPP_NUMBER, key=key, name="Shop on WhatsApp")
    return env


async def _finish(
    sender: MetaSender, task: asyncio.Task[None], database_url: str, started: float
) -> Run:
    await task
    found = await ledger(database_url, sender.all_mids, sender.acknowledged_mids)
    return Run(
        ledger=found,
        requests=sender.tally.requests,
        outcomes=sender.tally.outcome_line(),
        seconds=time.monotonic() - started,
        failed_requests=len(sender.tally.failures),
        retried_stored=sender.tally.duplicates,
    )


async def kill_server_run(
    database_url: str,
    cwd: Path,
    *,
    messages: int = 2000,
    kills: int = 2,
    concurrency: int = 16,
    down_seconds: float = 0.5,
    within: float = 240,
) -> Run:
    """`kill -9` the server `kills` times while a sender posts; restart it each time."""
    env = await prepare(database_url, cwd)
    server = Server(["serve"], env, cwd, "serve")
    await server.start()
    deliveries = make_deliveries(messages, prefix="k")
    sender = MetaSender(
        server.base, deliveries, APP_SECRET, concurrency=concurrency, redeliver_every=50
    )
    started = time.monotonic()
    task = asyncio.create_task(sender.run(within))
    faults: list[str] = []
    restarts: list[float] = []
    try:
        for k in range(kills):
            await sender.wait_acked(len(deliveries) * (k + 1) // (kills + 1))
            acked = sender.acked
            await server.kill()
            faults.append(f"kill -9 after {acked} acknowledged bodies")
            await asyncio.sleep(down_seconds)
            restarted = time.monotonic()
            await server.start()
            restarts.append(time.monotonic() - restarted)
            sender.mark(f"restart {k + 1}")
        run = await _finish(sender, task, database_url, started)
    finally:
        task.cancel()
        await server.terminate()
    run.faults = faults
    run.figures = {
        "bodies": len(deliveries),
        "messages reported stored by 200s": sender.tally.stored,
        "messages a retry found already stored": sender.tally.duplicates,
        "acknowledged bodies redelivered on purpose": sender.tally.redelivered,
        "server restart to healthy (s)": ", ".join(f"{s:.2f}" for s in restarts),
    }
    return run


async def _status(url: str, token: str | None = None) -> int:
    """The status of a GET (0: no answer)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(url, headers=headers) as response,
        ):
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


async def _token(database_url: str) -> str:
    """An access token of a dashboard user of the (only) workspace."""
    async with connected(database_url) as settings:
        workspace = await Workspace.first()
        assert workspace is not None
        user = await make_user(workspace)
        return (await start_session(user, settings.jwt_secret)).access


async def postgres_restart_run(
    cluster: PrivatePostgres,
    database: str,
    cwd: Path,
    *,
    messages: int = 1500,
    outages: tuple[tuple[str, float], ...] = (("fast", 2.0), ("immediate", 2.0)),
    concurrency: int = 16,
    within: float = 240,
) -> Run:
    """Stop the server's own PostgreSQL mid-ingest (each outage: mode, seconds), then start it."""
    database_url = await cluster.create_database(database)
    env = await prepare(database_url, cwd)
    token = await _token(database_url)
    server = Server(["serve"], env, cwd, "serve")
    await server.start()
    deliveries = make_deliveries(messages, prefix="p")
    sender = MetaSender(server.base, deliveries, APP_SECRET, concurrency=concurrency)
    started = time.monotonic()
    task = asyncio.create_task(sender.run(within))
    faults: list[str] = []
    figures: dict[str, float | int | str] = {"bodies": len(deliveries)}
    during_outages: list[Counter[str]] = []
    try:
        for k, (mode, seconds) in enumerate(outages, start=1):
            await sender.wait_acked(len(deliveries) * k // (len(outages) + 1))
            before = sender.tally.outcomes.copy()
            down = time.monotonic()
            await asyncio.to_thread(cluster.stop, mode)
            await asyncio.sleep(seconds)
            figures[f"outage {k}: /readyz while down"] = await _status(f"{server.base}/readyz")
            figures[f"outage {k}: GET /api/conversations while down"] = await _status(
                f"{server.base}/api/conversations", token
            )
            await asyncio.to_thread(cluster.start)
            sender.mark(f"postgres up {k}")
            during = sender.tally.outcomes - before
            during_outages.append(during)
            faults.append(
                f"PostgreSQL stopped ({mode}) for {time.monotonic() - down:.1f} s after "
                f"{sender.acked} acknowledged bodies; answers meanwhile: "
                + ", ".join(f"{k2}: {v}" for k2, v in during.most_common())
            )
        run = await _finish(sender, task, database_url, started)
        figures["server process restarts"] = server.starts - 1
        figures["server still running"] = str(server.running)
        figures["/readyz after"] = await _status(f"{server.base}/readyz")
        figures["GET /api/conversations after"] = await _status(
            f"{server.base}/api/conversations", token
        )
    finally:
        task.cancel()
        await server.terminate()
    run.recoveries = [sender.recovery(f"postgres up {k}") for k in range(1, len(outages) + 1)]
    for k, took in enumerate(run.recoveries, start=1):
        figures[f"outage {k}: PostgreSQL up to first 200 (s)"] = (
            round(took, 2) if took is not None else "never"
        )
    run.faults = faults
    run.figures = figures
    run.during_outages = during_outages
    return run


async def sigterm_server_run(
    database_url: str,
    cwd: Path,
    *,
    messages: int = 1500,
    concurrency: int = 16,
    within: float = 240,
) -> Run:
    """SIGTERM the server mid-load (a deploy), start it again, let the sender finish."""
    env = await prepare(database_url, cwd)
    server = Server(["serve"], env, cwd, "serve")
    await server.start()
    deliveries = make_deliveries(messages, prefix="t")
    sender = MetaSender(server.base, deliveries, APP_SECRET, concurrency=concurrency)
    started = time.monotonic()
    task = asyncio.create_task(sender.run(within))
    figures: dict[str, float | int | str] = {"bodies": len(deliveries)}
    try:
        await sender.wait_acked(len(deliveries) // 3)
        acked = sender.acked
        stopping = time.monotonic()
        code = await server.terminate(grace=30)
        figures["SIGTERM to exit (s)"] = round(time.monotonic() - stopping, 2)
        figures["exit status"] = "killed after 30 s" if code is None else code
        await server.start()
        run = await _finish(sender, task, database_url, started)
    finally:
        task.cancel()
        await server.terminate()
    run.faults = [f"SIGTERM after {acked} acknowledged bodies; restarted at once"]
    figures["messages a retry found already stored (answered late or never)"] = (
        sender.tally.duplicates
    )
    run.figures = figures
    return run
