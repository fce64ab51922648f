"""What the API lists, always inside one workspace: messages, conversations, accounts, invites."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tortoise.expressions import F
from tortoise.functions import Coalesce

from inbox.models import Conversation, Invite, Message, PlatformAccount
from inbox.pagination import Page, keyset_page


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """Filters of the message list; None means no filter."""

    platform: str | None = None
    account_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None
    unread: bool | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """Filters of the conversation list; None means no filter."""

    platform: str | None = None
    account_id: uuid.UUID | None = None
    unread: bool | None = None
    q: str | None = None


async def platforms_by_account(workspace_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Each account id of the workspace with its platform (to label rows)."""
    rows = await PlatformAccount.filter(workspace_id=workspace_id).values_list("id", "platform")
    return {uuid.UUID(str(i)): str(p) for i, p in rows}


async def _account_ids(workspace_id: uuid.UUID, platform: str) -> list[uuid.UUID]:
    """The workspace's accounts on a platform (a list, so no join makes columns ambiguous)."""
    rows = await PlatformAccount.filter(workspace_id=workspace_id, platform=platform).values_list(
        "id", flat=True
    )
    return [uuid.UUID(str(r)) for r in rows]


async def messages(
    workspace_id: uuid.UUID, where: MessageFilter, limit: int, cursor: str | None
) -> Page[Message]:
    """Messages newest first (by when they were sent or received)."""
    query = Message.filter(workspace_id=workspace_id)
    if where.platform:
        query = query.filter(
            platform_account_id__in=await _account_ids(workspace_id, where.platform)
        )
    if where.account_id:
        query = query.filter(platform_account_id=where.account_id)
    if where.conversation_id:
        query = query.filter(conversation_id=where.conversation_id)
    if where.unread is True:
        query = query.filter(is_incoming=True, is_read=False)
    elif where.unread is False:
        query = query.filter(is_read=True)
    if where.q:
        query = query.filter(content__icontains=where.q)
    return await keyset_page(query, "received_at", limit, cursor)


async def conversations(
    workspace_id: uuid.UUID, where: ConversationFilter, limit: int, cursor: str | None
) -> Page[Conversation]:
    """Conversations by latest activity first, with their unread counts."""
    query = Conversation.filter(workspace_id=workspace_id).annotate(
        activity_at=Coalesce("last_message_at", F("created_at"))
    )
    if where.platform:
        query = query.filter(
            platform_account_id__in=await _account_ids(workspace_id, where.platform)
        )
    if where.account_id:
        query = query.filter(platform_account_id=where.account_id)
    if where.unread is True:
        query = query.filter(unread_count__gt=0)
    elif where.unread is False:
        query = query.filter(unread_count=0)
    if where.q:
        query = query.filter(participant_name__icontains=where.q)
    return await keyset_page(query, "activity_at", limit, cursor)


async def accounts(
    workspace_id: uuid.UUID, active: bool | None, limit: int, cursor: str | None
) -> Page[PlatformAccount]:
    """Connected (and, unless filtered out, disconnected) accounts, newest first."""
    query = PlatformAccount.filter(workspace_id=workspace_id)
    if active is not None:
        query = query.filter(is_active=active)
    return await keyset_page(query, "created_at", limit, cursor)


async def invites(workspace_id: uuid.UUID, limit: int, cursor: str | None) -> Page[Invite]:
    """Invite codes of the workspace, newest first."""
    return await keyset_page(Invite.filter(workspace_id=workspace_id), "created_at", limit, cursor)
