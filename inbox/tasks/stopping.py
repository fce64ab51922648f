"""A worker process that stops in bounded time: on SIGTERM/SIGINT, or when its parent dies.

taskiq's own stop does not hold here: its signal handler sets an event without waking the
loop, and the cancel it then sends to the queue read can be swallowed by `asyncio.wait_for`
(Python 3.11) inside redis-py, so an idle worker never stopped. Here the loop's own signal
handlers ask the broker to end its listen loop (within one read, `xread_block`), running
tasks get STOP_TIMEOUT_SECONDS to finish, and those still running are cancelled and put back
on the queue, so another worker takes them over at once. A watchdog thread ends the process
if even that does not finish, and the parent kills children that outlive their time.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from typing import Any

from taskiq import AckableMessage, BrokerMessage
from taskiq.receiver import Receiver
from taskiq.utils import maybe_awaitable

from inbox.settings import tunable

log = logging.getLogger(__name__)

# After the tasks: closing the database, the bus and the clients (taskiq's shutdown timeout).
CLOSE_SECONDS = 2.0
# A process still alive this long after its tasks' time is ended by force.
_WATCHDOG_MARGIN = CLOSE_SECONDS + 1.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def stop_timeout() -> float:
    """How long running tasks may take to finish once a stop is asked (STOP_TIMEOUT_SECONDS)."""
    return max(tunable("STOP_TIMEOUT_SECONDS"), 0.0)


def stop_bound() -> float:
    """The most a stop of a worker process takes, closing included."""
    return stop_timeout() + _WATCHDOG_MARGIN


def die_with_parent() -> bool:
    """Linux: the kernel sends this process SIGTERM when its parent dies. False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)) == 0


def parent_gone() -> bool:
    """True when this process was started by multiprocessing and its parent has died."""
    parent = multiprocessing.parent_process()
    return parent is not None and os.getppid() != parent.pid


def reap_children(within: float) -> None:
    """Wait for this process's children to stop; kill any still alive after `within` seconds."""
    deadline = time.monotonic() + within
    for child in multiprocessing.active_children():
        child.join(max(deadline - time.monotonic(), 0.0))
        if child.is_alive():
            log.warning("%s (pid %s) still up after %d s: killed", child.name, child.pid, within)
            child.kill()
            child.join()


def force_exit_after(after: float) -> None:
    """End the process after `after` seconds whatever it is doing (its tasks come back later)."""

    def end() -> None:
        log.error("did not stop within %.0f s: exiting now", after)
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(after, end)
    timer.daemon = True
    timer.start()


class StoppingReceiver(Receiver):
    """taskiq's Receiver with a stop that always ends, and tasks given back when time is up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._running: set[asyncio.Task[Any]] = set()
        self._given_back: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._time_up = False  # tasks arriving now are given back without running
        self._closing = False  # nothing is acknowledged any more: it comes back to a worker
        logging.getLogger("taskiq.receiver.receiver").addFilter(self._quiet_given_back)

    async def listen(self, finish_event: asyncio.Event) -> None:
        """Listen until stopped by a signal, by the parent's death, or by taskiq's event."""
        loop = asyncio.get_running_loop()
        for signum in _STOP_SIGNALS:
            loop.add_signal_handler(signum, self.stop, finish_event, signal.Signals(signum).name)
        if multiprocessing.parent_process() is not None and not die_with_parent():
            self._watch_parent(finish_event)
        if finish_event.is_set() or parent_gone():
            self.stop(finish_event, "asked before start")
        await super().listen(finish_event)
        # What still runs now would fail as the database closes: it must not be acknowledged.
        self._closing = True
        log.info("worker stopped")

    def _watch_parent(self, finish_event: asyncio.Event) -> None:
        """Where the kernel cannot tell us (not Linux), look for the parent's death each second."""
        if parent_gone():
            self.stop(finish_event, "the parent process died")
        elif not self._stopping:
            asyncio.get_running_loop().call_later(1, self._watch_parent, finish_event)

    def stop(self, finish_event: asyncio.Event, why: str) -> None:
        """Stop taking tasks; give running ones STOP_TIMEOUT_SECONDS, then put them back."""
        if self._stopping:
            return
        self._stopping = True
        timeout = stop_timeout()
        log.info(
            "stopping (%s): %d running task(s) get up to %.1f s to finish",
            why, len(self._running), timeout,
        )  # fmt: skip
        stop_listening = getattr(self.broker, "stop_listening", None)
        if callable(stop_listening):
            stop_listening()  # the listen loop ends by itself (a cancel could be swallowed)
        else:
            finish_event.set()
        asyncio.get_running_loop().call_later(timeout, self._give_back_running)
        force_exit_after(stop_bound())

    def _quiet_given_back(self, record: logging.LogRecord) -> bool:
        """Leave out taskiq's traceback of a task this receiver cancelled to give it back."""
        error = record.exc_info[1] if record.exc_info else None
        return not (self._time_up and isinstance(error, asyncio.CancelledError))

    def _give_back_running(self) -> None:
        """Cancel the tasks still running; each is put back on the queue before its ack."""
        self._time_up = True
        for task in list(self._running):
            if not task.done():
                self._given_back.add(task)
                task.cancel()

    async def callback(self, message: bytes | AckableMessage, raise_err: bool = False) -> None:
        """Run one task, tracked so that a stop can give it back."""
        if not isinstance(message, AckableMessage):
            await super().callback(message, raise_err)
            return
        task = asyncio.current_task()
        assert task is not None

        async def ack() -> None:
            if self._closing:
                return
            if task in self._given_back:
                await self._requeue(message)
            await maybe_awaitable(message.ack())

        if self._time_up:  # read from the queue after the stop's time ran out
            await self._requeue(message)
            await maybe_awaitable(message.ack())
            return
        self._running.add(task)
        try:
            await super().callback(AckableMessage(data=message.data, ack=ack), raise_err)
        finally:
            self._running.discard(task)
            self._given_back.discard(task)

    async def _requeue(self, message: AckableMessage) -> None:
        """Send a copy of the task to the queue (it is acknowledged only after this)."""
        try:
            taskiq_msg = self.broker.formatter.loads(message.data)
        except Exception as exc:  # taskiq drops what it cannot parse; so does a stop
            log.warning("an unreadable task was not put back on the queue: %s", exc)
            return
        log.warning(
            "task %s (%s) did not finish in time: put back on the queue",
            taskiq_msg.task_name, taskiq_msg.task_id,
        )  # fmt: skip
        await self.broker.kick(
            BrokerMessage(
                task_id=taskiq_msg.task_id,
                task_name=taskiq_msg.task_name,
                message=message.data,
                labels=taskiq_msg.labels,
            )
        )
