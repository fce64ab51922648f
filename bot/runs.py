"""Mirror runs held by this process: a kick for one of them costs no query.

A run holding a conversation's lease registers here; a kick for that conversation in the
same process only asks it to go round once more. Kicks from other processes, and kicks that
come while a run is releasing, take the lease path (the row's rerun flag) instead.

The root card shows the reply window: after customer messages it is refreshed, but while a
burst keeps the run going round, once per burst (or every CARD_MAX_DELAY seconds) rather
than once per round; Slack allows chat.update about 50 times a minute.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from bot.threads import Run
from inbox.services.slack_workspaces import SlackTarget

CARD_MAX_DELAY = 10.0


@dataclass(slots=True)
class LocalRun:
    """One run of this process: whether a kick came meanwhile, what it looked up once."""

    asked: bool = False
    target: SlackTarget | None = None  # the workspace's bot, looked up by the first round
    card_due: bool = False  # customer messages went into the thread since the last refresh
    card_since: float = field(default_factory=time.monotonic)


_held: dict[uuid.UUID, LocalRun] = {}


def ask_again(conversation_id: uuid.UUID) -> bool:
    """If a run of this process holds the conversation, ask it for another round (True)."""
    run = _held.get(conversation_id)
    if run is None:
        return False
    run.asked = True
    return True


def hold(conversation_id: uuid.UUID, run: LocalRun) -> None:
    """A round starts: from now on a kick is noted on `run`."""
    run.asked = False
    _held[conversation_id] = run


def forget(conversation_id: uuid.UUID, run: LocalRun) -> None:
    """The run releases (or ends): kicks go through the lease row again."""
    if _held.get(conversation_id) is run:
        del _held[conversation_id]


async def refresh_card(run: Run, local: LocalRun) -> None:
    """Refresh the card when customer messages are behind it, unless a burst is still on."""
    if not local.card_due:
        return
    if local.asked and time.monotonic() - local.card_since < CARD_MAX_DELAY:
        return
    await run.refresh_card()
    local.card_due = False
    local.card_since = time.monotonic()
