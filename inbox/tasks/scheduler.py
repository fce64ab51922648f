"""The taskiq scheduler: periodic tasks from `schedule` labels, sent by one process only."""

from __future__ import annotations

import asyncio
import logging
import signal

from taskiq import ScheduleSource, TaskiqScheduler
from taskiq.abc.broker import AsyncBroker
from taskiq.cli.scheduler.args import SchedulerArgs
from taskiq.scheduler.scheduled_task import ScheduledTask

from inbox.tasks.leader import Leadership
from inbox.tasks.stopping import force_exit_after, stop_bound

log = logging.getLogger(__name__)


class LeaderScheduler(TaskiqScheduler):
    """Sends due tasks only while it holds the scheduler lease (with Redis; always without).

    Every `cahts scheduler` runs the same loop; the ones without the lease stand by and
    send nothing, and one of them takes over when the active one stops or dies.
    """

    def __init__(
        self, broker: AsyncBroker, sources: list[ScheduleSource], redis_url: str | None
    ) -> None:
        super().__init__(broker=broker, sources=sources)
        self.redis_url = redis_url
        self.leadership: Leadership | None = None

    async def startup(self) -> None:
        """Start the broker, then take the lease or stand by."""
        await super().startup()
        if self.redis_url:
            self.leadership = Leadership(self.redis_url)
            await self.leadership.start()

    async def on_ready(self, source: ScheduleSource, task: ScheduledTask) -> None:
        """Send a due task if this scheduler is the active one, labelled with who sent it."""
        if self.leadership is not None:
            if not self.leadership.active:
                log.debug("standing by: %s not sent", task.task_name)
                return
            labels = {**task.labels, "scheduled_by": self.leadership.name}
            task = task.model_copy(update={"labels": labels})
        await super().on_ready(source, task)

    async def shutdown(self) -> None:
        """Release the lease (a standby takes over at once) and stop the broker."""
        if self.leadership is not None:
            await self.leadership.stop()
        await super().shutdown()


async def run_until_signalled(args: SchedulerArgs) -> None:
    """taskiq's scheduler loop, shut down cleanly (lease released) on SIGTERM or SIGINT."""
    from taskiq.cli.scheduler.run import run_scheduler

    loop = asyncio.get_running_loop()
    current = asyncio.current_task()
    assert current is not None

    def stop(name: str) -> None:
        log.info("stopping (%s)", name)
        current.cancel()
        # A cancel can be swallowed inside redis-py (asyncio.wait_for on Python 3.11): bounded.
        force_exit_after(stop_bound())

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signal.Signals(signum).name)
    await run_scheduler(args)
