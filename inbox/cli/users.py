"""`cahts createuser`: the first dashboard user."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sys

from inbox.cli.common import CommandError, database
from inbox.cli.workspaces import resolve_workspace
from inbox.models import User, Workspace
from inbox.services.sessions.passwords import hash_password
from inbox.settings import Settings

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandError("passwords do not match")
    return first


async def create_user(
    settings: Settings, email: str, password: str, name: str, workspace_name: str | None
) -> User:
    """Create a user in a new named workspace (as owner) or in the only one."""
    async with database(settings):
        if await User.exists(email=email):
            raise CommandError(f"a user with email {email!r} already exists")
        if workspace_name:
            workspace = await Workspace.create(name=workspace_name)
        else:
            workspace = await resolve_workspace(None)
        is_first = not await User.exists(workspace_id=workspace.id)
        return await User.create(
            workspace=workspace,
            email=email,
            password_hash=hash_password(password),
            name=name,
            role="owner" if is_first else "member",
        )


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Handle `cahts createuser`."""
    email = args.email.strip().lower()
    if not EMAIL.match(email):
        raise CommandError(f"{args.email!r} is not an email address")
    password = _read_password(args.password_stdin)
    if len(password) < MIN_PASSWORD:
        raise CommandError(f"the password must be at least {MIN_PASSWORD} characters")
    if not password.strip():
        raise CommandError("the password must not be only whitespace")
    user = asyncio.run(create_user(settings, email, password, args.name or "", args.workspace))
    print(f"created user {user.email} ({user.role}) id={user.id}")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the createuser subcommand."""
    parser = commands.add_parser("createuser", help="create a dashboard user")
    parser.add_argument("email", help="the user's email (their login)")
    parser.add_argument("--name", default="", help="display name")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    parser.add_argument(
        "--workspace", help="create a new workspace with this name (default: the only one)"
    )
    parser.set_defaults(handler=run)
