"""SIGTERM during load: in-flight requests and sends finish, nothing is half-written.

tests/test_operations.py checks one drain of the server (exit 0, every 200 stored, bodies
and messages written together); here the server is stopped and started again under a
retrying sender, and a worker is stopped while its sends wait for Meta.
"""

from __future__ import annotations

from pathlib import Path

from tests.faults.ingest_faults import sigterm_server_run
from tests.faults.services import PrivateRedis
from tests.faults.worker_faults import worker_kill_run


async def test_sigterm_answers_every_request_it_committed(fault_db: str, tmp_path: Path) -> None:
    run = await sigterm_server_run(fault_db, tmp_path, messages=1500)
    print(run.report("SIGTERM the server, start it again"))

    assert run.figures["exit status"] == 0
    assert run.failed_requests > 0, "the stop refused no request: the test proved nothing"
    # A request the server committed but did not answer would come back in a retry as
    # "already stored": a drain answers everything it started.
    assert run.retried_stored == 0
    ledger = run.ledger
    assert ledger.acknowledged == ledger.sent == 1500
    assert ledger.lost == set() and ledger.missing == set() and ledger.duplicated == 0
    assert ledger.unread_mismatches == 0
    assert ledger.unprocessed_logs == 0
    assert ledger.webhook_logs == run.figures["bodies"]  # one body, one log row, never half


async def test_sigterm_lets_a_worker_finish_the_sends_it_started(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    run = await worker_kill_run(fault_db, tmp_path, private_redis, stop="term")
    print(run.report("SIGTERM a worker mid-send"))

    assert run.in_flight, "no send was in flight: the test proved nothing"
    assert run.figures["exit status"] == 0
    assert run.claimed_at_stop == set(), "the worker left sends half done"
    assert run.accepted == run.replies
    assert run.undelivered == 0
    assert run.duplicates == 0, f"sent twice: {sorted(run.duplicated)}"
    assert run.statuses == {"sent": run.replies}
    assert run.mismatched_ids == 0
