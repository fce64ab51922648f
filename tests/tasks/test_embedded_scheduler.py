"""The embedded mode's in-process scheduler: on by default, off when IN_PROCESS_SCHEDULER=false.

The rest of the suite runs with it off (tests/conftest.py), so nothing fires by the wall
clock in a test that does not test it.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

from tests.conftest import cahts_env
from tests.processes import serving

SENT = "Sending task sync_all_platforms"


def _log(cwd: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in cwd.glob("serve-*.log"))


def test_an_embedded_server_schedules_only_when_asked_to(tmp_path: Path) -> None:
    on, off = tmp_path / "on", tmp_path / "off"
    for cwd in (on, off):
        cwd.mkdir()
    with ExitStack() as running:
        # The server without a scheduler starts first: it has had longer to send than the other.
        for cwd, flag in ((off, "false"), (on, "true")):
            env = cahts_env(
                f"sqlite://{cwd}/cahts.db", IN_PROCESS_SCHEDULER=flag, SYNC_INTERVAL_SECONDS="1"
            )
            running.enter_context(serving(env, cwd))
        deadline = time.monotonic() + 30
        while _log(on).count(SENT) < 2:
            assert time.monotonic() < deadline, f"no scheduled sync in 30 s:\n{_log(on)[-3000:]}"
            time.sleep(0.1)
    assert SENT not in _log(off)
