"""What every process root shares: the task modules, the bot's hooks, the tasks' state."""

from __future__ import annotations

from types import ModuleType

from taskiq import AsyncBroker, TaskiqState
from taskiq.schedule_sources import LabelScheduleSource

from bot.accounts.attention import AttentionPoster
from bot.mirror import tasks as mirror_tasks
from bot.replies.files import SlackFiles
from bot.reports import tasks as report_tasks
from bot.slack.client import close_client, keepalive_session, slack_client
from inbox.bus import EventBus
from inbox.graph import GraphClient
from inbox.hooks import Hooks
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings
from inbox.tasks import (
    analytics,
    maintenance,
    sending,
    sessions,
    stories,
    sync,
    templates,
    tokens,
)
from inbox.tasks.broker import broker
from inbox.tasks.scheduler import LeaderScheduler

TASK_MODULES: tuple[ModuleType, ...] = (
    maintenance,
    sending,
    sync,
    analytics,
    tokens,
    sessions,
    templates,
    stories,
    mirror_tasks,
    report_tasks,
)


def hooks_for(settings: Settings) -> Hooks:
    """The local listeners of a process: the Slack mirror's kicks when Slack is configured."""
    if not settings.slack_enabled:
        return Hooks()
    return Hooks(
        after_store=[mirror_tasks.after_store],
        after_change=[mirror_tasks.after_change],
        on_attention=[AttentionPoster(settings)],
    )


def wire_broker(broker: AsyncBroker) -> None:
    """Add the middlewares tasks rely on (once, however often a process builds an app)."""
    if not any(isinstance(m, mirror_tasks.SendOutcome) for m in broker.middlewares):
        broker.add_middlewares(mirror_tasks.SendOutcome())


def attach_state(state: TaskiqState, settings: Settings, bus: EventBus) -> None:
    """Put what tasks need on the broker state: settings, bus, Graph and Slack clients, cipher."""
    state.settings = settings
    state.bus = bus
    state.cipher = TokenCipher(settings.token_encryption_keys)
    # None when Slack is not configured: Slack tasks and hooks then do nothing. With OAuth
    # installs only, its token is None: Slack work picks each workspace's own bot token.
    state.slack = (
        slack_client(settings, session=keepalive_session()) if settings.slack_enabled else None
    )
    files = SlackFiles(settings, state.slack) if settings.slack_enabled else None
    state.graph = GraphClient(settings.meta_graph_url, apis=settings.api_urls, files=files)


async def release_state(state: TaskiqState) -> None:
    """Close the clients `attach_state` opened."""
    await state.graph.close()
    await close_client(state.slack)
    state.slack = None


def build_scheduler(redis_url: str | None) -> LeaderScheduler:
    """A scheduler over every task module's schedule labels (a lease with Redis)."""
    return LeaderScheduler(broker, [LabelScheduleSource(broker)], redis_url)
