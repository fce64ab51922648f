"""A form platform's modal (fields from its adapter): check with the platform, then save.

What the platform refuses is shown under the field at fault and nothing is saved.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.accounts.connect import FORM_VIEW, form_connected_view
from bot.install.home import home_workspace
from bot.install.scope import scope_of
from inbox.graph import GraphClient
from inbox.platforms.base import PlatformAdapter
from inbox.platforms.registry import get_adapter
from inbox.services.accounts.connections import ConnectError, connect_form
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings
from inbox.tasks.broker import broker

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0  # Slack waits 3 s for the answer


def read_form(
    adapter: PlatformAdapter, view: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """The submitted fields, and an error per field that is missing or too long."""
    values = (view.get("state") or {}).get("values") or {}
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in (*adapter.connect_fields, None):
        name = field.name if field is not None else "name"
        found = (values.get(name) or {}).get("value") or {}
        value = str(found.get("value") or "").strip() if isinstance(found, dict) else ""
        limit = field.max_length if field is not None else 200
        if len(value) > limit:
            errors[name] = f"{limit} characters at most."
        elif value:
            form[name] = value
        elif field is not None and not field.optional:
            errors[name] = "Required."
    return form, errors


def register(app: AsyncApp, settings: Settings) -> None:
    """Handle submissions of the form platforms' modals."""

    async def submitted(
        ack: AsyncAck, view: dict[str, Any], context: dict[str, Any], body: dict[str, Any]
    ) -> None:
        adapter = get_adapter(str(view.get("private_metadata") or ""))
        if adapter is None or not adapter.connect_fields:
            await ack(response_action="errors", errors={"name": "Unknown platform."})
            return
        first = adapter.connect_fields[0].name
        form, errors = read_form(adapter, view)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        workspace, problem = await home_workspace(scope_of(context))
        if workspace is None:
            await ack(response_action="errors", errors={first: problem})
            return
        graph = GraphClient(settings.meta_graph_url, timeout=CHECK_TIMEOUT, apis=settings.api_urls)
        try:
            account, created = await connect_form(
                adapter.name,
                form,
                workspace_id=workspace.id,
                user_id=None,
                public_url=settings.public_url,
                graph=graph,
                cipher=TokenCipher(settings.token_encryption_keys),
                bus=getattr(broker.state, "bus", None),
            )
        except ConnectError as exc:
            field = exc.field if exc.field in form or exc.field == first else first
            await ack(response_action="errors", errors={field: exc.message[:300]})
            return
        finally:
            await graph.close()
        user = str((body.get("user") or {}).get("id") or "")
        log.info("%s %s connected from Slack by %s", adapter.name, account.external_id, user)
        await ack(response_action="update", view=form_connected_view(adapter, account, created))

    app.view(FORM_VIEW)(submitted)
