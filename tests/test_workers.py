"""The suite runs in pytest-xdist workers: each keeps to its own database and Redis db."""

from __future__ import annotations

from tests.conftest import for_worker

PG = "postgres://postgres@127.0.0.1:5432/cahts_ci"


def test_alone_the_given_database_and_redis_db_are_used() -> None:
    assert for_worker(PG, "redis://127.0.0.1:6379/15", "") == (PG, "redis://127.0.0.1:6379/15")


def test_each_worker_has_its_own_database_and_redis_db() -> None:
    first = for_worker(PG, "redis://127.0.0.1:6379/15", "gw0")
    second = for_worker(PG, "redis://127.0.0.1:6379/15", "gw1")
    assert first == (f"{PG}_gw0", "redis://127.0.0.1:6379/15")
    assert second == (f"{PG}_gw1", "redis://127.0.0.1:6379/14")


def test_redis_dbs_count_up_from_a_low_one() -> None:
    assert for_worker(PG, "redis://127.0.0.1:6379/0", "gw2")[1] == "redis://127.0.0.1:6379/2"
