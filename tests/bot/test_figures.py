"""Figures in words (bot/reports/figures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.reports.figures import ago, duration, plural


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, "n/a"),
        (0, "under a minute"),
        (59.9, "under a minute"),
        (240, "4 min"),
        (3600, "1 h"),
        (3900, "1 h 5 min"),
        (86400 + 3 * 3600, "1 d 3 h"),
        (2 * 86400 + 11 * 3600, "2 days"),
        (2 * 86400 + 12 * 3600, "3 days"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float | None, words: str) -> None:
    assert duration(seconds) == words


def test_counts_and_relative_times() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert (plural(1, "message"), plural(0, "message")) == ("1 message", "0 messages")
    assert ago(None, now) == "never"
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=90), now) == "1 h 30 min ago"
