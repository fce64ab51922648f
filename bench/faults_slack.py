"""The Slack mirror and live events under faults, at scale: Redis down, Slack throttling.

Runs `cahts serve`, `cahts worker` and `cahts scheduler` on PostgreSQL and a private
redis-server, with fake Slack and Graph APIs on loopback. Prints the figures; exits 1 if a
message was lost, posted twice, posted out of order, or a live event went missing.

    .venv/bin/python bench/faults_slack.py --scenario redis --outage 30 --per-phase 200
    .venv/bin/python bench/faults_slack.py --scenario slack --messages 300 --rate-limited 20
"""

from __future__ import annotations

import argparse

from _faults import bench_database, run, workdir

from tests.faults.services import PrivateRedis
from tests.faults.slack_faults import SlackRun, redis_outage_run, slack_throttle_run


def _holds(result: SlackRun) -> bool:
    ledger, slack = result.ledger, result.slack
    return (
        slack is not None
        and not ledger.lost
        and not ledger.missing
        and ledger.duplicated == 0
        and slack.unposted == slack.duplicate_posts == slack.duplicate_roots == 0
        and slack.out_of_order == 0
        and not result.websocket_missing  # None (not watched) or empty
    )


async def main(args: argparse.Namespace) -> bool:
    """Run the chosen scenarios; True when every guarantee held."""
    ok = True
    if args.scenario in ("redis", "all"):
        cwd = workdir("redis")
        redis = PrivateRedis(cwd / "redis")
        await redis.start()
        try:
            result = await redis_outage_run(
                await bench_database("redis"), cwd, redis, per_phase=args.per_phase,
                outage=args.outage, within=args.within,
            )  # fmt: skip
        finally:
            await redis.stop()
        print(result.report(f"Redis stopped for {args.outage:g} s ({cwd})"))
        ok = ok and _holds(result) and result.failed_requests == 0
    if args.scenario in ("slack", "all"):
        cwd = workdir("slack")
        redis = PrivateRedis(cwd / "redis")
        await redis.start()
        try:
            result = await slack_throttle_run(
                await bench_database("slack"), cwd, redis, messages=args.messages,
                rate_limited=args.rate_limited, failing=args.failing,
                retry_after=args.retry_after, within=args.within,
            )  # fmt: skip
        finally:
            await redis.stop()
        print(result.report(f"Slack answering 429, then 500 ({cwd})"))
        ok = ok and _holds(result)
    print("guarantees held" if ok else "A GUARANTEE WAS BROKEN")
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("redis", "slack", "all"), default="all")
    parser.add_argument("--outage", type=float, default=30.0, help="Redis down, seconds")
    parser.add_argument("--per-phase", type=int, default=200, help="messages before/in/after")
    parser.add_argument("--messages", type=int, default=300, help="messages during Slack faults")
    parser.add_argument("--rate-limited", type=float, default=20.0, help="seconds of 429s")
    parser.add_argument("--failing", type=float, default=20.0, help="seconds of 500s")
    parser.add_argument("--retry-after", type=int, default=5)
    parser.add_argument("--within", type=float, default=300, help="give up after, seconds")
    run(main(parser.parse_args()))
