"""A file into a Slack thread without holding it in memory.

slack_sdk's files_upload_v2 reads the whole file into bytes before posting it; this does the
same three steps (files.getUploadURLExternal, POST to the upload URL, files.completeUploadExternal)
with the file streamed from disk in chunks by aiohttp.
"""

from __future__ import annotations

from typing import IO

import aiohttp
from slack_sdk.errors import SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

# No total limit (a 100 MiB file on a slow link takes a while); a stalled socket still ends it.
_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60)


async def upload_file(
    client: AsyncWebClient,
    *,
    channel: str,
    thread_ts: str | None,
    file: IO[bytes],
    size: int,
    filename: str,
    title: str,
) -> str:
    """Upload `size` bytes of `file` (from its start) into a thread; returns Slack's file id."""
    step1 = await client.files_getUploadURLExternal(filename=filename, length=size)
    file_id = str(step1["file_id"])
    file.seek(0)
    async with aiohttp.ClientSession(timeout=_TIMEOUT) as http:
        async with http.post(
            str(step1["upload_url"]),
            data=file,
            headers={"Content-Type": "application/octet-stream"},
            proxy=client.proxy,
            ssl=client.ssl if client.ssl is not None else True,
        ) as response:
            if response.status != 200:
                raise SlackRequestError(
                    f"the upload of {filename!r} failed (HTTP {response.status})"
                )
    await client.files_completeUploadExternal(
        files=[{"id": file_id, "title": title}], channel_id=channel, thread_ts=thread_ts
    )
    return file_id
