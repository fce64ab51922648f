"""Connecting and disconnecting platform accounts: save (token encrypted), subscribe, announce."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from inbox.bus import EventBus
from inbox.events import AccountChange, account_event
from inbox.graph import GraphClient, GraphError
from inbox.models import OAuthState, PlatformAccount
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.services.accounts.meta_oauth import OAuthError, exchange_code, list_pages
from inbox.settings import Settings

log = logging.getLogger(__name__)

PAGE_FIELDS = (
    "messages,message_echoes,message_reactions,messaging_postbacks,message_deliveries,message_reads"
)


class ConnectError(Exception):
    """A connection refused: status, stable code, words for the user, the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Target:
    """An account to connect, as Meta described it."""

    platform: str
    external_id: str
    name: str
    token: str
    parent_external_id: str | None = None
    token_expires_at: datetime | None = None


async def save_account(
    workspace_id: uuid.UUID, user_id: uuid.UUID | None, target: Target, cipher: TokenCipher
) -> tuple[PlatformAccount, bool]:
    """Create or refresh the account in this workspace; ConnectError if another workspace has it."""
    values = {
        "name": target.name[:200],
        "access_token": cipher.encrypt(target.token),
        "parent_external_id": target.parent_external_id,
        "token_expires_at": target.token_expires_at,
        "is_active": True,
        "needs_attention": False,
        "attention_reason": None,
        "user_id": user_id,
    }
    existing = await PlatformAccount.get_or_none(
        platform=target.platform, external_id=target.external_id
    )
    if existing is None:
        try:
            account = await PlatformAccount.create(
                workspace_id=workspace_id,
                platform=target.platform,
                external_id=target.external_id,
                **values,
            )
            return account, True
        except IntegrityError:
            existing = await PlatformAccount.get_or_none(
                platform=target.platform, external_id=target.external_id
            )
            if existing is None:
                raise
    if existing.workspace_id != workspace_id:  # type: ignore[attr-defined]
        raise ConnectError(
            409,
            "connected_elsewhere",
            f"{target.name or target.external_id} is already "
            "connected to another cahts workspace; disconnect it there first",
        )
    await PlatformAccount.filter(id=existing.id).update(**values)
    await existing.refresh_from_db()
    return existing, False


async def subscribe(graph: GraphClient, account: PlatformAccount, token: str) -> bool:
    """Subscribe the app to the account's webhooks; a failure is recorded on the account."""
    if account.platform == "whatsapp":
        if not account.parent_external_id:
            return True
        path, params = f"{account.parent_external_id}/subscribed_apps", None
    else:
        page = account.parent_external_id or account.external_id
        path, params = f"{page}/subscribed_apps", {"subscribed_fields": PAGE_FIELDS}
    try:
        await graph.post(path, token=token, params=params)
    except GraphError as exc:
        reason = f"webhook subscription failed: {exc.explain()}"
        await PlatformAccount.filter(id=account.id).update(
            subscription_ok=False, needs_attention=True, attention_reason=reason
        )
        log.warning("subscribing %s %s failed: %s", account.platform, account.external_id, exc)
        return False
    await PlatformAccount.filter(id=account.id).update(subscription_ok=True)
    return True


async def announce(bus: EventBus | None, account: PlatformAccount, kind: AccountChange) -> None:
    """Publish `platform_connected` / `platform_disconnected` with the account as JSON."""
    if bus is None:
        return
    fresh = await PlatformAccount.get(id=account.id)
    await bus.publish(account_event(kind, fresh))


async def _connect(
    targets: list[Target],
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None,
) -> tuple[list[PlatformAccount], list[str]]:
    saved: list[tuple[PlatformAccount, str]] = []
    problems: list[str] = []
    for target in targets:
        try:
            account, _ = await save_account(workspace_id, user_id, target, cipher)
        except ConnectError as exc:
            problems.append(exc.message)
            continue
        saved.append((account, target.token))
    for account, token in saved:
        await subscribe(graph, account, token)
        await announce(bus, account, "platform_connected")
    return [a for a, _ in saved], problems


