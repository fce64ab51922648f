"""`cahts slack-manifest` (the app to create in Slack) and `cahts slack-install-link`."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import jsonschema
import pytest

from inbox.cli.common import CommandError
from inbox.settings import load_settings
from tests.conftest import cahts_env
from tests.processes import run
from web.cli import build_parser


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
    from bot.install.oauth import read_ticket
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


# What Slack requires of a manifest (its documented required keys and limits), for the parts
# cahts uses; unknown top-level keys are refused as Slack refuses them.
_TEXT = {"type": "string", "minLength": 1}
_URL = {"type": "string", "pattern": "^https://[^/\\s]+(/\\S*)?$"}
MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["display_information", "features", "oauth_config", "settings"],
    "additionalProperties": False,
    "properties": {
        "display_information": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {**_TEXT, "maxLength": 35},
                "description": {**_TEXT, "maxLength": 140},
            },
        },
        "features": {
            "type": "object",
            "required": ["bot_user", "slash_commands", "shortcuts"],
            "properties": {
                "bot_user": {
                    "type": "object",
                    "required": ["display_name"],
                    "properties": {"display_name": {**_TEXT, "maxLength": 80}},
                },
                "slash_commands": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["command", "description"],
                        "properties": {
                            "command": {"type": "string", "pattern": "^/", "maxLength": 32},
                            "description": {**_TEXT, "maxLength": 2000},
                            "usage_hint": {**_TEXT, "maxLength": 1000},
                            "url": _URL,
                        },
                    },
                },
                "shortcuts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "type", "callback_id", "description"],
                        "properties": {
                            "name": {**_TEXT, "maxLength": 24},
                            "type": {"enum": ["message", "global"]},
                            "callback_id": {**_TEXT, "maxLength": 255},
                            "description": {**_TEXT, "maxLength": 150},
                        },
                    },
                },
            },
        },
        "oauth_config": {
            "type": "object",
            "required": ["scopes"],
            "properties": {
                "scopes": {
                    "type": "object",
                    "required": ["bot"],
                    "properties": {"bot": {"type": "array", "items": {**_TEXT, "maxLength": 50}}},
                },
                "redirect_urls": {"type": "array", "items": _URL},
            },
        },
        "settings": {
            "type": "object",
            "required": ["event_subscriptions", "interactivity", "socket_mode_enabled"],
            "properties": {
                "event_subscriptions": {
                    "type": "object",
                    "required": ["bot_events"],
                    "properties": {
                        "request_url": _URL,
                        "bot_events": {"type": "array", "uniqueItems": True, "minItems": 1},
                    },
                },
                "interactivity": {
                    "type": "object",
                    "required": ["is_enabled"],
                    "properties": {"is_enabled": {"const": True}, "request_url": _URL},
                },
                "socket_mode_enabled": {"type": "boolean"},
            },
        },
    },
}
NEEDED_SCOPES = {
    "chat:write",
    "chat:write.customize",
    "channels:history",
    "groups:history",
    "channels:read",
    "commands",
    "files:write",
    "files:read",
    "reactions:write",
    "users:read",
}


def _manifest_command(args: list[str], tmp_path: Path) -> tuple[int, str, str]:
    """`cahts slack-manifest ARGS` in this process (no subprocess: faster): status, out, err."""
    parsed = build_parser().parse_args(["slack-manifest", *args])
    settings = load_settings(cahts_env(f"sqlite://{tmp_path / 'c.db'}"), read_dotenv=False)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            parsed.handler(parsed, settings)
    except CommandError as exc:
        return 1, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


@pytest.mark.parametrize("socket_mode", [False, True])
def test_the_manifest_has_what_slack_requires(tmp_path: Path, socket_mode: bool) -> None:
    args = ["--socket-mode"] if socket_mode else ["--url", "https://cahts.example.org/"]
    status, out, err = _manifest_command(args, tmp_path)
    assert status == 0, err
    manifest = json.loads(out)

    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    assert NEEDED_SCOPES <= set(manifest["oauth_config"]["scopes"]["bot"])
    [command] = manifest["features"]["slash_commands"]
    for word in ("stats", "connect", "status", "digest"):
        assert word in command["description"]
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is socket_mode
    if socket_mode:
        assert "https://" not in out  # no URL anywhere: Slack connects to us
    else:
        url = "https://cahts.example.org/slack/events"
        assert settings["event_subscriptions"]["request_url"] == url
        assert settings["interactivity"]["request_url"] == url
        assert command["url"] == url


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--url", "cahts.example.org"], "--url must be an https:// base URL"),
        (["--url", "https://cahts.example.org?x=1"], "--url must be an https:// base URL"),
        (["--url", "https://x.example", "--socket-mode"], "exclude each other"),
    ],
)
def test_a_bad_url_is_refused(tmp_path: Path, args: list[str], says: str) -> None:
    status, out, err = _manifest_command(args, tmp_path)

    assert status == 1
    assert says in err
    assert out == ""
