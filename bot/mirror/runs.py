"""Mirror runs held by this process: a kick for one of them costs no query.

A run holding a conversation's lease registers here; a kick for that conversation in the
same process only asks it to go round once more. Kicks from other processes, and kicks that
come while a run is releasing, take the lease path (the row's rerun flag) instead.

The root card shows the reply window, so it is refreshed after customer messages; but at
most once every CARD_INTERVAL seconds per conversation (Slack allows chat.update about 50
times a minute). A run whose card was held back stays a moment before releasing: it goes
round again at once if a kick comes, else refreshes the card when the interval is over, so
the card never lags the last message by more than CARD_INTERVAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from dataclasses import dataclass, field

from bot.install.workspaces import SlackTarget
from bot.thread.mapping import Run

CARD_INTERVAL = 2.0

_held: dict[uuid.UUID, LocalRun] = {}
_card_shown: dict[uuid.UUID, float] = {}  # conversation → when this process last refreshed it


@dataclass(slots=True)
class LocalRun:
    """One run of this process: whether a kick came meanwhile, what it looked up once."""

    asked: bool = False
    changes: bool = True  # marks, reactions or deletions may wait: the next round looks
    target: SlackTarget | None = None  # the workspace's bot, looked up by the first round
    card: Run | None = None  # the latest round, while the card lags customer messages
    kicked: asyncio.Event = field(default_factory=asyncio.Event)


def ask_again(conversation_id: uuid.UUID, changes: bool = True) -> bool:
    """If a run of this process holds the conversation, ask it for another round (True)."""
    run = _held.get(conversation_id)
    if run is None:
        return False
    run.asked = True
    run.changes = run.changes or changes
    run.kicked.set()
    return True


def hold(conversation_id: uuid.UUID, run: LocalRun) -> None:
    """A round starts: from now on a kick is noted on `run`."""
    run.asked = False
    run.kicked.clear()
    _held[conversation_id] = run


def forget(conversation_id: uuid.UUID, run: LocalRun) -> None:
    """The run releases (or ends): kicks go through the lease row again."""
    if _held.get(conversation_id) is run:
        del _held[conversation_id]


def card_behind(local: LocalRun, run: Run, posted_customer_messages: bool) -> None:
    """After a round: remember its Run when the card lags (the latest state is refreshed)."""
    if posted_customer_messages or local.card is not None:
        local.card = run


async def refresh_card(conversation_id: uuid.UUID, local: LocalRun, *, wait: bool) -> bool:
    """Refresh the card if it lags and the interval allows; True when a kick came meanwhile.

    With `wait`, a card held back by the interval is refreshed once it is over, unless a
    kick comes first (True: go round again; the card stays due).
    """
    if local.card is None:
        return False
    left = CARD_INTERVAL - (time.monotonic() - _card_shown.get(conversation_id, -math.inf))
    if left > 0:
        if not wait:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(local.kicked.wait(), left)
            return True
    await local.card.refresh_card()
    local.card = None
    if len(_card_shown) > 10_000:
        _card_shown.clear()
    _card_shown[conversation_id] = time.monotonic()
    return False
