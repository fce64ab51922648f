"""Connecting accounts from Slack: the Facebook Login link, the WhatsApp modal, the outcome.

`/inbox connect messenger|instagram` answers with a cahts link (`/api/platforms/start`)
holding a single-use ticket bound to the workspace and to the Slack user, team and channel (no
cahts user: Slack users need no dashboard login). The browser that opens it gets a cookie and
a Facebook Login `state` bound to that cookie; when Facebook sends that browser back, the
callback tells the user in that channel how it went (`report_oauth`) and sends the browser
back to Slack.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlencode

from bot.install.workspaces import legacy_team, target_for
from bot.slack.client import slack_client
from bot.slack.errors import call
from bot.thread.render import platform_label
from bot.thread.text import escape
from inbox.models import OAuthState, PlatformAccount
from inbox.platforms.base import ConnectField, PlatformAdapter
from inbox.settings import Settings

log = logging.getLogger(__name__)

WHATSAPP_VIEW = "connect_whatsapp"
FORM_VIEW = "connect_form"
LINK_ACTION = "connect_open_login"
SLACK_REDIRECT = "https://slack.com/app_redirect"
# (block_id, label, placeholder, optional)
WHATSAPP_FIELDS = (
    ("phone_number_id", "Phone number ID", "e.g. 106540352242922 (WhatsApp Manager → API)", False),
    ("access_token", "Access token", "a system user's permanent token (EAA…)", False),
    ("waba_id", "WhatsApp Business Account ID", "subscribes the number's webhooks", True),
    ("name", "Name in cahts", "defaults to the number's verified name", True),
)
TELL_TIMEOUT = 5.0


def login_blocks(platform: str, url: str, minutes: int) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral answer with the Facebook Login button (and the link as text)."""
    label = platform_label(platform)
    text = (
        f"Connect {label}: open <{url}|Facebook Login> and pick the "
        f"{'Pages' if platform == 'messenger' else 'Instagram accounts (through their Pages)'} "
        f"to connect. The link works once, for {minutes} minutes."
    )
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": f"Connect {label}"},
        "url": url,
        "style": "primary",
        "action_id": LINK_ACTION,
    }
    return text, [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "elements": [button]},
    ]


def _input(block_id: str, label: str, placeholder: str, optional: bool) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "placeholder": {"type": "plain_text", "text": placeholder[:150]},
        },
    }


def whatsapp_modal() -> dict[str, Any]:
    """The modal asking for a WhatsApp phone-number id and token (and the WABA, a name)."""
    return {
        "type": "modal",
        "callback_id": WHATSAPP_VIEW,
        "title": {"type": "plain_text", "text": "Connect WhatsApp"},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "cahts checks the number and the token with Meta before saving; "
                    "the token is stored encrypted and never shown again.",
                },
            },
            *(_input(*field) for field in WHATSAPP_FIELDS),
        ],
    }


def _field_input(field: ConnectField) -> dict[str, Any]:
    block = _input(field.name, field.label, field.hint, field.optional)
    block["element"]["max_length"] = min(field.max_length, 3000)
    return block


def form_modal(adapter: PlatformAdapter) -> dict[str, Any]:
    """The modal of a platform connected with a form, built from the adapter's fields."""
    fields = [
        *adapter.connect_fields,
        ConnectField("name", "Name in cahts", "optional", False, True),
    ]
    return {
        "type": "modal",
        "callback_id": FORM_VIEW,
        "private_metadata": adapter.name,
        "title": {"type": "plain_text", "text": f"Connect {adapter.label}"[:24]},
        "submit": {"type": "plain_text", "text": "Connect"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"cahts checks this with {adapter.label} before saving; secrets are "
                    "stored encrypted and never shown again.",
                },
            },
            *(_field_input(field) for field in fields),
        ],
    }


def form_connected_view(
    adapter: PlatformAdapter, account: PlatformAccount, created: bool
) -> dict[str, Any]:
    """What a form platform's modal shows once the account is connected."""
    verb = "Connected" if created else "Reconnected"
    text = (
        f":white_check_mark: {verb} *{escape(account.name)}* ({adapter.label} "
        f"`{account.external_id}`). New conversations appear as threads."
    )
    if not account.subscription_ok:
        reason = escape(account.attention_reason or "see `/inbox status`")
        text += f"\n:warning: Its webhook could not be set: {reason}"
    return {
        "type": "modal",
        "callback_id": f"{FORM_VIEW}_done",
        "title": {"type": "plain_text", "text": f"Connect {adapter.label}"[:24]},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def connected_view(account: PlatformAccount, created: bool) -> dict[str, Any]:
    """What the modal shows once the number is connected."""
    verb = "Connected" if created else "Reconnected"
    text = (
        f":white_check_mark: {verb} *{escape(account.name)}* "
        f"(WhatsApp `{account.external_id}`). New conversations appear as threads."
    )
    if not account.subscription_ok:
        text += (
            "\n:warning: Webhooks could not be subscribed: check the WABA id and the token's "
            "permissions (`/inbox status` shows it)."
        )
    return {
        "type": "modal",
        "callback_id": f"{WHATSAPP_VIEW}_done",
        "title": {"type": "plain_text", "text": "Connect WhatsApp"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def oauth_outcome(platform: str, accounts: list[PlatformAccount], error: str | None) -> str:
    """How a Facebook Login started in Slack ended, in words."""
    label = platform_label(platform)
    lines = []
    if accounts:
        names = ", ".join(f"*{escape(a.name or a.external_id)}*" for a in accounts)
        lines.append(f":white_check_mark: Connected {len(accounts)} {label}: {names}.")
    elif error is None:
        lines.append(f"No {label} account was connected.")
    if error:
        lines.append(f":warning: {escape(error[:500])}")
    return "\n".join(lines)


async def report_oauth(
    settings: Settings, state: OAuthState, accounts: list[PlatformAccount], error: str | None
) -> str:
    """Tell the Slack user who ran `/inbox connect` how it ended; the URL back into Slack."""
    team, user, channel = state.slack_team or "", state.slack_user or "", state.slack_channel or ""
    target = await target_for(settings, state.workspace_id)
    if target is not None and user and channel:
        text = oauth_outcome(state.platform, accounts, error)
        slack = slack_client(settings, target.token)
        try:
            await asyncio.wait_for(
                call(slack.chat_postEphemeral(channel=channel, user=user, text=text)),
                TELL_TIMEOUT,
            )
        except Exception as exc:  # a courtesy: the accounts are saved either way
            log.info("could not tell %s how the connection went: %s", user, exc)
    query = {"team": team or await legacy_team(settings) or "", "channel": channel}
    return f"{SLACK_REDIRECT}?{urlencode(query)}"
