"""Token care: refresh Instagram-Login tokens, check the others, flag and tell about risks.

An account is flagged (`needs_attention`, `attention_reason`) when its token is invalid,
expired or expires within 7 days, or its webhook subscription is gone. The workspace is told
once per new reason: an `account_attention` event for the dashboard, and the bus's attention
hooks (the bot posts it into the account's Slack channel). A later check that verifies the
token and finds nothing wrong clears the flag.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.bus import EventBus
from inbox.events import AccountAttention
from inbox.graph import GraphClient, GraphError, SendErrorKind
from inbox.models import PlatformAccount
from inbox.platforms.base import PlatformAdapter
from inbox.platforms.registry import get_adapter
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import Settings

log = logging.getLogger(__name__)

WARN_BEFORE = timedelta(days=7)
# Instagram-Login tokens live 60 days and may be refreshed once 24 h old; refresh at 30 left.
INSTAGRAM_REFRESH_BEFORE = timedelta(days=30)


@dataclass(slots=True)
class TokenCheck:
    """What checking one account found and did."""

    account_id: str
    platform: str
    problems: list[str] = field(default_factory=list)
    verified: bool = False
    refreshed: bool = False
    expires_at: datetime | None = None
    subscription_ok: bool | None = None
    told: bool = False

    @property
    def reason(self) -> str | None:
        """The problems as one sentence, or None when there are none."""
        return "; ".join(self.problems) or None


def _app_token(settings: Settings) -> str | None:
    if settings.meta_app_id and settings.meta_app_secret:
        return f"{settings.meta_app_id}|{settings.meta_app_secret}"
    return None


def _when(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


async def _refresh(
    account: PlatformAccount,
    adapter: PlatformAdapter,
    token: str,
    graph: GraphClient,
    cipher: TokenCipher,
    now: datetime,
) -> datetime | None:
    """Trade the token for a fresh one (Instagram Login: another 60 days); store it encrypted."""
    fresh = await adapter.refresh_token(graph, token)
    seconds = fresh.expires_in
    expires = now + timedelta(seconds=seconds) if seconds is not None else None
    await PlatformAccount.filter(id=account.id).update(
        access_token=cipher.encrypt(fresh.token), token_expires_at=expires
    )
    return expires


async def _debug_token(
    token: str, app_token: str, graph: GraphClient, check: TokenCheck
) -> datetime | None:
    """Ask Meta whether the token is valid and until when; 0 means it never expires."""
    body = await graph.get("debug_token", token=app_token, params={"input_token": token})
    data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
    if data.get("is_valid") is True:
        check.verified = True
    else:
        detail = (
            data.get("error", {}).get("message") if isinstance(data.get("error"), dict) else None
        )
        check.problems.append(
            "its access token is no longer valid"
            + (f" (Meta: {str(detail)[:200]})" if detail else "")
            + ": reconnect it"
        )
    return _when(data.get("expires_at"))


async def _subscribed(
    node: str, token: str, graph: GraphClient, settings: Settings, check: TokenCheck
) -> None:
    """Whether our app still receives the node's webhooks (Meta drops it after failed ones)."""
    body = await graph.get(f"{node}/subscribed_apps", token=token)
    apps = [a for a in body.get("data") or [] if isinstance(a, dict)]
    ours = (
        any(str(a.get("id")) == settings.meta_app_id for a in apps)
        if settings.meta_app_id
        else bool(apps)
    )
    check.verified = True
    check.subscription_ok = ours
    if not ours:
        check.problems.append(
            "its webhook subscription is gone, so new messages no longer arrive: reconnect it"
        )


