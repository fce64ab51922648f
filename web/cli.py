"""The CLI's composition root: the `cahts` console script, its subcommands and the processes."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from bot import cli as slack_cli
from inbox.cli import accounts, catchup, keys, ops, users
from inbox.cli.common import CommandError, fail
from inbox.logs import configure_logging
from inbox.schema import SchemaError
from inbox.settings import ConfigError, Settings, load_settings
from inbox.tasks import stopping
from web import doctor
from web.app import create_app

# The worker and scheduler roots, loaded by taskiq in the processes it starts.
WORKER_BROKER = "web.worker:broker"
SCHEDULER = "web.scheduler:scheduler"
STOPPING_RECEIVER = "inbox.tasks.stopping:StoppingReceiver"


async def _settle_heap(app: web.Application) -> None:
    """Once started, move what start-up made out of the collector's sight (gc.freeze).

    The modules, settings and app built at start live as long as the process; every full
    collection walked them again, a cost each webhook paid in proportion to the heap.
    """
    gc.collect()
    gc.freeze()


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    host = args.host or settings.host
    port = args.port or settings.port
    try:
        log = logging.getLogger("cahts")
        log.info("cahts serving on http://%s:%s", host, port)
        app = create_app(settings)
        app.on_startup.append(_settle_heap)
        web.run_app(app, host=host, port=port, access_log=None, print=None)
        log.info("cahts stopped")
    except SchemaError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"cannot start on {host}:{port}: {exc}") from exc


def _worker(args: argparse.Namespace, settings: Settings) -> None:
    from taskiq.cli.worker.args import WorkerArgs
    from taskiq.cli.worker.run import run_worker

    if settings.redis_url is None:
        raise CommandError("REDIS_URL is not set: without it `cahts serve` runs tasks itself")
    worker_args = WorkerArgs.from_cli(
        [WORKER_BROKER, "--workers", str(args.workers), "--receiver", STOPPING_RECEIVER,
         "--wait-tasks-timeout", str(stopping.stop_timeout() + 1),
         "--shutdown-timeout", str(stopping.CLOSE_SECONDS)]
    )  # fmt: skip
    status = run_worker(worker_args)
    # taskiq's manager only signals its children; a child that outlives its time is killed.
    stopping.reap_children(stopping.stop_bound() + 1)
    raise SystemExit(status or 0)


def _scheduler(args: argparse.Namespace, settings: Settings) -> None:
    from taskiq.cli.scheduler.args import SchedulerArgs

    from inbox.tasks.scheduler import run_until_signalled

    if settings.redis_url is None:
        raise CommandError("REDIS_URL is not set: without it `cahts serve` schedules tasks itself")
    scheduler_args = SchedulerArgs.from_cli([SCHEDULER, "--skip-first-run"])
    asyncio.run(run_until_signalled(scheduler_args))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cahts", description="Your social inbox (Instagram, Messenger, WhatsApp) in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the server (webhooks, API, dashboard, Slack)")
    serve.add_argument("--host", help="listen address (default HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default PORT or 8000)")
    serve.set_defaults(handler=_serve)
    ops.register(commands)
    worker = commands.add_parser("worker", help="run a taskiq worker (needs REDIS_URL)")
    worker.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    worker.set_defaults(handler=_worker)
    scheduler = commands.add_parser(
        "scheduler", help="run the one taskiq scheduler (needs REDIS_URL)"
    )
    scheduler.set_defaults(handler=_scheduler)
    users.register(commands)
    accounts.register(commands)
    catchup.register(commands)
    keys.register(commands)
    doctor.register(commands)
    slack_cli.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `cahts` console script."""
    args = build_parser().parse_args(argv)
    configure_logging()
    settings: Settings | None = None
    if getattr(args, "needs_settings", True):
        try:
            settings = load_settings()
        except ConfigError as exc:
            fail(f"configuration: {exc}", status=2)
        configure_logging(settings.secret_values())
    try:
        args.handler(args, settings)
    except CommandError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        sys.exit(130)
