"""Webhook ingest under faults, at scale: kill -9 the server, restart PostgreSQL, SIGTERM.

Each scenario runs `cahts serve` on PostgreSQL while a Meta-like sender posts signed
webhooks and retries every one not answered 200, then compares the database with what was
sent. Prints the figures; exits 1 if anything acknowledged was lost or stored twice.

    .venv/bin/python bench/faults_ingest.py --scenario kill --messages 20000 --kills 3
    .venv/bin/python bench/faults_ingest.py --scenario postgres --messages 10000 --outage 10
    .venv/bin/python bench/faults_ingest.py --scenario sigterm --messages 10000
"""

from __future__ import annotations

import argparse

from _faults import bench_database, run, workdir

from tests.faults.ingest_faults import (
    Run,
    kill_server_run,
    postgres_restart_run,
    sigterm_server_run,
)
from tests.faults.services import PrivatePostgres


def _holds(result: Run) -> bool:
    ledger = result.ledger
    return (
        not ledger.lost
        and not ledger.missing
        and not ledger.unexpected
        and ledger.duplicated == 0
        and ledger.unread_mismatches == 0
    )


async def main(args: argparse.Namespace) -> bool:
    """Run the chosen scenarios; True when every guarantee held."""
    ok = True
    if args.scenario in ("kill", "all"):
        cwd = workdir("kill")
        result = await kill_server_run(
            await bench_database("kill"), cwd, messages=args.messages, kills=args.kills,
            concurrency=args.concurrency, within=args.within,
        )  # fmt: skip
        print(result.report(f"kill -9 the server {args.kills} times ({cwd})"))
        ok = ok and _holds(result)
    if args.scenario in ("postgres", "all"):
        cwd = workdir("postgres")
        cluster = PrivatePostgres()
        cluster.init()
        cluster.start()
        try:
            result = await postgres_restart_run(
                cluster, "cahts_bench_faults", cwd, messages=args.messages,
                outages=(("fast", args.outage), ("immediate", args.outage)),
                concurrency=args.concurrency, within=args.within,
            )  # fmt: skip
        finally:
            cluster.destroy(keep_log=cwd / "postgres.log")
        print(result.report(f"PostgreSQL stopped twice for {args.outage:g} s ({cwd})"))
        ok = ok and _holds(result) and "500" not in result.outcomes
    if args.scenario in ("sigterm", "all"):
        cwd = workdir("sigterm")
        result = await sigterm_server_run(
            await bench_database("sigterm"), cwd, messages=args.messages,
            concurrency=args.concurrency, within=args.within,
        )  # fmt: skip
        print(result.report(f"SIGTERM the server and start it again ({cwd})"))
        ok = ok and _holds(result) and result.retried_stored == 0
    print("guarantees held" if ok else "A GUARANTEE WAS BROKEN")
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("kill", "postgres", "sigterm", "all"), default="all")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--outage", type=float, default=10.0, help="PostgreSQL down, seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--within", type=float, default=900, help="give up after, seconds")
    run(main(parser.parse_args()))
