"""Slack OAuth settings: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together; the secret is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.settings import ConfigError, load_settings


def test_oauth_is_on_with_both_and_its_secret_never_logged(tmp_cwd: Path) -> None:
    env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "s3cr3t-oauth"}
    settings = load_settings(env, read_dotenv=False)
    assert (settings.slack_oauth, settings.slack_enabled) == (True, True)
    assert settings.slack_bot_token is None
    assert "s3cr3t-oauth" in settings.secret_values()


def test_without_slack_settings_slack_is_off(tmp_cwd: Path) -> None:
    settings = load_settings({}, read_dotenv=False)
    assert (settings.slack_oauth, settings.slack_enabled) == (False, False)
    assert load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, read_dotenv=False).slack_enabled


@pytest.mark.parametrize("name", ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"])
def test_one_without_the_other_is_a_clear_error(tmp_cwd: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"):
        load_settings({name: "value"}, read_dotenv=False)
