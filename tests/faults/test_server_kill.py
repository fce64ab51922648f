"""`kill -9` the server while Meta posts thousands of webhooks and retries what got no 200."""

from __future__ import annotations

from pathlib import Path

from tests.faults.ingest_faults import kill_server_run


async def test_killing_the_server_loses_nothing_acknowledged_and_doubles_nothing(
    fault_db: str, tmp_path: Path
) -> None:
    run = await kill_server_run(fault_db, tmp_path, messages=2000, kills=2)
    print(run.report("kill -9 the server twice"))  # the figures, with -s

    assert len(run.faults) == 2
    assert run.failed_requests > 0, "the kills cut no request: the test proved nothing"
    ledger = run.ledger
    assert ledger.acknowledged == ledger.sent == 2000, "the sender's retries did not finish"
    assert ledger.lost == set(), "acknowledged messages are missing from the database"
    assert ledger.missing == set() and ledger.unexpected == set()
    assert ledger.distinct_stored == 2000
    assert ledger.duplicated == 0
    assert ledger.unread_mismatches == 0, "a conversation's unread count disagrees with its rows"
    assert ledger.unprocessed_logs == 0
    # Every 200 stands for one committed webhook_logs row; bodies committed by an attempt the
    # kill cut off (found again by the retry) add theirs.
    assert ledger.webhook_logs >= run.figures["bodies"]
