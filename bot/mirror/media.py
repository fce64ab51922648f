"""Customer media on its way to Slack: fetched from the platform, kept in memory, size-capped.

Only links the platform gave (webhooks, sync) are fetched, and only through inbox.netguard
(Meta's media hosts over https, no inside addresses); a link an agent gave with a reply is
shown, never downloaded.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

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
_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


def max_file_bytes() -> int:
    """The largest file copied into Slack (SLACK_MAX_FILE_BYTES, default 100 MiB)."""
    return int(tunable("SLACK_MAX_FILE_BYTES"))


class DownloadError(Exception):
    """A file could not be fetched; the message says why in a few words."""


@dataclass(frozen=True, slots=True)
class Download:
    """A fetched file."""

    data: bytes
    filename: str
    mime_type: str | None


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
) -> tuple[bytes, str | None]:
    """GET a file into memory, refusing more than `limit` bytes; DownloadError on failure."""
    limit = limit or max_file_bytes()
    try:
        async with http.get(url, token=token, trusted=trusted) as response:
            if response.status != 200:
                raise DownloadError(f"the platform answered HTTP {response.status}")
            if (response.content_length or 0) > limit:
                raise DownloadError(f"larger than {limit // (1024 * 1024)} MB")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise DownloadError(f"larger than {limit // (1024 * 1024)} MB")
                chunks.append(chunk)
            return b"".join(chunks), response.content_type
    except Refused as exc:
        raise DownloadError(f"not downloaded: {exc}") from exc
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, BlockedAddress):
            raise DownloadError("not downloaded: the link points inside the network") from exc
        raise DownloadError(f"no answer from the platform ({type(exc).__name__})") from exc
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise DownloadError(f"no answer from the platform ({type(exc).__name__})") from exc


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
    """One stored attachment's bytes, from where the platform's adapter says."""
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
    data, content_type = await fetch(http, source.url, token=source.token, trusted=graph.trusted)
    mime_type = source.mime_type or content_type
    filename = _filename(kind, mime_type, index, attachment.get("filename"))
    return Download(data, filename, mime_type)
