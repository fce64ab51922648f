"""The WhatsApp modal's submission: check the number and token with Meta, then save.

Slack waits 3 seconds for the answer, so Meta gets CHECK_TIMEOUT per call; what Meta refuses
(or does not answer in time) is shown under the field at fault (`response_action: errors`)
and nothing is saved.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.accounts.connect import WHATSAPP_VIEW, connected_view
from bot.install.home import home_workspace
from bot.install.scope import scope_of
from inbox.graph import GraphClient
from inbox.services.accounts.connections import ConnectError, connect_whatsapp
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings
from inbox.tasks.broker import broker
from inbox.tasks.templates import list_templates_soon

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
_GRAPH_ID = re.compile(r"^[0-9]{1,64}$")
_TOKEN = re.compile(r"^[!-~]{1,4096}$")


def _value(values: dict[str, Any], block: str) -> str:
    found = (values.get(block) or {}).get("value") or {}
    return str(found.get("value") or "").strip() if isinstance(found, dict) else ""


def read_form(view: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The submitted fields, and an error per field that is not what Meta could accept."""
    values = (view.get("state") or {}).get("values") or {}
    form = {
        block: _value(values, block)
        for block in ("phone_number_id", "access_token", "waba_id", "name")
    }
    errors: dict[str, str] = {}
    if not _GRAPH_ID.match(form["phone_number_id"]):
        errors["phone_number_id"] = "The phone number ID is digits only (not the phone number)."
    if not _TOKEN.match(form["access_token"]):
        errors["access_token"] = "Paste the whole token, without spaces."  # noqa: S105 - a hint
    if form["waba_id"] and not _GRAPH_ID.match(form["waba_id"]):
        errors["waba_id"] = "The WhatsApp Business Account ID is digits only."
    if len(form["name"]) > 200:
        errors["name"] = "200 characters at most."
    return form, errors


def _field(error: ConnectError) -> str:
    return error.field if error.field in ("phone_number_id", "access_token") else "phone_number_id"


def register(app: AsyncApp, settings: Settings) -> None:
    """Handle submissions of the WhatsApp modal."""

    async def submitted(
        ack: AsyncAck, view: dict[str, Any], context: dict[str, Any], body: dict[str, Any]
    ) -> None:
        form, errors = read_form(view)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        workspace, problem = await home_workspace(scope_of(context))
        if workspace is None:
            await ack(response_action="errors", errors={"phone_number_id": problem})
            return
        graph = GraphClient(settings.meta_graph_url, timeout=CHECK_TIMEOUT)
        try:
            account, created = await connect_whatsapp(
                workspace_id=workspace.id,
                user_id=None,
                phone_number_id=form["phone_number_id"],
                token=form["access_token"],
                waba_id=form["waba_id"] or None,
                name=form["name"] or None,
                graph=graph,
                cipher=TokenCipher(settings.token_encryption_keys),
                bus=getattr(broker.state, "bus", None),
            )
        except ConnectError as exc:
            await ack(response_action="errors", errors={_field(exc): exc.message[:300]})
            return
        finally:
            await graph.close()
        user = str((body.get("user") or {}).get("id") or "")
        log.info("WhatsApp %s connected from Slack by %s", account.external_id, user)
        await ack(response_action="update", view=connected_view(account, created))
        await list_templates_soon(account)

    app.view(WHATSAPP_VIEW)(submitted)
