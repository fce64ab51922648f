"""Schedule labels: the production crons, or an interval set in the environment."""

from __future__ import annotations

import pytest

from inbox.settings import ConfigError
from inbox.tasks.analytics import aggregate_daily_analytics
from inbox.tasks.schedules import every
from inbox.tasks.sync import sync_all_platforms
from inbox.tasks.tokens import refresh_expired_tokens


def test_the_periodic_tasks_run_on_their_crons() -> None:
    assert sync_all_platforms.labels["schedule"] == [{"cron": "*/5 * * * *"}]
    assert aggregate_daily_analytics.labels["schedule"] == [{"cron": "5 * * * *"}]
    assert refresh_expired_tokens.labels["schedule"] == [{"cron": "23 4 * * *"}]


def test_an_interval_from_the_environment_replaces_the_cron(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SYNC_INTERVAL_SECONDS", " 42 ")
    assert every("SYNC_INTERVAL_SECONDS", cron="*/5 * * * *") == [{"interval": 42}]
    monkeypatch.setenv("SYNC_INTERVAL_SECONDS", "")
    assert every("SYNC_INTERVAL_SECONDS", cron="*/5 * * * *") == [{"cron": "*/5 * * * *"}]


@pytest.mark.parametrize("raw", ["0", "-5", "1.5", "often"])
def test_a_bad_interval_is_refused_naming_the_variable(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANALYTICS_INTERVAL_SECONDS", raw)
    with pytest.raises(ConfigError, match="ANALYTICS_INTERVAL_SECONDS"):
        every("ANALYTICS_INTERVAL_SECONDS", cron="5 * * * *")
