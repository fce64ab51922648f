"""The one cahts workspace a Slack team's commands act on (stats, connect, digest settings).

A team installed through OAuth has exactly one; the team of SLACK_BOT_TOKEN has the one that
token serves (SLACK_WORKSPACE, else the first created). Registering more workspaces never
changes either, so nothing a stranger creates can land in, or break, the operator's commands.
"""

from __future__ import annotations

from bot.install.scope import TeamScope
from inbox.models import Workspace

NOT_SERVED = "This Slack workspace is not connected to cahts."
NO_WORKSPACE = "There is no cahts workspace yet: create one with `cahts createuser` first."


async def home_workspace(scope: TeamScope | None) -> tuple[Workspace | None, str]:
    """The workspace this team's commands act on, or None and why not (words for the user)."""
    if scope is None:
        return None, NOT_SERVED
    if scope.workspace_id is not None:
        workspace = await Workspace.get_or_none(id=scope.workspace_id)
        return workspace, "" if workspace is not None else NOT_SERVED
    if await Workspace.exists():
        return None, NOT_SERVED  # SLACK_WORKSPACE names no workspace, or one tied elsewhere
    return None, NO_WORKSPACE
