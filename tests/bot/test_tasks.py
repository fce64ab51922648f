"""Slack housekeeping tasks and what they do when Slack is off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.mirror.tasks import prune_slack_events, slack_mirror_conversation, slack_sweep
from inbox.models import SlackEvent
from inbox.settings import Settings


async def test_handled_slack_event_ids_are_forgotten_after_a_week(database: Settings) -> None:
    await SlackEvent.create(event_id="Ev0OLD")
    await SlackEvent.create(event_id="Ev0NEW")
    await SlackEvent.filter(event_id="Ev0OLD").update(
        created_at=datetime.now(UTC) - timedelta(days=8)
    )
    assert await prune_slack_events() == 1
    assert await SlackEvent.all().values_list("event_id", flat=True) == ["Ev0NEW"]


def test_sweep_and_prune_are_scheduled() -> None:
    for task in (slack_sweep, prune_slack_events):
        assert all("cron" in entry for entry in task.labels["schedule"])


async def test_with_slack_off_the_tasks_do_nothing(database: Settings) -> None:
    class State:
        slack = None

    class Ctx:
        state = State()

    assert await slack_mirror_conversation("not-even-an-id", Ctx()) == "off"  # type: ignore[arg-type]
    assert await slack_sweep(Ctx()) == 0  # type: ignore[arg-type]
