"""The thread root as a control panel: state words and buttons. Pure Block Kit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.thread.text import escape

RESOLVE_ACTION = "conversation_resolve"
REOPEN_ACTION = "conversation_reopen"
ASSIGN_ME_ACTION = "conversation_assign_me"
UNASSIGN_ACTION = "conversation_unassign"
PANEL_ACTIONS = (RESOLVE_ACTION, REOPEN_ACTION, ASSIGN_ME_ACTION, UNASSIGN_ACTION)


def assignee_words(slack_user: str | None, user_name: str | None) -> str:
    """Who has the conversation: a Slack mention, a dashboard user's name, or nobody."""
    if slack_user:
        return f"<@{slack_user}>"
    if user_name:
        return escape(user_name)
    return "nobody yet"


def _button(action: str, text: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def panel_blocks(
    *,
    conversation_id: str,
    status: str,
    assignee: str,
    assigned: bool,
    relinked_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """The state line and the buttons under the conversation card."""
    resolved = status == "resolved"
    state = ":white_check_mark: *Resolved*" if resolved else ":large_green_circle: *Open*"
    line = f"{state} · Assigned to {assignee}"
    if relinked_at is not None:
        stamp = int(relinked_at.timestamp())
        fallback = relinked_at.strftime("%Y-%m-%d %H:%M UTC")
        line += (
            f"\n_Thread re-created <!date^{stamp}^{{date_short_pretty}} at {{time}}|{fallback}>:"
            " the latest messages are repeated below._"
        )
    buttons = [
        _button(REOPEN_ACTION, "Reopen", conversation_id)
        if resolved
        else _button(RESOLVE_ACTION, "Resolve", conversation_id, "primary"),
        _button(ASSIGN_ME_ACTION, "Assign to me", conversation_id),
    ]
    if assigned:
        buttons.append(_button(UNASSIGN_ACTION, "Unassign", conversation_id))
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": line}},
        {"type": "actions", "block_id": "cahts_panel", "elements": buttons},
    ]
