"""The one cahts workspace a Slack team's commands act on (stats, connect, digest settings).

A team installed through OAuth has exactly one. The team of SLACK_BOT_TOKEN acts on the
workspace tied to it, else on the only workspace tied to no team; with several such
workspaces it must say which by installing per workspace, so nothing lands in the wrong one.
"""

from __future__ import annotations

from bot.install.scope import TeamScope
from inbox.models import Workspace

NOT_SERVED = "This Slack workspace is not connected to cahts."
NO_WORKSPACE = "There is no cahts workspace yet: create one with `cahts createuser` first."
SEVERAL = (
    "This Slack workspace sees several cahts workspaces, so it cannot tell which one you mean: "
    "install cahts into Slack once per workspace (`cahts slack-install-link --owner …`)."
)


async def home_workspace(scope: TeamScope | None) -> tuple[Workspace | None, str]:
    """The workspace this team's commands act on, or None and why not (words for the user)."""
    if scope is None:
        return None, NOT_SERVED
    if scope.workspace_id is not None:
        workspace = await Workspace.get_or_none(id=scope.workspace_id)
        return workspace, "" if workspace is not None else NOT_SERVED
    tied = await Workspace.get_or_none(slack_team_id=scope.team_id)
    if tied is not None:
        return tied, ""
    untied = await Workspace.filter(slack_team_id__isnull=True).order_by("created_at").limit(2)
    if not untied:
        return None, NO_WORKSPACE
    if len(untied) > 1:
        return None, SEVERAL
    return untied[0], ""
