"""Changes to stored messages that a body carries: delivery statuses, reactions, unsends, edits."""

from __future__ import annotations

from typing import Any

from inbox import events as domain
from inbox.models import Message, PlatformAccount
from inbox.platforms import parts
from inbox.platforms.events import (
    DELIVERY_RANK,
    Attachment,
    DeliveryStatus,
    MessageDeleted,
    MessageEdited,
    Reaction,
    StatusUpdate,
)
from inbox.services.ingest.items import StoreItem

# `slack_status` of a posted customer message whose post no longer says what the row says
# (an edit, a story that expired): the mirror updates the post in place, then sets UPDATED.
TEXT_BEHIND = "stale"
TEXT_UPDATED = "updated"
# Meta lets a customer edit a message five times; older versions beyond this are dropped.
EDITS_KEPT = 10


async def update_status(item: StoreItem, account: PlatformAccount, event: StatusUpdate) -> None:
    """A delivery status: outgoing messages move forward only (read stays read); what the
    platform bills for them is kept whatever the status's order."""
    await _move_status(item, account, event)
    if event.billing is None or not event.message_ids:
        return
    for row in await _keep_billing(account, event.message_ids, event.billing):
        # The row itself, so the dashboard redraws its `display` without a reload.
        pair = [(row.id, str(row.platform_message_id))]
        item.result.events.append(
            domain.MessageStatus.of(account.workspace_id, row.status, pair, message=row)
        )


async def _move_status(item: StoreItem, account: PlatformAccount, event: StatusUpdate) -> None:
    rank = DELIVERY_RANK[event.status]
    lower = [str(s) for s, r in DELIVERY_RANK.items() if r < rank]
    query = Message.filter(platform_account_id=account.id, is_incoming=False, status__in=lower)
    if event.message_ids:
        query = query.filter(platform_message_id__in=list(event.message_ids))
    elif event.watermark is not None:
        query = query.filter(
            conversation__participant_id=event.customer_id, received_at__lte=event.watermark
        )
    else:
        return
    rows = await query.values("id", "platform_message_id", "conversation_id")
    if not rows:
        return
    changes: dict[str, Any] = {"status": str(event.status)}
    if event.status is DeliveryStatus.FAILED:
        code = event.error_code
        changes.update(
            error_code=code if code is not None and abs(code) < 2**31 else None,
            error_message=event.error_message,
        )
    # Re-check the rank in the UPDATE itself so a concurrent newer status is never undone.
    await Message.filter(id__in=[r["id"] for r in rows], status__in=lower).update(**changes)
    item.result.events.append(
        domain.MessageStatus.of(
            account.workspace_id,
            event.status,
            ((r["id"], r["platform_message_id"]) for r in rows),
            event.error_code,
            event.error_message,
        )
    )


async def _keep_billing(
    account: PlatformAccount, message_ids: tuple[str, ...], billing: Attachment
) -> list[Message]:
    """Add the status's billing facts to our messages' `billing` entry: a fact already kept is
    never replaced (a late or retried status cannot undo a newer one), so only new ones write."""
    rows = await Message.filter(
        platform_account_id=account.id,
        is_incoming=False,
        platform_message_id__in=list(message_ids),
    ).select_for_update()
    changed: list[Message] = []
    for row in rows:
        entries = list(row.attachments or [])
        kept = next((a for a in entries if _is_billing(a)), None)
        known = kept.get("details") if kept is not None else None
        known = known if isinstance(known, dict) else {}
        new = {k: v for k, v in (billing.details or {}).items() if k not in known}
        if not new:
            continue
        entry = {"type": parts.BILLING, "details": {**known, **new}}
        row.attachments = [*(a for a in entries if not _is_billing(a)), entry]
        await Message.filter(id=row.id).update(attachments=row.attachments)
        changed.append(row)
    return changed


def _is_billing(entry: object) -> bool:
    return isinstance(entry, dict) and entry.get("type") == parts.BILLING


async def _target(item: StoreItem, account: PlatformAccount, mid: str, what: str) -> Message | None:
    target = await Message.get_or_none(platform_account_id=account.id, platform_message_id=mid)
    if target is None:
        item.result.skipped.append(f"{what} of unknown message {mid}")
    return target


async def set_reaction(item: StoreItem, account: PlatformAccount, event: Reaction) -> None:
    """A customer's reaction on a stored message (an empty one removes it)."""
    target = await _target(item, account, event.message_id, "reaction")
    if target is None:
        return
    await Message.filter(id=target.id).update(reaction=(event.emoji or "")[:64] or None)
    item.result.events.append(domain.MessageReaction.of(account, target, event.emoji))


async def mark_deleted(item: StoreItem, account: PlatformAccount, event: MessageDeleted) -> None:
    """A message the customer unsent: the row stays, what it said goes."""
    target = await _target(item, account, event.message_id, "deletion")
    if target is None or not target.is_incoming:
        return
    # The customer unsent it: keep the row (ids, thread mapping) but not what it said.
    await Message.filter(id=target.id).update(is_deleted=True, content="", attachments=[])
    item.result.events.append(domain.MessageDeleted.of(account, target))


async def apply_edit(item: StoreItem, account: PlatformAccount, event: MessageEdited) -> None:
    """A customer's edit: the new text replaces the old, which is kept as an `edit` entry."""
    target = await _target(item, account, event.message_id, "edit")
    if target is None or not target.is_incoming or target.is_deleted:
        return
    edits = [a for a in target.attachments or [] if a.get("type") == "edit"]
    count = event.edit_count if event.edit_count is not None else len(edits) + 1
    if any(a.get("count") == count for a in edits) or target.content == event.text:
        return  # a retried webhook: this edit is already applied
    entry = {
        "type": "edit",
        "count": count,
        "previous": target.content,
        "at": event.timestamp.isoformat(),
    }
    target.content = event.text
    others = [a for a in target.attachments or [] if a.get("type") != "edit"]
    target.attachments = [*others, *edits[-(EDITS_KEPT - 1) :], entry]
    changes: dict[str, Any] = {"content": target.content, "attachments": target.attachments}
    if target.slack_ts is not None and target.slack_status != "deleted":
        changes["slack_status"] = TEXT_BEHIND
    await Message.filter(id=target.id).update(**changes)
    item.result.events.append(domain.MessageEdited.of(account, target))
