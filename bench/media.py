"""Customer files into Slack with bounded memory: a real worker mirrors big files at once.

`cahts serve` and one `cahts worker` (Redis) run on a fresh database; the fake Graph (tests/fakes)
doubles as the CDN, streaming --files files of --megabytes MB each, and the fake Slack hashes
each upload as it arrives. One webhook per file, each from its own customer, so every file is
its own conversation and the worker moves them at the same time.

Printed: the worker's resident memory when idle (after one small warm-up file) and its peak
while the files move (sampled every 20 ms over the worker and its children), the difference
against the bound (150 MB), and whether every file arrived with the same sha256.

    .venv/bin/python bench/media.py --files 5 --megabytes 80
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from _common import Processes, drop_database, exit_with, machine_line
from _latency import (
    CUSTOMER_BASE,
    DEFAULT_REDIS_URL,
    PAGE_ID,
    SHAPES,
    TimedGraph,
    TimedSlack,
    cahts_env,
    descendants,
    prepare_database,
    redis_problem,
    start_cahts,
    stop,
)
from aiohttp import web

from inbox.platforms.signature import SIGNATURE_HEADER, sign

MB = 1024 * 1024
BOUND_MB = 150.0
WARMUP_BYTES = 64 * 1024
WEBHOOK_PATH = "/api/webhooks/messenger"


def chunks(seed: int, size: int) -> Iterator[bytes]:
    """The bytes of one fake file, 1 MiB at a time: one random block, each copy numbered."""
    block = random.Random(seed).randbytes(MB)
    for n, start in enumerate(range(0, size, MB)):
        piece = n.to_bytes(8, "big") + block[8:]
        yield piece[: min(MB, size - start)]


def sha256_of(seed: int, size: int) -> str:
    """The sha256 the fake CDN's file `seed` has."""
    digest = hashlib.sha256()
    for piece in chunks(seed, size):
        digest.update(piece)
    return digest.hexdigest()


@dataclass
class CdnGraph(TimedGraph):
    """The fake Graph, also serving /cdn/<seed>.bin streamed: `file_size` bytes (seed 0: 64 KiB)."""

    file_size: int = MB

    async def _handle(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]  # a streamed answer, not a whole one
        path = request.match_info["path"]
        if request.method == "GET" and path.startswith("cdn/"):
            seed = int(path.removeprefix("cdn/").removesuffix(".bin"))
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            size = self.file_size if seed else WARMUP_BYTES
            response.content_length = size
            await response.prepare(request)
            for piece in chunks(seed, size):
                await response.write(piece)
            await response.write_eof()
            return response
        return await super()._handle(request)


@dataclass
class HashingSlack(TimedSlack):
    """The fake Slack, hashing each upload as it arrives instead of keeping it."""

    digests: dict[str, tuple[int, str]] = field(default_factory=dict)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._blobs:
            return web.Response(status=404, text="unknown upload")
        digest = hashlib.sha256()
        size = 0
        async for piece in request.content.iter_any():
            digest.update(piece)
            size += len(piece)
        self.digests[file_id] = (size, digest.hexdigest())
        return web.Response(text=f"OK - {size}")


def rss_bytes(pids: set[int]) -> int:
    """Resident memory of these processes together (VmRSS)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def file_webhook(n: int, url: str, secret: str) -> tuple[bytes, dict[str, str]]:
    """One signed Messenger webhook from customer n carrying one file attachment."""
    now_ms = int(time.time() * 1000)
    event = {
        "sender": {"id": str(CUSTOMER_BASE + n)},
        "recipient": {"id": PAGE_ID},
        "timestamp": now_ms,
        "message": {
            "mid": f"m_media_{n}_{secrets.token_hex(4)}",
            "attachments": [{"type": "file", "payload": {"url": url}}],
        },
    }
    body = {"object": "page", "entry": [{"id": PAGE_ID, "time": now_ms, "messaging": [event]}]}
    raw = json.dumps(body, separators=(",", ":")).encode()
    return raw, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}


async def post(base_url: str, n: int, url: str, secret: str) -> None:
    """Send one file webhook; RuntimeError unless it is answered 200."""
    raw, headers = file_webhook(n, url, secret)
    async with aiohttp.ClientSession() as http:
        async with http.post(base_url + WEBHOOK_PATH, data=raw, headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"webhook {n}: HTTP {response.status} {await response.text()}")


async def wait_uploads(
    slack: HashingSlack, count: int, within: float, worker: set[int], peak: list[int]
) -> bool:
    """Sample the worker's memory every 20 ms until `count` uploads completed (or time is up)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        peak[0] = max(peak[0], rss_bytes(worker))
        if len(slack.uploads) >= count:
            return True
        await asyncio.sleep(0.02)
    return False


