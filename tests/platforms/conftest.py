"""The Slack loop (the app on the fake Slack and Graph) for the fixture tables."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.platforms.fixture_table")

from tests.bot.conftest import Loop, loop, slack, slack_settings  # noqa: E402  # after the rewrite hook


@pytest.fixture
def table_loop(loop: Loop, monkeypatch: pytest.MonkeyPatch) -> Loop:
    """The loop for fixture tables: real-source samples are old, and are mirrored all the same."""
    monkeypatch.setenv("SLACK_MIRROR_MAX_AGE_DAYS", "36500")
    return loop


__all__ = ["loop", "slack", "slack_settings", "table_loop"]
