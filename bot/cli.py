"""`cahts slack-manifest` (the Slack app to create) and `cahts slack-install-link`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from urllib.parse import urlsplit

from bot.install.manifest import manifest
from bot.install.oauth import TICKET_LIFETIME, install_link
from inbox.cli.common import CommandError, database
from inbox.cli.workspaces import resolve_workspace
from inbox.settings import Settings


def _manifest(args: argparse.Namespace, settings: Settings) -> None:
    if args.socket_mode and args.public_url:
        raise CommandError("--url and --socket-mode exclude each other: Socket Mode needs no URL")
    socket_mode = args.socket_mode or (bool(settings.slack_app_token) and not args.public_url)
    public_url = (args.public_url or settings.public_url).strip().rstrip("/")
    parts = urlsplit(public_url)
    if not socket_mode:
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise CommandError(f"--url must be an https:// base URL, not {public_url!r}")
        if parts.scheme != "https":
            print(f"warning: Slack only calls https URLs, not {public_url}", file=sys.stderr)
    print(json.dumps(manifest(public_url, socket_mode=socket_mode), indent=2))


async def _link(settings: Settings, owner: str | None) -> tuple[str, str]:
    async with database(settings):
        workspace = await resolve_workspace(owner)
        return install_link(settings, workspace.id), workspace.name


def _install_link(args: argparse.Namespace, settings: Settings) -> None:
    if not settings.slack_oauth:
        raise CommandError("Slack installs are off: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    link, name = asyncio.run(_link(settings, args.owner))
    hours = int(TICKET_LIFETIME.total_seconds() // 3600)
    print(link)
    print(
        f"Open it within {hours} h to install cahts into a Slack workspace for {name!r}.",
        file=sys.stderr,
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add the Slack subcommands."""
    parser = commands.add_parser(
        "slack-manifest",
        help="print the Slack app manifest (JSON) with cahts's scopes, events and URLs",
    )
    parser.add_argument(
        "--socket-mode",
        action="store_true",
        help="no public URL: events over Socket Mode (default when SLACK_APP_TOKEN is set)",
    )
    parser.add_argument(
        "--url",
        "--public-url",
        dest="public_url",
        help="https base URL Slack should call (default PUBLIC_URL); not with --socket-mode",
    )
    parser.set_defaults(handler=_manifest)
    link = commands.add_parser(
        "slack-install-link",
        help="print a one-hour link that installs cahts into a Slack workspace (OAuth)",
    )
    link.add_argument("--owner", help="the workspace of this user (default: the only one)")
    link.set_defaults(handler=_install_link)
