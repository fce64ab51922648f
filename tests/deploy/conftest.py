"""The production-shape test runs on the fault tests' fresh database and private Redis."""

from __future__ import annotations

from tests.faults.conftest import fault_db as fault_db
from tests.faults.conftest import private_redis as private_redis
