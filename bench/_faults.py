"""Shared setup of the bench/faults_*.py scripts: the fault scenarios of tests/faults, bigger."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the scenarios live in tests/faults

PG_SERVER = os.environ.get("CAHTS_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


async def bench_database(name: str) -> str:
    """A fresh database `cahts_bench_faults_<name>` on the shared PostgreSQL server."""
    from tests.faults.ledger import recreate_database

    return await recreate_database(f"{PG_SERVER}/cahts_bench_faults_{name}")


def workdir(name: str) -> Path:
    """A directory for the processes' logs (kept, printed at the end)."""
    return Path(tempfile.mkdtemp(prefix=f"cahts-bench-faults-{name}-"))


def run(main: object) -> None:
    """Run an async main and exit 1 if it reports a broken guarantee."""
    ok = asyncio.run(main)  # type: ignore[arg-type]
    raise SystemExit(0 if ok else 1)
