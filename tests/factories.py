"""Rows for tests, made through the real models."""

from __future__ import annotations

from inbox.models import PlatformAccount, User, Workspace
from inbox.services.crypto import TokenCipher
from inbox.services.passwords import hash_password

# External ids used by the fixtures in tests/fixtures/<platform>/.
FIXTURE_ACCOUNTS = {
    "messenger": "104578291736452",
    "instagram": "17841465123456789",
    "whatsapp": "106540352242922",
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
