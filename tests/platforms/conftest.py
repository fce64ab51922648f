"""The Slack loop (the whole app, fake Slack, fake Graph) for the fixture table tests."""

from __future__ import annotations

from tests.bot.conftest import loop, slack, slack_settings

__all__ = ["loop", "slack", "slack_settings"]
