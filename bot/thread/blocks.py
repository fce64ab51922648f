"""Block Kit for the thread: the conversation card, failure notices, the Retry button. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.thread.render import platform_label
from bot.thread.text import escape
from inbox.platforms.outbound import STANDARD_WINDOW

RETRY_ACTION = "retry_send"

# The reaction on an agent's message that shows where it is; one at a time.
STATUS_MARKS = {
    "sent": "ballot_box_with_check",
    "delivered": "white_check_mark",
    "read": "eyes",
    "failed": "x",
}


def _slack_date(at: datetime) -> str:
    """A time every reader sees in their own time zone."""
    fallback = at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _left(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes >= 120:
        return f"about {minutes // 60} h left"
    return f"{minutes} min left"


def window_text(
    last_incoming_at: datetime | None, now: datetime, extended: timedelta | None
) -> str:
    """The reply window in words: open until when, how long is left, or closed since when."""
    if last_incoming_at is None:
        return "The customer has not written yet: no reply window."
    standard_end = last_incoming_at + STANDARD_WINDOW
    if now < standard_end:
        text = f"Reply window open until {_slack_date(standard_end)} ({_left(standard_end - now)})"
        if extended is not None:
            text += f"; human agents may answer until {_slack_date(last_incoming_at + extended)}"
        return text + "."
    if extended is not None and now < last_incoming_at + extended:
        end = last_incoming_at + extended
        return (
            f"Standard window closed; human-agent replies allowed until {_slack_date(end)} "
            f"({_left(end - now)})."
        )
    end = last_incoming_at + (extended or STANDARD_WINDOW)
    return f"Reply window closed {_slack_date(end)}: the customer must write again first."


def conversation_card(
    *,
    customer: str,
    platform: str,
    account_name: str,
    window: str,
    dashboard_url: str,
    panel: Sequence[dict[str, Any]] = (),
) -> tuple[str, list[dict[str, Any]]]:
    """The thread's root message: fallback text and blocks (then the control panel's)."""
    label = platform_label(platform)
    text = f"{customer} on {label} ({account_name})"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    f":speech_balloon: *{escape(customer)}* on {label}, "
                    f"writing to *{escape(account_name)}*\nReply in this thread to answer."
                ),
            },
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": window},
                {"type": "mrkdwn", "text": f"<{dashboard_url}|Open in the dashboard>"},
            ],
        },
        *panel,
    ]
    return escape(text), blocks


def failure_notice(customer: str, explanation: str, message_id: str) -> tuple[str, list[Any]]:
    """A failed send in words, with a Retry button that carries the message id."""
    text = f"Not delivered to {escape(customer)}: {escape(explanation)}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f":x: *Not delivered.* {escape(explanation)}"},
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": RETRY_ACTION,
                    "text": {"type": "plain_text", "text": "Retry"},
                    "value": message_id,
                    "style": "primary",
                }
            ],
        },
    ]
    return text, blocks


def retried_notice(explanation: str, user_id: str) -> tuple[str, list[Any]]:
    """The failure notice once someone pressed Retry (the button goes away)."""
    text = f"Retried by <@{user_id}> (it had failed: {escape(explanation)})"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": ":repeat: " + text}}]


def refusal_text(reason: str) -> str:
    """Why an agent's reply was not sent (nothing went to the platform)."""
    return f":no_entry: *Not sent to the customer:* {escape(reason)}"
