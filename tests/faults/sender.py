"""A webhook sender that behaves like Meta: signed bodies, retried until a 200 answers them.

Every body not acknowledged with a 200 (an error status, a refused or dropped connection, no
answer in time) is sent again after a short backoff, until all are acknowledged or the
deadline passes. What happened to every attempt is counted, so a run can be compared with
what the database holds afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from inbox.platforms.signature import SIGNATURE_HEADER, sign

PAGE_ID = "104578291736452"
WHATSAPP_NUMBER = "106540352242922"
BASE_TIME_MS = 1_785_312_000_000


@dataclass(slots=True)
class Delivery:
    """One webhook body and the messages it carries."""

    platform: str
    body: bytes
    mids: tuple[str, ...]
    attempts: int = 0
    acked_at: float | None = None


def messenger_body(items: list[tuple[str, str, int, str]]) -> bytes:
    """A Messenger body with one `messaging` item per (mid, customer, timestamp ms, text)."""
    messaging = [
        {
            "sender": {"id": customer},
            "recipient": {"id": PAGE_ID},
            "timestamp": stamp,
            "message": {"mid": mid, "text": text},
        }
        for mid, customer, stamp, text in items
    ]
    entry = {"id": PAGE_ID, "time": max(i[2] for i in items), "messaging": messaging}
    return json.dumps({"object": "page", "entry": [entry]}).encode()


def whatsapp_body(mid: str, customer: str, stamp_ms: int, text: str) -> bytes:
    """A WhatsApp Cloud API body carrying one text message."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": WHATSAPP_NUMBER},
        "contacts": [{"profile": {"name": f"Customer {customer[-4:]}"}, "wa_id": customer}],
        "messages": [
            {
                "from": customer,
                "id": mid,
                "timestamp": str(stamp_ms // 1000),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    entry = {"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def make_deliveries(
    messages: int,
    *,
    customers: range = range(40),
    prefix: str = "f",
    seed: int = 7,
    start_ms: int = BASE_TIME_MS,
) -> list[Delivery]:
    """`messages` unique messages from the given customers, in bodies of one to three messages.

    Every fifth body is WhatsApp (one message per body); the others are Messenger, some
    batching several messages as Meta does. Texts are `<prefix>-<n>`, unique per prefix;
    timestamps rise one second per message from `start_ms`.
    """
    rng = random.Random(seed)
    deliveries: list[Delivery] = []
    n = 0
    while n < messages:
        stamp = start_ms + n * 1000
        if len(deliveries) % 5 == 4:
            mid = f"wamid.{prefix}{n:07d}"
            customer = f"1650555{rng.choice(customers):04d}"
            body = whatsapp_body(mid, customer, stamp, f"{prefix}-{n}")
            deliveries.append(Delivery("whatsapp", body, (mid,)))
            n += 1
            continue
        size = min(rng.choice((1, 1, 1, 2, 3)), messages - n)
        items = [
            (f"m_{prefix}{n + i:07d}", f"73492058{rng.choice(customers):08d}", stamp + i * 1000,
             f"{prefix}-{n + i}")
            for i in range(size)
        ]  # fmt: skip
        deliveries.append(Delivery("messenger", messenger_body(items), tuple(i[0] for i in items)))
        n += size
    return deliveries


@dataclass
class Tally:
    """What the sender saw."""

    requests: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    stored: int = 0  # messages the 200 answers reported as newly stored
    duplicates: int = 0  # ... as already there: committed by an attempt that got no 200
    redelivered: int = 0  # acknowledged bodies sent again on purpose, as Meta sometimes does
    failures: list[float] = field(default_factory=list)  # monotonic times of non-200 outcomes
    first_ack_after: dict[str, float] = field(default_factory=dict)

    def outcome_line(self) -> str:
        """`200: n, 503: n, refused: n, ...` sorted by count."""
        return ", ".join(f"{k}: {v}" for k, v in self.outcomes.most_common())


class MetaSender:
    """Sends deliveries with `concurrency` connections, retrying each until a 200."""

    def __init__(
        self,
        base_url: str,
        deliveries: list[Delivery],
        secret: str,
        *,
        concurrency: int = 16,
        timeout: float = 10.0,
        retry_base: float = 0.05,
        retry_cap: float = 2.0,
        redeliver_every: int = 0,
    ) -> None:
        self.base_url = base_url
        self.deliveries = deliveries
        self.secret = secret
        self.concurrency = concurrency
        self.timeout = timeout
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.redeliver_every = redeliver_every
        self.tally = Tally()
        self.acked = 0
        self.started_at = 0.0
        self.finished_at = 0.0
        self._queue: asyncio.Queue[tuple[Delivery, bool]] = asyncio.Queue()
        self._progress = asyncio.Condition()
        self._done = asyncio.Event()
        self._marks: dict[str, float] = {}
        self._redeliveries = 0

    @property
    def acknowledged_mids(self) -> set[str]:
        """Messages of bodies that got a 200."""
        return {m for d in self.deliveries if d.acked_at is not None for m in d.mids}

    @property
    def all_mids(self) -> set[str]:
        """Every message the sender has to deliver."""
        return {m for d in self.deliveries for m in d.mids}

    async def wait_acked(self, count: int) -> None:
        """Wait until at least `count` bodies are acknowledged (or all of them are)."""
        async with self._progress:
            await self._progress.wait_for(
                lambda: self.acked >= min(count, len(self.deliveries)) or self._done.is_set()
            )

    def mark(self, label: str) -> None:
        """Remember when something happened (a fault): the first 200 after it is timed."""
        self._marks[label] = time.monotonic()

    def recovery(self, label: str) -> float | None:
        """Seconds from a mark to the first 200 answered after it (None if none came)."""
        return self.tally.first_ack_after.get(label)

    async def run(self, within: float) -> None:
        """Send everything; return when all are acknowledged or `within` seconds passed."""
        self.started_at = time.monotonic()
        for delivery in self.deliveries:
            self._queue.put_nowait((delivery, False))
        connector = aiohttp.TCPConnector(limit=self.concurrency, force_close=False)
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            workers = [asyncio.create_task(self._work(session)) for _ in range(self.concurrency)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), within)
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        self.finished_at = time.monotonic()
        self._done.set()
        async with self._progress:
            self._progress.notify_all()

    async def _work(self, session: aiohttp.ClientSession) -> None:
        while not self._done.is_set():
            delivery, again = await self._queue.get()
            outcome = await self._post(session, delivery, again)
            if outcome == "200":
                await self._acknowledged(delivery, again)
            else:
                self.tally.failures.append(time.monotonic())
                if not again:
                    self._retry_later(delivery)
            if again:  # a redelivery is sent once; its outcome is only counted
                self._redeliveries -= 1
                self._check_done()

    async def _post(self, session: aiohttp.ClientSession, delivery: Delivery, again: bool) -> str:
        delivery.attempts += 1
        self.tally.requests += 1
        headers = {
            SIGNATURE_HEADER: sign(delivery.body, self.secret),
            "Content-Type": "application/json",
        }
        url = f"{self.base_url}/api/webhooks/{delivery.platform}"
        try:
            async with session.post(url, data=delivery.body, headers=headers) as response:
                answer: Any = await response.json(content_type=None)
                outcome = str(response.status)
        except aiohttp.ClientConnectorError:
            outcome = "refused"
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            outcome = type(exc).__name__
        self.tally.outcomes[outcome] += 1
        if outcome == "200" and isinstance(answer, dict) and not again:
            self.tally.stored += int(answer.get("stored", 0))
            self.tally.duplicates += int(answer.get("duplicates", 0))
        return outcome

    async def _acknowledged(self, delivery: Delivery, again: bool) -> None:
        now = time.monotonic()
        for label, at in self._marks.items():
            if label not in self.tally.first_ack_after and now > at:
                self.tally.first_ack_after[label] = now - at
        if again:
            self.tally.redelivered += 1
        elif delivery.acked_at is None:
            delivery.acked_at = now
            self.acked += 1
            if self.redeliver_every and self.acked % self.redeliver_every == 0:
                self._redeliveries += 1
                self._queue.put_nowait((delivery, True))
        async with self._progress:
            self._progress.notify_all()
        self._check_done()

    def _check_done(self) -> None:
        if self.acked == len(self.deliveries) and self._redeliveries == 0:
            self._done.set()

    def _retry_later(self, delivery: Delivery) -> None:
        failed = delivery.attempts
        delay = min(self.retry_base * 2 ** min(failed - 1, 10), self.retry_cap)
        delay *= random.uniform(0.5, 1.0)
        asyncio.get_running_loop().call_later(delay, self._queue.put_nowait, (delivery, False))