async def bench(args: argparse.Namespace) -> int:
    """Start the stack, warm up, mirror the files, report memory and integrity."""
    problem = await redis_problem(args.redis_url)
    if problem is not None:
        print(f"error: Redis at {args.redis_url} does not answer ({problem})", file=sys.stderr)
        return 2
    size = int(args.megabytes * MB)
    slack = await HashingSlack().start()
    graph = await CdnGraph(file_size=size).start()
    secret = secrets.token_hex(32)
    print("cahts media bench: customer files into Slack with bounded memory")
    print(f"machine: {machine_line()}")
    print(f"load: {args.files} files of {args.megabytes:g} MB at once, one conversation each")
    expected = {n: sha256_of(n, size) for n in range(1, args.files + 1)}
    env = cahts_env(args.database, slack, graph, META_APP_SECRET=secret)
    if args.transfers:
        env["SLACK_MEDIA_TRANSFERS"] = str(args.transfers)
    try:
        await prepare_database(args.database, env)
        with Processes() as procs, tempfile.TemporaryDirectory(prefix="cahts-media-") as tmp:
            started = await start_cahts(
                SHAPES["redis"], env, procs, Path(tmp), args.redis_url, 1, args.start_timeout
            )
            try:
                return await measure(args, slack, graph, secret, started, expected, size)
            finally:
                stop(procs, started)
    finally:
        await slack.close()
        await graph.close()
        await drop_database(args.database)


async def measure(
    args: argparse.Namespace,
    slack: HashingSlack,
    graph: CdnGraph,
    secret: str,
    started: Any,
    expected: dict[int, str],
    size: int,
) -> int:
    """Warm up with one small file, then mirror the big ones and report."""
    worker = descendants([started.others[0].pid])
    await post(started.base_url, 0, f"{graph.url}/cdn/0.bin", secret)
    peak = [0]
    if not await wait_uploads(slack, 1, args.timeout, worker, peak):
        print(f"FAIL: the warm-up file never reached Slack\n{started.log_tails()}")
        return 1
    await asyncio.sleep(1.0)  # let the warm-up run's buffers go before the idle reading
    worker = descendants([started.others[0].pid])
    idle = rss_bytes(worker)
    peak = [idle]
    began = time.monotonic()
    await asyncio.gather(
        *(post(started.base_url, n, f"{graph.url}/cdn/{n}.bin", secret) for n in expected)
    )
    done = await wait_uploads(slack, 1 + len(expected), args.timeout, worker, peak)
    elapsed = time.monotonic() - began
    if not done:
        print(f"FAIL: {len(slack.uploads) - 1}/{len(expected)} files arrived in {args.timeout:g}s")
        print(started.log_tails())
        return 1
    intact = 0
    for upload in slack.uploads[1:]:
        got = slack.digests.get(upload["id"])
        if got is not None and got[0] == size and got[1] in expected.values():
            intact += 1
    distinct = {slack.digests[u["id"]][1] for u in slack.uploads[1:] if u["id"] in slack.digests}
    growth = (peak[0] - idle) / MB
    print(
        f"worker ({len(worker)} process(es)): idle RSS {idle / MB:.1f} MB, "
        f"peak {peak[0] / MB:.1f} MB, growth {growth:.1f} MB (bound {BOUND_MB:g} MB)"
    )
    print(
        f"files: {intact}/{len(expected)} intact (size and sha256), {len(distinct)} distinct, "
        f"{len(expected) * size / MB / elapsed:.0f} MB/s in {elapsed:.1f}s"
    )
    ok = intact == len(expected) and len(distinct) == len(expected) and growth <= BOUND_MB
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=5, help="files mirrored at once")
    parser.add_argument("--megabytes", type=float, default=80.0, help="size of each file (MiB)")
    parser.add_argument("--transfers", type=int, help="SLACK_MEDIA_TRANSFERS for the worker")
    parser.add_argument("--database", default="cahts_bench_media", help="database (recreated)")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help="Redis db (task stream cleared)"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for the files"
    )
    parser.add_argument("--start-timeout", type=float, default=60.0, help="server start wait")
    args = parser.parse_args(argv)
    if args.files < 1 or args.megabytes <= 0 or args.megabytes > 100:
        parser.error("--files must be >= 1 and --megabytes in (0, 100] (SLACK_MAX_FILE_BYTES)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    exit_with(lambda: asyncio.run(bench(args)), aiohttp.ClientError)


if __name__ == "__main__":
    main()
