"""The `/inbox` subcommands: each module registers its handler here with `@subcommand`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.scope import TeamScope
from inbox.settings import Settings


@dataclass(slots=True)
class Invocation:
    """One `/inbox <name> <args>` call, with what a handler needs to answer it."""

    name: str
    args: str
    body: dict[str, Any]
    settings: Settings
    scope: TeamScope | None
    client: AsyncWebClient
    respond: AsyncRespond
    ack: AsyncAck
    acked: bool = field(default=False)

    @property
    def user_id(self) -> str:
        """Who typed the command."""
        return str(self.body.get("user_id") or "")

    @property
    def channel_id(self) -> str:
        """Where it was typed."""
        return str(self.body.get("channel_id") or "")

    async def reply(self, text: str, *, public: bool = False) -> None:
        """Answer at once (within Slack's 3 s): only to the caller unless `public`."""
        self.acked = True
        await self.ack(text=text, response_type="in_channel" if public else "ephemeral")

    async def acknowledge(self) -> None:
        """Answer nothing now (say more later with `respond`, within 30 minutes)."""
        self.acked = True
        await self.ack()


Handler = Callable[[Invocation], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Subcommand:
    """A registered subcommand: its words in `/inbox help`, and its handler."""

    name: str
    usage: str
    summary: str
    handler: Handler


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, usage: str, summary: str) -> Callable[[Handler], Handler]:
    """Register the decorated handler as `/inbox <name>`."""

    def register(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = Subcommand(name, usage, summary, handler)
        return handler

    return register
