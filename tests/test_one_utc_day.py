"""The suite's guard against a test that straddles midnight UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import wait_past_midnight


def test_a_test_starting_just_before_midnight_waits_for_the_next_day() -> None:
    assert wait_past_midnight(datetime(2026, 12, 4, 23, 59, 30, tzinfo=UTC)) == 31.0
    assert wait_past_midnight(datetime(2026, 12, 4, 23, 58, 31, tzinfo=UTC)) == 90.0


def test_a_test_starting_earlier_does_not_wait() -> None:
    assert wait_past_midnight(datetime(2026, 12, 4, 23, 58, 29, tzinfo=UTC)) == 0.0
    assert wait_past_midnight(datetime(2026, 12, 5, 0, 0, 0, tzinfo=UTC)) == 0.0
