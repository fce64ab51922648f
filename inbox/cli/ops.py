"""`cahts migrate|worker|scheduler|genkey`: running the parts of a deployment."""

from __future__ import annotations

import argparse
import asyncio

from cryptography.fernet import Fernet

from inbox.cli.common import CommandError
from inbox.schema import migrate
from inbox.settings import Settings
from inbox.tasks import TASK_MODULES

BROKER = "inbox.tasks.broker:broker"
SCHEDULER = "inbox.tasks.scheduler:scheduler"


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    try:
        applied = asyncio.run(migrate(settings.database_url))
    except ConnectionError as exc:
        raise CommandError(str(exc)) from exc
    if applied:
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        print("database schema is current; nothing to apply")


def _worker(args: argparse.Namespace, settings: Settings) -> None:
    from taskiq.cli.worker.args import WorkerArgs
    from taskiq.cli.worker.run import run_worker

    if settings.redis_url is None:
        raise CommandError("REDIS_URL is not set: without it `cahts serve` runs tasks itself")
    worker_args = WorkerArgs.from_cli([BROKER, *TASK_MODULES, "--workers", str(args.workers)])
    status = run_worker(worker_args)
    raise SystemExit(status or 0)


def _scheduler(args: argparse.Namespace, settings: Settings) -> None:
    from taskiq.cli.scheduler.args import SchedulerArgs

    from inbox.tasks.scheduler import run_until_signalled

    if settings.redis_url is None:
        raise CommandError("REDIS_URL is not set: without it `cahts serve` schedules tasks itself")
    scheduler_args = SchedulerArgs.from_cli([SCHEDULER, *TASK_MODULES, "--skip-first-run"])
    asyncio.run(run_until_signalled(scheduler_args))


def _genkey(args: argparse.Namespace, settings: Settings | None) -> None:
    print(Fernet.generate_key().decode())


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the operational subcommands."""
    parser = commands.add_parser("migrate", help="bring the database schema up to date")
    parser.set_defaults(handler=_migrate)

    parser = commands.add_parser("worker", help="run a taskiq worker (needs REDIS_URL)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.set_defaults(handler=_worker)

    parser = commands.add_parser("scheduler", help="run the one taskiq scheduler (needs REDIS_URL)")
    parser.set_defaults(handler=_scheduler)

    parser = commands.add_parser("genkey", help="print a new key for TOKEN_ENCRYPTION_KEYS")
    parser.set_defaults(handler=_genkey, needs_settings=False)
