"""Customer media on its way to Slack: fetched from the platform, kept in memory, size-capped."""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from typing import Any

import aiohttp

from inbox.graph import GraphClient, GraphError

# Kinds copied into the thread as files; others (links, shares, templates) are shown in words.
UPLOADABLE = frozenset({"image", "video", "audio", "file", "document", "sticker"})
_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


def max_file_bytes() -> int:
    """The largest file copied into Slack (SLACK_MAX_FILE_BYTES, default 100 MiB)."""
    return int(os.environ.get("SLACK_MAX_FILE_BYTES", str(100 * 1024 * 1024)))


class DownloadError(Exception):
    """A file could not be fetched; the message says why in a few words."""


@dataclass(frozen=True, slots=True)
class Download:
    """A fetched file."""

    data: bytes
    filename: str
    mime_type: str | None


def session() -> aiohttp.ClientSession:
    """An HTTP session for downloads (the caller closes it)."""
    return aiohttp.ClientSession(timeout=_TIMEOUT)


async def fetch(
    http: aiohttp.ClientSession, url: str, *, token: str | None = None, limit: int | None = None
) -> tuple[bytes, str | None]:
    """GET a file into memory, refusing more than `limit` bytes; DownloadError on failure."""
    limit = limit or max_file_bytes()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with http.get(url, headers=headers) as response:
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
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise DownloadError(f"no answer from the platform ({type(exc).__name__})") from exc


def _filename(kind: str, mime_type: str | None, index: int) -> str:
    extension = mimetypes.guess_extension(mime_type or "") or ""
    return f"{kind}-{index}{extension}"


async def platform_file(
    attachment: dict[str, Any],
    index: int,
    *,
    token: str,
    graph: GraphClient,
    http: aiohttp.ClientSession,
) -> Download:
    """One stored attachment's bytes: by URL (Messenger, Instagram) or media id (WhatsApp)."""
    kind = str(attachment.get("type") or "file")
    media_id = attachment.get("media_id")
    mime_type = attachment.get("mime_type")
    if media_id:
        try:
            info = await graph.get(str(media_id), token=token)
        except GraphError as exc:
            raise DownloadError(exc.explain()) from exc
        url = info.get("url")
        if not isinstance(url, str) or not url:
            raise DownloadError("the platform gave no download link")
        mime_type = info.get("mime_type") or mime_type
        data, content_type = await fetch(http, url, token=token)
    elif attachment.get("url"):
        data, content_type = await fetch(http, str(attachment["url"]))
    else:
        raise DownloadError("the platform gave no link to it")
    mime_type = mime_type or content_type
    return Download(data, _filename(kind, mime_type, index), mime_type)
