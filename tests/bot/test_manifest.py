"""`cahts slack-manifest` (the app to create in Slack) and `cahts slack-install-link`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cahts_env
from tests.processes import run


def test_http_mode_manifest_points_slack_at_the_public_url(tmp_path: Path) -> None:
    env = cahts_env(f"sqlite://{tmp_path / 'c.db'}", PUBLIC_URL="https://inbox.example.com")
    result = run(["slack-manifest"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    settings = manifest["settings"]
    assert (
        settings["event_subscriptions"]["request_url"] == "https://inbox.example.com/slack/events"
    )
    events = settings["event_subscriptions"]["bot_events"]
    assert events[:2] == ["message.channels", "message.groups"]
    assert {"reaction_added", "reaction_removed", "app_uninstalled"} <= set(events)
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://inbox.example.com/slack/oauth_redirect"
    ]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/inbox"
    assert command["url"] == "https://inbox.example.com/slack/events"
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "relink_thread"
    assert settings["interactivity"]["request_url"] == "https://inbox.example.com/slack/events"
    assert settings["socket_mode_enabled"] is False
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in ("chat:write", "chat:write.customize", "files:write", "reactions:write"):
        assert scope in scopes


def test_socket_mode_manifest_needs_no_url(tmp_path: Path) -> None:
    env = cahts_env(f"sqlite://{tmp_path / 'c.db'}", SLACK_APP_TOKEN="xapp-1-abc")
    result = run(["slack-manifest"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert settings["socket_mode_enabled"] is True
    assert "request_url" not in settings["event_subscriptions"]
    assert "request_url" not in settings["interactivity"]


def test_an_install_link_names_the_workspace_for_one_hour(tmp_path: Path) -> None:
    from bot.oauth import read_ticket
    from inbox.settings import load_settings

    env = cahts_env(
        f"sqlite://{tmp_path / 'c.db'}",
        PUBLIC_URL="https://inbox.example.com",
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="oauth-secret",
    )
    result = run(["slack-install-link"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("https://inbox.example.com/slack/install?ticket=")
    assert "Open it within 1 h" in result.stderr
    assert read_ticket(load_settings(env, read_dotenv=False), link.split("ticket=")[1])


def test_an_install_link_needs_the_oauth_settings(tmp_path: Path) -> None:
    env = cahts_env(f"sqlite://{tmp_path / 'c.db'}")
    result = run(["slack-install-link"], env, tmp_path)
    assert result.returncode == 1
    assert "set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in result.stderr