async def complete_oauth(
    state: OAuthState,
    code: str,
    *,
    settings: Settings,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None,
) -> tuple[list[PlatformAccount], list[str]]:
    """The callback's work: token exchange, Pages (and IG accounts), save, subscribe, announce."""
    user_token = await exchange_code(graph, settings, code)
    pages = await list_pages(graph, user_token)
    if state.platform == "instagram":
        targets = [
            Target("instagram", p.instagram_id, p.instagram_name or p.name, p.token, p.id)
            for p in pages
            if p.instagram_id
        ]
        if not targets:
            raise OAuthError(
                "none of the Pages you granted has an Instagram professional account linked"
            )
    else:
        targets = [Target("messenger", p.id, p.name, p.token) for p in pages]
        if not targets:
            raise OAuthError("no Facebook Page was granted; choose at least one Page")
    return await _connect(
        targets,
        state.workspace_id,  # type: ignore[attr-defined]
        state.user_id,  # type: ignore[attr-defined]
        graph,
        cipher,
        bus,
    )


async def connect_whatsapp(
    *,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None,
    phone_number_id: str,
    token: str,
    waba_id: str | None,
    name: str | None,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None,
) -> tuple[PlatformAccount, bool]:
    """Check the number and token with the Graph API, then save, subscribe the WABA, announce."""
    try:
        info = await graph.get(
            phone_number_id,
            token=token,
            params={"fields": "id,display_phone_number,verified_name"},
        )
    except GraphError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise ConnectError(
                502, "graph_unavailable", f"Meta did not answer; try again ({exc.message})"
            ) from exc
        raise ConnectError(
            422,
            "rejected_by_meta",
            f"access_token: Meta refused this token for phone number {phone_number_id} "
            f"({exc.message})",
            "access_token",
        ) from exc
    if str(info.get("id", "")) != phone_number_id:
        raise ConnectError(
            422,
            "rejected_by_meta",
            "phone_number_id: Meta does not know this number",
            "phone_number_id",
        )
    label = name or info.get("verified_name") or info.get("display_phone_number") or phone_number_id
    target = Target("whatsapp", phone_number_id, str(label), token, waba_id)
    account, created = await save_account(workspace_id, user_id, target, cipher)
    await subscribe(graph, account, token)
    await announce(bus, account, "platform_connected")
    await account.refresh_from_db()
    return account, created


async def _shares_subscription(account: PlatformAccount) -> bool:
    """Whether another active account gets its webhooks through the same Page or WABA."""
    others = PlatformAccount.filter(is_active=True).exclude(id=account.id)
    if account.platform == "messenger":
        return await others.filter(parent_external_id=account.external_id).exists()
    anchor = account.parent_external_id
    if anchor is None:
        return True
    if account.platform == "instagram":
        page_in_use = await others.filter(platform="messenger", external_id=anchor).exists()
        return page_in_use or await others.filter(parent_external_id=anchor).exists()
    return await others.filter(platform="whatsapp", parent_external_id=anchor).exists()


async def disconnect(
    account: PlatformAccount, *, graph: GraphClient, cipher: TokenCipher, bus: EventBus | None
) -> None:
    """Unsubscribe (best effort), deactivate; conversations and messages stay."""
    if not account.is_active:
        return
    if not await _shares_subscription(account):
        page = account.parent_external_id or account.external_id
        try:
            token = cipher.decrypt(account.access_token)
            await graph.call("DELETE", f"{page}/subscribed_apps", token=token)
        except (GraphError, TokenDecryptError) as exc:
            log.info("unsubscribing %s %s failed: %s", account.platform, account.external_id, exc)
    await PlatformAccount.filter(id=account.id).update(is_active=False)
    await announce(bus, account, "platform_disconnected")
