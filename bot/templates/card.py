"""What the root card says past the reply window: the template button, or that none exists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.templates.blocks import open_button
from bot.thread.blocks import refusal_text
from inbox.models import Conversation, PlatformAccount
from inbox.platforms.outbound import reply_window
from inbox.platforms.registry import get_adapter
from inbox.services.templates.sending import no_template_route, waiting_for_customer

WAITING = (
    ":hourglass_flowing_sand: *Template sent — waiting for the customer.* "
    "Replies open again when they write."
)


def window_blocks(conversation: Conversation, platform: str, now: datetime) -> list[dict[str, Any]]:
    """Blocks for the card once the window is closed (none while it is open)."""
    adapter = get_adapter(platform)
    if adapter is None:
        return []
    window = reply_window(conversation.last_incoming_at, now, adapter.extended_window)
    if window.allowed:
        return []
    if not adapter.has_templates:
        text = f":no_entry_sign: {no_template_route(platform)}."
        return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]
    blocks: list[dict[str, Any]] = []
    if waiting_for_customer(conversation):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": WAITING}})
    blocks.append(
        {
            "type": "actions",
            "block_id": "cahts_template",
            "elements": [open_button(str(conversation.id))],
        }
    )
    return blocks


async def refusal_blocks(conversation: Conversation, reason: str) -> list[dict[str, Any]]:
    """A refused reply's notice: why, then the template button (WhatsApp) or the plain truth."""
    adapter = get_adapter(await _platform(conversation))
    text = refusal_text(reason)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    now = datetime.now(UTC)
    if (
        adapter is None
        or reply_window(conversation.last_incoming_at, now, adapter.extended_window).allowed
    ):
        return blocks
    if adapter.has_templates:
        blocks.append(
            {
                "type": "actions",
                "block_id": "cahts_template",
                "elements": [open_button(str(conversation.id))],
            }
        )
    else:
        more = f"{no_template_route(adapter.name)}."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return blocks


async def _platform(conversation: Conversation) -> str:
    account = await PlatformAccount.get(id=conversation.platform_account_id)
    return account.platform
