"""Slack Web API failures sorted by what the mirror must do next."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.mirror.lease import lease_length

T = TypeVar("T")

CHANNEL_GONE = frozenset(
    {"channel_not_found", "is_archived", "not_in_channel", "thread_not_found", "restricted_action"}
)
MISCONFIGURED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "ekm_access_denied",
        "team_access_not_granted",
    }
)
# Slack may have acted before failing: a post may exist although the call failed.
UNSURE = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


class MirrorStop(Exception):
    """Stop this run; the message says why (logged)."""


class SlackUnsure(MirrorStop):
    """Slack did not answer clearly: a post may have landed. The next run checks first."""


class SlackMisconfigured(MirrorStop):
    """The token, scopes or channel setup is wrong: an operator must act."""


class ChannelGone(Exception):
    """The thread's channel can no longer be posted to (archived, bot removed, deleted)."""


class SlackRefused(Exception):
    """Slack refused this one request for a reason of its own (e.g. msg_too_long)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def slack_error(exc: SlackApiError) -> str:
    """The `error` code of a failed Web API call ("" when the answer had none)."""
    data: Any = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "")
    return ""


async def call(request: Awaitable[T]) -> T:
    """Await one Web API call (retries are the client's), sorting its failure.

    The call, retries included, is cut off at half the mirror lease: a run waiting out 429s
    must not outlive its lease, or a second run takes over and both post the same thing.
    """
    try:
        async with asyncio.timeout(lease_length().total_seconds() / 2):
            return await request
    except SlackApiError as exc:
        error = slack_error(exc)
        status = getattr(exc.response, "status_code", 200)
        if error in CHANNEL_GONE:
            raise ChannelGone(error) from exc
        if error in MISCONFIGURED:
            raise SlackMisconfigured(f"Slack refused: {error}") from exc
        if error in UNSURE or not error or status >= 500 or status == 429:
            raise SlackUnsure(f"Slack failed: {error or f'HTTP {status}'}") from exc
        raise SlackRefused(error) from exc
    except (TimeoutError, aiohttp.ClientError, SlackClientError) as exc:
        raise SlackUnsure(f"no answer from Slack ({type(exc).__name__})") from exc
