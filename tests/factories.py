"""Rows for tests, made through the real models."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from inbox.models import (
    Analytics,
    Conversation,
    Message,
    PlatformAccount,
    SlackInstallation,
    User,
    Workspace,
)
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.sessions.passwords import hash_password

# External ids used by the fixtures in tests/fixtures/<platform>/.
FIXTURE_ACCOUNTS = {
    "messenger": "104578291736452",
    "instagram": "17841465123456789",
    "whatsapp": "106540352242922",
    "telegram": "42",  # the bot of tests/fixtures/telegram/api/getMe.json
}


async def make_workspace(name: str = "Acme") -> Workspace:
    """A workspace."""
    return await Workspace.create(name=name)


async def make_user(workspace: Workspace, email: str = "agent@example.com") -> User:
    """A user in the workspace (cheap password hash for speed)."""
    return await User.create(
        workspace=workspace,
        email=email,
        password_hash=hash_password("correct horse", iterations=1000),
        name="Agent",
    )


async def make_account(
    workspace: Workspace,
    platform: str = "messenger",
    external_id: str | None = None,
    *,
    key: str,
    name: str = "Shop",
    token: str = "EAA-test-token",
) -> PlatformAccount:
    """A connected account whose external id matches the platform's fixtures by default."""
    return await PlatformAccount.create(
        workspace=workspace,
        platform=platform,
        external_id=external_id or FIXTURE_ACCOUNTS[platform],
        name=name,
        access_token=TokenCipher([key]).encrypt(token),
    )


async def connect_fixture_accounts(key: str) -> tuple[Workspace, dict[str, PlatformAccount]]:
    """One workspace with the three fixture accounts connected."""
    workspace = await make_workspace()
    accounts = {p: await make_account(workspace, p, key=key) for p in FIXTURE_ACCOUNTS}
    return workspace, accounts


async def make_owner(workspace: Workspace, email: str = "owner@example.com") -> User:
    """The workspace's owner (cheap password hash, password "correct horse")."""
    user = await make_user(workspace, email)
    user.role = "owner"
    await user.save(update_fields=["role"])
    return user


async def make_conversation(
    account: PlatformAccount,
    participant_id: str = "7349205816634201",
    *,
    name: str = "Customer",
    last_message_at: datetime | None = None,
    customer_wrote: timedelta | None = timedelta(minutes=5),
    unread: int = 0,
) -> Conversation:
    """A conversation on the account; the customer wrote `customer_wrote` ago (None: never)."""
    now = datetime.now(UTC)
    return await Conversation.create(
        workspace_id=account.workspace_id,  # type: ignore[attr-defined]
        platform_account=account,
        participant_id=participant_id,
        participant_name=name,
        last_message_at=last_message_at or now,
        last_incoming_at=now - customer_wrote if customer_wrote is not None else None,
        unread_count=unread,
    )


async def make_message(
    conversation: Conversation,
    text: str = "Hello",
    *,
    incoming: bool = True,
    is_read: bool | None = None,
    received_at: datetime | None = None,
) -> Message:
    """A stored message in the conversation (unread when incoming, unless told otherwise)."""
    return await Message.create(
        workspace_id=conversation.workspace_id,  # type: ignore[attr-defined]
        platform_account_id=conversation.platform_account_id,  # type: ignore[attr-defined]
        conversation=conversation,
        platform_message_id=f"m_{uuid.uuid4().hex}",
        sender_id=conversation.participant_id if incoming else "page",
        content=text,
        is_incoming=incoming,
        is_read=(not incoming) if is_read is None else is_read,
        received_at=received_at or datetime.now(UTC),
    )


async def make_analytics(
    workspace: Workspace, day: date, platform: str = "messenger", **figures: float
) -> Analytics:
    """One aggregated analytics row (counts default to 0)."""
    return await Analytics.create(workspace=workspace, date=day, platform=platform, **figures)


async def make_installation(
    workspace: Workspace, team: str, bot_token: str, *, key: str, channel: str | None = None
) -> SlackInstallation:
    """The workspace installed into Slack team `team` (as the OAuth flow would leave it)."""
    await Workspace.filter(id=workspace.id).update(slack_team_id=team)
    return await SlackInstallation.create(
        workspace=workspace,
        team_id=team,
        team_name=f"{team} Inc",
        bot_token=TokenCipher([key]).encrypt(bot_token),
        bot_id=f"B{team}",
        bot_user_id=f"U{team}BOT",
        default_channel=channel,
    )
