"""Redis stopped (and back empty): webhooks still stored, Slack and live events resume."""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import REDIS_OUTAGE_SECONDS
from tests.faults.services import PrivateRedis
from tests.faults.slack_faults import redis_outage_run


async def test_a_redis_outage_delays_slack_and_live_events_but_loses_nothing(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    run = await redis_outage_run(fault_db, tmp_path, private_redis, outage=REDIS_OUTAGE_SECONDS)
    print(run.report(f"Redis stopped for {REDIS_OUTAGE_SECONDS:.0f} s"))

    assert run.failed_requests == 0, f"webhooks refused: {run.outcomes}"
    assert str(run.figures["/readyz during the outage"]).startswith("503")
    ledger = run.ledger
    assert ledger.acknowledged == ledger.sent == 90
    assert ledger.lost == set() and ledger.missing == set() and ledger.duplicated == 0
    slack = run.slack
    assert slack is not None
    assert slack.unposted == 0
    assert slack.duplicate_posts == 0
    assert slack.duplicate_roots == 0
    assert slack.out_of_order == 0
    # Events published while Redis was away cannot be delivered; the socket is closed with
    # 1012 once the bus is back, so the dashboard resyncs; every event before and after arrives.
    assert run.websocket_missing == []
    assert "closed 1012" in run.websocket_closes
