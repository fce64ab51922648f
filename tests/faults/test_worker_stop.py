"""`cahts worker` and `cahts scheduler` stop within a bound, parent and children, and lose nothing.

SIGTERM goes to the main process only, as `docker stop` sends it to a container's PID 1;
SIGINT is what Ctrl-C gives. tests/faults/test_graceful_shutdown.py stops a worker while its
sends wait for Meta; test_worker_kill.py kills the worker's main process alone.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.faults.services import PrivateRedis
from tests.faults.stack import Stack
from tests.faults.worker_faults import STOP_BOUND, STOP_TIMEOUT, worker_kill_run


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_an_idle_worker_stops_with_its_children(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis, signum: int
) -> None:
    stack = await Stack.prepare(
        tmp_path, fault_db, REDIS_URL=private_redis.url(), STOP_TIMEOUT_SECONDS=str(STOP_TIMEOUT)
    )
    try:
        await stack.start("worker")
        worker = stack.worker(0)
        await worker.wait_for("worker ready")
        assert worker.proc is not None
        started = time.monotonic()
        worker.signal_leader(signum)
        code = await worker.proc.wait()
        took = time.monotonic() - started
        assert not worker.group_left(), "a worker child outlived its parent"
    finally:
        await stack.stop()
    print(f"idle worker: signal to exit {took:.2f} s")
    assert code == 0, worker.output()[-3000:]
    # Nothing to finish: one queue read (2 s at most) and closing, not the tasks' time.
    assert took < STOP_BOUND
    assert "worker stopped" in worker.output()


async def test_sends_that_outlast_the_stop_are_given_back_and_sent_once_more_at_most(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    # Meta answers slower than the worker may wait: the sends in flight are cancelled, their
    # outbox rows and tasks given back, and the next worker sends them without waiting for
    # the lease (60 s) or the redelivery (here 2 s, 120 s by default) to run out.
    # Meta takes 3 s; the worker waits 0.3 s once taskiq's manager (within 1 s) passes the
    # signal on; a send may take half its lease, here 10 s.
    run = await worker_kill_run(
        fault_db, tmp_path, private_redis, stop="term", replies=16, graph_delay=3.0,
        stop_timeout=0.3, SEND_LEASE_SECONDS="10",
    )  # fmt: skip
    print(run.report("SIGTERM a worker whose sends outlast its stop time"))

    assert run.in_flight, "no send was in flight: the test proved nothing"
    assert run.figures["exit status"] == 0
    assert run.claimed_at_stop == set(), "a send was left holding its lease"
    assert run.undelivered == 0
    assert run.statuses == {"sent": run.replies}
    # Only a send cut off while Meta was answering it can reach Meta twice, and only once more.
    given_back = run.worker_logs.count("task send_message (")
    assert given_back, "no send was given back: the test proved nothing"
    assert 0 < run.duplicates <= given_back
    assert max(run.arrived.values()) <= 2
    assert run.mismatched_ids == 0


async def test_the_scheduler_stops_within_its_bound(
    fault_db: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    stack = await Stack.prepare(
        tmp_path, fault_db, REDIS_URL=private_redis.url(), STOP_TIMEOUT_SECONDS=str(STOP_TIMEOUT)
    )
    try:
        await stack.start("scheduler")
        [scheduler] = stack.processes
        await scheduler.wait_for("Startup completed")
        assert scheduler.proc is not None
        started = time.monotonic()
        scheduler.signal_leader(signal.SIGTERM)
        code = await scheduler.proc.wait()
        took = time.monotonic() - started
    finally:
        await stack.stop()
    assert code == 0, scheduler.output()[-3000:]
    assert took < STOP_BOUND
    assert "Scheduler shut down" in scheduler.output()
