"""Request bodies are read in one place, under a deadline and a per-process memory budget.

A client that sends headers and part of a body, then stalls, held its connection and the
buffered bytes for minutes (60 such webhooks: +260 MB, never given back). Every body is now
read here before any handler runs: it must arrive within BODY_READ_SECONDS (408 and the
connection closed otherwise), and the bodies being read or held at once may declare at most
BODY_BUDGET_BYTES together (503 with Retry-After past it; 413 above MAX_BODY_BYTES). Handlers
then get the body from aiohttp's cache (`request.read()`, `.text()`, `.json()`, `.post()`).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from inbox.appkeys import SETTINGS
from inbox.httpjson import error_response
from inbox.metrics import BODIES_REFUSED, BODY_BYTES_HELD
from inbox.settings import tunable

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class BodyBudget:
    """Bytes that bodies being read (or held by their handler) have reserved in this process."""

    def __init__(self) -> None:
        self.in_use = 0

    def take(self, size: int, limit: int) -> bool:
        """Reserve `size` bytes unless that would pass `limit`."""
        if self.in_use + size > limit:
            return False
        self.in_use += size
        return True

    def give(self, size: int) -> None:
        """Give back a reservation."""
        self.in_use -= size


BUDGET = web.AppKey("body_budget", BodyBudget)


async def _refuse(request: web.Request, status: int, code: str, message: str) -> web.Response:
    """Answer, then close the connection at once: the unread rest of the body is never read
    (aiohttp would otherwise linger up to 10 s reading and dropping it)."""
    BODIES_REFUSED.labels(code).inc()
    response = error_response(status, code, message)
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.protocol is not None:
        request.protocol.force_close()
    return response


async def read_body(request: web.Request) -> tuple[web.StreamResponse | None, int]:
    """Read the body whole, in time and within the budget, before the handler runs.

    Returns the refusal to send instead of running the handler (None to run it), and the
    bytes reserved, which `give_back` returns once the handler is done.
    """
    if not request.body_exists:
        return None, 0
    most = request.app[SETTINGS].max_body_bytes
    declared = request.content_length
    if declared is not None and declared > most:
        too_large = f"the body is over {most} bytes"
        return await _refuse(request, 413, "payload_too_large", too_large), 0
    size = most if declared is None else declared
    if not request.app[BUDGET].take(size, max(most, int(tunable("BODY_BUDGET_BYTES")))):
        log.warning("%s %s: body refused, %d bytes in flight", request.method, request.path, size)
        busy = "too many request bodies in flight; retry shortly"
        return await _refuse(request, 503, "busy", busy), 0
    try:  # the client may also go away mid-body, or the request be cancelled
        refused = await _read(request, most)
    except BaseException:
        give_back(request, size)
        raise
    if refused is not None:
        give_back(request, size)
        return refused, 0
    return None, size


async def _read(request: web.Request, most: int) -> web.StreamResponse | None:
    """Read the body in time; the refusal when it is late or too large."""
    seconds = 0.0
    try:
        if request.content.is_eof():  # all of it is here: nothing to wait for
            await request.read()
        else:
            seconds = tunable("BODY_READ_SECONDS")
            async with asyncio.timeout(seconds):
                await request.read()
    except TimeoutError:
        message = f"the body did not arrive within {seconds:g} s"
        return await _refuse(request, 408, "body_timeout", message)
    except web.HTTPRequestEntityTooLarge:
        return await _refuse(request, 413, "payload_too_large", f"the body is over {most} bytes")
    return None


def give_back(request: web.Request, size: int) -> None:
    """Return what read_body reserved."""
    if size:
        request.app[BUDGET].give(size)


def setup(app: web.Application) -> None:
    """Give the application its budget; the gauge reads it when scraped, not per request."""
    budget = app[BUDGET] = BodyBudget()
    BODY_BYTES_HELD.set_function(lambda: budget.in_use)