async def check_account(
    account: PlatformAccount,
    *,
    graph: GraphClient,
    cipher: TokenCipher,
    settings: Settings,
    now: datetime | None = None,
) -> TokenCheck:
    """Refresh or verify the account's token and its webhook subscription; change nothing else."""
    now = now or datetime.now(UTC)
    check = TokenCheck(str(account.id), account.platform, expires_at=account.token_expires_at)
    try:
        token = cipher.decrypt(account.access_token)
    except TokenDecryptError:
        check.problems.append(
            "its token cannot be decrypted with the configured keys: reconnect it"
        )
        return check
    adapter = get_adapter(account.platform)
    if adapter is None:
        check.problems.append(f"its platform {account.platform!r} is unknown to this cahts")
        return check
    try:
        alive = await adapter.token_alive(graph, token)
        if alive is not None:
            check.verified = alive
            if not alive:
                check.problems.append("its access token was refused by the platform: reconnect it")
        elif adapter.refreshes_token(token):
            left = None if check.expires_at is None else check.expires_at - now
            if left is None or timedelta(0) < left <= INSTAGRAM_REFRESH_BEFORE:
                check.expires_at = await _refresh(account, adapter, token, graph, cipher, now)
                check.verified = check.refreshed = True
        elif (app_token := _app_token(settings)) is not None:
            expires = await _debug_token(token, app_token, graph, check)
            if check.verified:
                check.expires_at = expires
        parent = getattr(account, "parent_external_id", None)
        node = adapter.subscription_node(account.external_id, parent, token)
        if node is not None and not check.problems:
            await _subscribed(node, token, graph, settings, check)
    except GraphError as exc:
        if exc.kind is not SendErrorKind.TOKEN_INVALID:
            log.warning("token check of account %s: %s", account.id, exc.explain())
        else:
            check.problems.append(
                f"its access token was refused ({exc.message[:200]}): reconnect it"
            )
    if check.expires_at is not None and not check.problems:
        day = check.expires_at.date().isoformat()
        if check.expires_at <= now:
            check.problems.append(f"its access token expired on {day}: reconnect it")
        elif check.expires_at - now <= WARN_BEFORE:
            check.problems.append(f"its access token expires on {day}: reconnect it before then")
    return check


async def apply_check(
    account: PlatformAccount,
    check: TokenCheck,
    *,
    settings: Settings,
    bus: EventBus | None,
) -> None:
    """Store the verdict; tell the workspace when the reason is new, and when it is resolved."""
    changes: dict[str, Any] = {}
    if check.verified and check.expires_at != account.token_expires_at and not check.refreshed:
        changes["token_expires_at"] = check.expires_at
    if check.subscription_ok is not None:
        changes["subscription_ok"] = check.subscription_ok
    reason = check.reason
    if reason is not None:
        changes.update(needs_attention=True, attention_reason=reason)
    elif check.verified and account.needs_attention:
        changes.update(needs_attention=False, attention_reason=None)
    if changes:
        await PlatformAccount.filter(id=account.id).update(**changes)
    news = (
        reason != account.attention_reason if reason is not None else "needs_attention" in changes
    )
    if news:
        await tell(account, reason, bus=bus)
        check.told = True


async def tell(account: PlatformAccount, reason: str | None, *, bus: EventBus | None) -> None:
    """`account_attention` for the dashboard, then the attention hooks (the bot's Slack line)."""
    if bus is None:
        return
    event = AccountAttention.of(account, reason)
    await bus.publish(event)
    await bus.hooks.attention(event)


async def care_for_all(
    *, graph: GraphClient, cipher: TokenCipher, settings: Settings, bus: EventBus | None
) -> dict[str, int]:
    """Check every active account; returns counts of checked, refreshed and flagged ones."""
    counts = {"checked": 0, "refreshed": 0, "flagged": 0, "told": 0}
    for account in await PlatformAccount.filter(is_active=True).order_by("created_at"):
        check = await check_account(account, graph=graph, cipher=cipher, settings=settings)
        await apply_check(account, check, settings=settings, bus=bus)
        counts["checked"] += 1
        counts["refreshed"] += check.refreshed
        counts["flagged"] += check.reason is not None
        counts["told"] += check.told
    return counts
