"""Connecting and disconnecting platform accounts: save (token encrypted), subscribe, announce."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from inbox.bus import EventBus
from inbox.events import AccountChange, account_event
from inbox.graph import GraphClient, GraphError
from inbox.models import OAuthState, PlatformAccount
from inbox.platforms.base import ConnectRefused, GrantedPage, PlatformAdapter, Target, WebhookHook
from inbox.platforms.registry import get_adapter
from inbox.platforms.whatsapp import ADAPTER as WHATSAPP
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.services.accounts.meta_oauth import OAuthError, exchange_code, list_pages
from inbox.services.refusal import Refused
from inbox.settings import Settings

log = logging.getLogger(__name__)


class ConnectError(Refused):
    """A refused account connection."""


def _adapter(platform: str) -> PlatformAdapter:
    """The platform's adapter; ConnectError for a platform this cahts does not know."""
    adapter = get_adapter(platform)
    if adapter is None:
        raise ConnectError(404, "unknown_platform", f"unknown platform {platform!r}")
    return adapter


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
            fields: dict[str, Any] = {
                "workspace_id": workspace_id,
                "platform": target.platform,
                "external_id": target.external_id,
                **values,
            }
            account = await PlatformAccount.create(**fields)
            return account, True
        except IntegrityError:
            existing = await PlatformAccount.get_or_none(
                platform=target.platform, external_id=target.external_id
            )
            if existing is None:
                raise
    if existing.workspace_id != workspace_id:
        raise ConnectError(
            409,
            "connected_elsewhere",
            f"{target.name or target.external_id} is already "
            "connected to another cahts workspace; disconnect it there first",
        )
    await PlatformAccount.filter(id=existing.id).update(**values)
    await existing.refresh_from_db()
    return existing, False


def webhook_url(public_url: str, account: PlatformAccount) -> str:
    """Where a platform with per-account webhooks sends this account's."""
    return f"{public_url.rstrip('/')}/api/webhooks/{account.platform}/{account.id}"


async def _hook(
    account: PlatformAccount, cipher: TokenCipher, public_url: str | None
) -> WebhookHook | None:
    """A fresh secret for an account-routed webhook, stored (encrypted) before it is set."""
    if _adapter(account.platform).webhook_route != "account" or public_url is None:
        return None
    secret = secrets.token_urlsafe(32)
    await PlatformAccount.filter(id=account.id).update(webhook_secret=cipher.encrypt(secret))
    return WebhookHook(webhook_url(public_url, account), secret)


async def subscribe(
    graph: GraphClient,
    account: PlatformAccount,
    token: str,
    *,
    cipher: TokenCipher | None = None,
    public_url: str | None = None,
) -> bool:
    """Subscribe the app to the account's webhooks; a failure is recorded on the account."""
    adapter = _adapter(account.platform)
    try:
        hook = await _hook(account, cipher, public_url) if cipher is not None else None
        if not await adapter.subscribe(
            graph, token, account.external_id, account.parent_external_id, hook
        ):
            return True
    except GraphError as exc:
        reason = f"webhook subscription failed: {exc.explain()}"
        await PlatformAccount.filter(id=account.id).update(
            subscription_ok=False, needs_attention=True, attention_reason=reason
        )
        log.warning("subscribing %s %s failed: %s", account.platform, account.external_id, exc)
        return False
    await PlatformAccount.filter(id=account.id).update(subscription_ok=True)
    return True


async def webhook_secret(
    platform: str, account_id: str, cipher: TokenCipher
) -> tuple[str, str] | None:
    """The external id and webhook secret of an active account-routed account, else None."""
    try:
        key = uuid.UUID(account_id)
    except ValueError:
        return None
    account = await PlatformAccount.get_or_none(id=key, platform=platform, is_active=True)
    if account is None or not account.webhook_secret:
        return None
    try:
        return account.external_id, cipher.decrypt(account.webhook_secret)
    except TokenDecryptError:
        log.warning("the webhook secret of account %s cannot be decrypted", account.id)
        return None


async def connect_form(
    platform: str,
    fields: Mapping[str, str],
    *,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None,
    public_url: str,
    graph: GraphClient,
    cipher: TokenCipher,
    bus: EventBus | None,
) -> tuple[PlatformAccount, bool]:
    """Connect an account from its platform's connect form: checked first, nothing saved if not."""
    adapter = _adapter(platform)
    if not adapter.connect_fields:
        raise ConnectError(404, "unknown_platform", f"{adapter.label} has no connect form")
    try:
        target = await adapter.check_credentials(graph, fields)
    except ConnectRefused as exc:
        if exc.unavailable:
            raise ConnectError(502, "platform_unavailable", exc.message, exc.field) from exc
        raise ConnectError(422, "rejected_by_platform", exc.message, exc.field) from exc
    account, created = await save_account(workspace_id, user_id, target, cipher)
    await subscribe(graph, account, target.token, cipher=cipher, public_url=public_url)
    await announce(bus, account, "platform_connected")
    await account.refresh_from_db()
    return account, created


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
    adapter = _adapter(state.platform)
    user_token = await exchange_code(graph, settings, code)
    pages = await list_pages(graph, user_token)
    granted = [GrantedPage(p.id, p.name, p.token, p.instagram_id, p.instagram_name) for p in pages]
    targets = adapter.connect_targets(granted)
    if not targets:
        raise OAuthError(adapter.no_targets_message)
    return await _connect(
        targets,
        state.workspace_id,
        state.user_id,
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
        info = await WHATSAPP.describe_number(graph, token, phone_number_id)
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
    target = Target(WHATSAPP.name, phone_number_id, str(label), token, waba_id)
    account, created = await save_account(workspace_id, user_id, target, cipher)
    await subscribe(graph, account, token)
    await announce(bus, account, "platform_connected")
    await account.refresh_from_db()
    return account, created


async def _shares_subscription(account: PlatformAccount) -> bool:
    """Whether another active account gets its webhooks through the same Page or WABA."""
    adapter = _adapter(account.platform)
    sharers = adapter.subscription_sharers(account.external_id, account.parent_external_id)
    if sharers is None:
        return True
    if not sharers:
        return False
    others = PlatformAccount.filter(is_active=True).exclude(id=account.id)
    return await others.filter(reduce(or_, (Q(**where) for where in sharers))).exists()


async def disconnect(
    account: PlatformAccount, *, graph: GraphClient, cipher: TokenCipher, bus: EventBus | None
) -> None:
    """Unsubscribe (best effort), deactivate; conversations and messages stay."""
    if not account.is_active:
        return
    if not await _shares_subscription(account):
        try:
            token = cipher.decrypt(account.access_token)
            await _adapter(account.platform).unsubscribe(
                graph, token, account.external_id, account.parent_external_id
            )
        except (GraphError, TokenDecryptError) as exc:
            log.info("unsubscribing %s %s failed: %s", account.platform, account.external_id, exc)
    await PlatformAccount.filter(id=account.id).update(is_active=False)
    await announce(bus, account, "platform_disconnected")
