"""Slack answering 429 (Retry-After) and 500 for a while: every message once, in order."""

from __future__ import annotations

from pathlib import Path

from tests.faults.services import PrivateRedis
from tests.faults.slack_faults import lease_overrun_run, slack_throttle_run


async def test_a_worker_posts_every_message_once_in_order_through_429s_and_500s(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    run = await slack_throttle_run(fault_db, tmp_path, private_redis, messages=60)
    print(run.report("Slack answering 429 then 500"))

    assert run.failed_requests == 0
    assert run.ledger.distinct_stored == 60
    slack_seen = run.slack
    assert slack_seen is not None
    assert slack_seen.messages == 60
    assert slack_seen.unposted == 0
    assert slack_seen.duplicate_posts == 0
    assert slack_seen.duplicate_roots == 0
    assert slack_seen.out_of_order == 0


async def test_a_run_rate_limited_past_its_lease_gives_up_before_another_worker_posts(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    # Slack asks to wait longer than the lease. A run that waited would post after a run in
    # another worker took the lapsed lease over, and the conversation would get two roots.
    run = await lease_overrun_run(fault_db, tmp_path, private_redis, lease=2, retry_after=4)
    print(run.report("Retry-After longer than the mirror lease, two workers"))

    slack_seen = run.slack
    assert slack_seen is not None
    assert slack_seen.duplicate_roots == 0, "two workers each opened the thread"
    assert slack_seen.duplicate_posts == 0
    assert slack_seen.unposted == 0
