"""The Slack loop (the app on the fake Slack and Graph) for the fixture tables."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.platforms.fixture_table")

from tests.bot.conftest import loop, slack, slack_settings  # noqa: E402  # after the rewrite hook

__all__ = ["loop", "slack", "slack_settings"]
