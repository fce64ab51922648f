"""Customer media on its way to Slack: fetched from the platform onto disk, size-capped.

Only links the platform gave (webhooks, sync) are fetched, and only through inbox.netguard
(Meta's media hosts over https, no inside addresses); a link an agent gave with a reply is
shown, never downloaded.

A file is never held in memory: it streams from the platform into an anonymous temporary file
and from there into Slack's upload URL (bot.slack.upload), in chunks. How many transfers
(downloads and uploads) run at once in one process is bounded by SLACK_MEDIA_TRANSFERS.
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any

import aiohttp

from inbox.graph import GraphClient, GraphError
from inbox.netguard import BlockedAddress, GuardedHttp, Refused
from inbox.platforms.base import MediaUnavailable
from inbox.platforms.registry import get_adapter
from inbox.settings import tunable

# Kinds copied into the thread as files; others (links, shares, templates) are shown in words.
UPLOADABLE = frozenset({"image", "video", "audio", "file", "document", "sticker"})
# Where a message's links came from the platform; any other source (api, slack) is ours.
PLATFORM_SOURCES = frozenset({"webhook", "sync"})
CHUNK_BYTES = 256 * 1024
_TIMEOUT = aiohttp.ClientTimeout(total=600, sock_connect=10, sock_read=60)
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = weakref.WeakKeyDictionary()


def max_file_bytes() -> int:
    """The largest file copied into Slack (SLACK_MAX_FILE_BYTES, default 100 MiB)."""
    return int(tunable("SLACK_MAX_FILE_BYTES"))


def max_transfers() -> int:
    """How many files one process moves at once (SLACK_MEDIA_TRANSFERS, default 3, at least 1)."""
    return max(1, int(tunable("SLACK_MEDIA_TRANSFERS")))


class DownloadError(Exception):
    """A file could not be fetched; the message says why in a few words."""


class _Gate:
    """A semaphore that also says how many are waiting for it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.semaphore = asyncio.Semaphore(size)
        self.waiting = 0


def _gate() -> _Gate:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None or gate.size != max_transfers():
        gate = _gates[loop] = _Gate(max_transfers())
    return gate


@asynccontextmanager
async def transfer_slot() -> AsyncIterator[None]:
    """Hold one of this process's SLACK_MEDIA_TRANSFERS slots for one download or upload."""
    gate = _gate()
    gate.waiting += 1
    try:
        await gate.semaphore.acquire()
    finally:
        gate.waiting -= 1
    try:
        yield
    finally:
        gate.semaphore.release()


def transfers_waiting() -> int:
    """How many transfers of this event loop wait for a slot (for tests and diagnostics)."""
    gate = _gates.get(asyncio.get_running_loop())
    return gate.waiting if gate is not None else 0


def size_words(size: int) -> str:
    """A byte count for people: "100 MB", "512 KB"."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


@dataclass(slots=True)
class Download:
    """A fetched file, on disk in an anonymous temporary file (close() removes it)."""

    file: IO[bytes]
    size: int
    filename: str
    mime_type: str | None

    def close(self) -> None:
        """Drop the temporary file."""
        self.file.close()


def session() -> GuardedHttp:
    """The guarded HTTP client for downloads (the caller closes it)."""
    return GuardedHttp(_TIMEOUT)


async def fetch(
    http: GuardedHttp,
    url: str,
    *,
    token: str | None = None,
    limit: int | None = None,
    trusted: tuple[str, ...] = (),
) -> tuple[IO[bytes], int, str | None]:
    """GET a file into a temporary file, refusing more than `limit` bytes; DownloadError on failure.

    Returns the file (rewound), its size and the answer's content type.
    """
    limit = limit or max_file_bytes()
    too_big = f"larger than {size_words(limit)}"
    sink = tempfile.TemporaryFile(prefix="cahts-media-")
    try:
        async with transfer_slot(), http.get(url, token=token, trusted=trusted) as response:
            if response.status != 200:
                raise DownloadError(f"the platform answered HTTP {response.status}")
            if (response.content_length or 0) > limit:
                raise DownloadError(too_big)
            size = 0
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise DownloadError(too_big)
                sink.write(chunk)
        sink.flush()
        sink.seek(0)
        return sink, size, response.content_type
    except BaseException as exc:
        sink.close()
        if isinstance(exc, Refused):
            raise DownloadError(f"not downloaded: {exc}") from exc
        if isinstance(exc, aiohttp.ClientConnectorError):
            if isinstance(exc.os_error, BlockedAddress):
                raise DownloadError("not downloaded: the link points inside the network") from exc
            raise DownloadError(f"no answer from the platform ({type(exc).__name__})") from exc
        if isinstance(exc, (TimeoutError, aiohttp.ClientError)):
            raise DownloadError(f"no answer from the platform ({type(exc).__name__})") from exc
        raise


def _filename(kind: str, mime_type: str | None, index: int, given: Any = None) -> str:
    """The customer's own file name when it has one (path parts dropped), else kind-N.ext."""
    if isinstance(given, str):
        name = given.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
        if name.strip("."):
            return name
    bare = (mime_type or "").split(";", 1)[0].strip()  # "audio/ogg; codecs=opus"
    extension = mimetypes.guess_extension(bare) or ""
    return f"{kind}-{index}{extension}"


async def platform_file(
    attachment: dict[str, Any],
    index: int,
    platform: str,
    token: str,
    *,
    graph: GraphClient,
    http: GuardedHttp,
) -> Download:
    """One stored attachment's file, from where the platform's adapter says (caller closes it)."""
    kind = str(attachment.get("type") or "file")
    adapter = get_adapter(platform)
    if adapter is None:
        raise DownloadError(f"{platform} is not a platform this cahts knows")
    try:
        source = await adapter.media_source(graph, attachment, token)
    except GraphError as exc:
        raise DownloadError(exc.explain()) from exc
    except MediaUnavailable as exc:
        raise DownloadError(str(exc)) from exc
    file, size, content_type = await fetch(
        http, source.url, token=source.token, trusted=graph.trusted
    )
    mime_type = source.mime_type or content_type
    filename = _filename(kind, mime_type, index, attachment.get("filename"))
    return Download(file, size, filename, mime_type)
