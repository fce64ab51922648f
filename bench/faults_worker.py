"""Sends under faults, at scale: kill -9 (or SIGTERM) a worker while replies wait for Meta.

Agents reply through the REST API; the fake Graph API answers each send after a delay; the
worker is stopped a third of the way through and a new one started. Prints the figures;
exits 1 if a reply never reached Meta or was sent twice beyond the sends in flight.

    .venv/bin/python bench/faults_worker.py --replies 300 --stop kill
"""

from __future__ import annotations

import argparse

from _faults import bench_database, run, workdir

from tests.faults.services import PrivateRedis
from tests.faults.worker_faults import worker_kill_run


async def main(args: argparse.Namespace) -> bool:
    """Run the scenario; True when every guarantee held."""
    cwd = workdir("worker")
    redis = PrivateRedis(cwd / "redis")
    await redis.start()
    try:
        result = await worker_kill_run(
            await bench_database("worker"), cwd, redis, replies=args.replies,
            customers=args.customers, graph_delay=args.graph_delay, pace=args.pace,
            stop=args.stop, within=args.within,
        )  # fmt: skip
    finally:
        await redis.stop()
    print(result.report(f"{result.fault} a worker mid-send ({cwd})"))
    ok = (
        result.undelivered == 0
        and result.duplicated <= result.claimed_at_stop
        and result.statuses == {"sent": result.replies}
    )
    print("guarantees held" if ok else "A GUARANTEE WAS BROKEN")
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--graph-delay", type=float, default=0.5, help="Meta's answer, seconds")
    parser.add_argument("--pace", type=float, default=0.02, help="seconds between replies")
    parser.add_argument("--stop", choices=("kill", "term", "kill-parent"), default="kill")
    parser.add_argument("--within", type=float, default=300)
    run(main(parser.parse_args()))
