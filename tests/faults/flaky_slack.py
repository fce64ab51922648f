"""The fake Slack, with an outage window: 429 (Retry-After) and 500 answers for a while."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.slack import Call, FakeSlack

# What a mirror run calls: posts, card updates, and the thread reads of a recovering run.
RATE_LIMITED = frozenset(
    {"chat.postMessage", "chat.update", "conversations.replies", "conversations.history"}
)
FAILING = frozenset({"chat.postMessage", "chat.update"})  # reads keep working


@dataclass
class FlakySlack(FakeSlack):
    """From `flaky_for` on, Slack answers 429 (Retry-After) for a while, then posts get 500.

    With `acted_every` = n, every n-th post of the 500 stretch is made before the 500 is
    answered: Slack documents that an operation may partly succeed before such an error.
    """

    rate_limited_until: float = 0.0
    failing_until: float = 0.0
    retry_after: int = 1
    acted_every: int = 0
    refused: Counter[str] = field(default_factory=Counter)

    def flaky_for(self, rate_limited: float, failing: float, retry_after: int = 1) -> None:
        """429 with `Retry-After: retry_after` for `rate_limited` s, then 500 for `failing` s."""
        now = time.monotonic()
        self.rate_limited_until = now + rate_limited
        self.failing_until = self.rate_limited_until + failing
        self.retry_after = retry_after

    @property
    def flaky(self) -> bool:
        """True during the outage window."""
        return time.monotonic() < self.failing_until

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        limited = time.monotonic() < self.rate_limited_until
        if not (self.flaky and method in (RATE_LIMITED if limited else FAILING)):
            return await super()._api(request)
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        self.calls.append(Call(method, args, token))
        if limited:
            self.refused["429"] += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        self.refused["500"] += 1
        if method == "chat.postMessage" and self.acted_every:
            self.refused["500 to a post"] += 1
            if self.refused["500 to a post"] % self.acted_every == 0:
                self._chat_postMessage(args)
                self.refused["posted, then 500"] += 1
        return web.json_response({"ok": False, "error": "internal_error"}, status=500)
