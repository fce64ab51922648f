"""The template table: listed from Meta per WABA, kept current, read by the pickers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from inbox.graph import GraphClient, GraphError
from inbox.models import PlatformAccount, WhatsAppTemplate
from inbox.platforms import whatsapp_templates as wt
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError

log = logging.getLogger(__name__)

APPROVED = "APPROVED"
_FIELDS = "id,name,language,status,category,components,parameter_format"
_PAGE_SIZE = "100"
_MAX_PAGES = 100  # 10 000 templates; Meta allows at most 6 000 per WABA


class CatalogUnavailable(Exception):
    """The templates could not be listed; the message says why."""


def as_template(row: WhatsAppTemplate) -> wt.Template:
    """The stored row as the platform module's Template."""
    return wt.Template(
        external_id=row.external_id,
        name=row.name,
        language=row.language,
        status=row.status,
        category=row.category,
        parameter_format=row.parameter_format,
        components=tuple(row.components or ()),
    )


async def list_from_meta(graph: GraphClient, token: str, waba_id: str) -> list[wt.Template]:
    """Every page of `GET /{waba-id}/message_templates`."""
    found: list[wt.Template] = []
    after: str | None = None
    for _ in range(_MAX_PAGES):
        params = {"fields": _FIELDS, "limit": _PAGE_SIZE}
        if after:
            params["after"] = after
        body = await graph.get(f"{waba_id}/message_templates", token=token, params=params)
        templates, after = wt.parse_page(body)
        found.extend(templates)
        if after is None:
            return found
    raise CatalogUnavailable(f"more than {_MAX_PAGES} pages of templates")


async def store(workspace_id: uuid.UUID, waba_id: str, templates: Sequence[wt.Template]) -> int:
    """Replace the WABA's rows with a complete listing (gone ones are removed)."""
    now = datetime.now(UTC)
    seen: set[tuple[str, str]] = set()
    async with in_transaction():
        for t in templates:
            if (t.name, t.language) in seen:
                continue
            seen.add((t.name, t.language))
            await WhatsAppTemplate.update_or_create(
                workspace_id=workspace_id,
                waba_id=waba_id,
                name=t.name,
                language=t.language,
                defaults={
                    "external_id": t.external_id,
                    "status": t.status,
                    "category": t.category,
                    "parameter_format": t.parameter_format,
                    "components": list(t.components),
                    "synced_at": now,
                },
            )
        await WhatsAppTemplate.filter(
            workspace_id=workspace_id, waba_id=waba_id, synced_at__lt=now
        ).delete()
    return len(seen)


async def refresh_account(graph: GraphClient, cipher: TokenCipher, account: PlatformAccount) -> int:
    """List the account's WABA templates and store them; CatalogUnavailable when it can't."""
    if account.platform != "whatsapp" or not account.parent_external_id:
        raise CatalogUnavailable("this account has no WhatsApp Business Account id")
    try:
        token = cipher.decrypt(account.access_token)
        templates = await list_from_meta(graph, token, account.parent_external_id)
    except TokenDecryptError as exc:
        raise CatalogUnavailable("the account's token cannot be read") from exc
    except GraphError as exc:
        raise CatalogUnavailable(exc.explain()) from exc
    return await store(account.workspace_id, account.parent_external_id, templates)


async def refresh_all(graph: GraphClient, cipher: TokenCipher) -> dict[str, int]:
    """Refresh every WABA of every workspace once (with one of its active numbers' tokens)."""
    accounts = await PlatformAccount.filter(
        platform="whatsapp", is_active=True, parent_external_id__isnull=False
    ).order_by("created_at")
    done: dict[str, int] = {}
    for account in accounts:
        key = f"{account.workspace_id}:{account.parent_external_id}"
        if key in done:
            continue
        try:
            done[key] = await refresh_account(graph, cipher, account)
        except CatalogUnavailable as exc:
            log.warning("templates of WABA %s not refreshed: %s", account.parent_external_id, exc)
            done[key] = -1
    return done


async def apply_status_changes(changes: Sequence[wt.StatusChange]) -> set[str]:
    """Set the status a webhook announced at once; the WABAs to refresh in full afterwards."""
    wabas: set[str] = set()
    for change in changes:
        match = Q(external_id=change.template_id) if change.template_id else Q(pk__isnull=True)
        if change.name and change.language:
            match |= Q(name=change.name, language=change.language)
        await WhatsAppTemplate.filter(match, waba_id=change.waba_id).update(status=change.status)
        wabas.add(change.waba_id)
    return wabas


async def approved_for(account: PlatformAccount) -> list[WhatsAppTemplate]:
    """The templates a number may send now, by name then language."""
    if account.platform != "whatsapp" or not account.parent_external_id:
        return []
    return (
        await WhatsAppTemplate.filter(
            workspace_id=account.workspace_id,
            waba_id=account.parent_external_id,
            status=APPROVED,
        )
        .order_by("name", "language")
        .all()
    )


async def find_approved(
    account: PlatformAccount,
    *,
    template_id: uuid.UUID | None = None,
    name: str | None = None,
    language: str | None = None,
) -> WhatsAppTemplate | None:
    """One approved template of the account's WABA, by our id or by name and language."""
    if account.platform != "whatsapp" or not account.parent_external_id:
        return None
    rows = WhatsAppTemplate.filter(
        workspace_id=account.workspace_id, waba_id=account.parent_external_id, status=APPROVED
    )
    if template_id is not None:
        return await rows.filter(id=template_id).first()
    return await rows.filter(name=name or "", language=language or "").first()
