"""Finding the workspace a command acts on."""

from __future__ import annotations

from inbox.cli.common import CommandError
from inbox.models import User, Workspace

DEFAULT_WORKSPACE_NAME = "Default"


async def resolve_workspace(owner_email: str | None) -> Workspace:
    """The owner's workspace, else the only one (created when there is none)."""
    if owner_email:
        user = await User.get_or_none(email=owner_email.strip().lower()).prefetch_related(
            "workspace"
        )
        if user is None:
            raise CommandError(f"no user with email {owner_email!r}")
        return user.workspace
    workspaces = await Workspace.all().limit(2)
    if not workspaces:
        return await Workspace.create(name=DEFAULT_WORKSPACE_NAME)
    if len(workspaces) > 1:
        raise CommandError("there are several workspaces: say which with --owner EMAIL")
    return workspaces[0]
