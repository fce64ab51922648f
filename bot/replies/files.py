"""Files shared in a thread, handed to Meta as signed, expiring PUBLIC_URL links (or uploaded).

Meta fetches a reply's attachment from a public URL. Slack files are private, so a reply's
file goes out as `{PUBLIC_URL}/slack/files/<signed token>`: when fetched, cahts looks the file
up (files.info) and streams it from Slack with the bot token. Nothing is stored; any server
can answer; the link names one file and expires.

The link is on the dashboard's origin, so what an agent shared must never run there: only
raster images are served inline; everything else (HTML, SVG, PDF…) is an attachment, and
every answer carries `nosniff` and a sandboxing CSP.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.install.workspaces import target_for
from bot.slack.client import slack_client
from bot.slack.signed import sign, verify
from inbox.graph import FileStream
from inbox.httpjson import error_response
from inbox.platforms.graphapi import GraphError
from inbox.settings import Settings

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(days=8)  # outlives the 7-day HUMAN_AGENT window, for retries
_AUDIENCE = "cahts:slack-file"
_PURPOSE = b"cahts slack file links"
_TIMEOUT = aiohttp.ClientTimeout(total=300, sock_connect=10)
# Types a browser only ever draws as a picture; SVG is not one of them (it runs scripts).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SANDBOX = "sandbox; default-src 'none'"
_MIME = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"
)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


def file_link(
    settings: Settings,
    file_id: str,
    now: datetime | None = None,
    workspace_id: uuid.UUID | None = None,
) -> str:
    """The public, expiring URL of one Slack file (of the workspace whose bot may read it)."""
    claims: dict[str, str] = {"f": file_id}
    if workspace_id is not None:
        claims["w"] = str(workspace_id)
    token = sign(
        settings,
        _PURPOSE,
        _AUDIENCE,
        claims,
        now=now or datetime.now(UTC),
        lifetime=LINK_LIFETIME,
    )
    return f"{settings.public_url}/slack/files/{token}"


def read_link(settings: Settings, token: str) -> tuple[str, uuid.UUID | None] | None:
    """The file id a link names and its workspace, or None when forged, altered or expired."""
    claims = verify(settings, _PURPOSE, _AUDIENCE, token)
    file_id = claims.get("f") if claims else None
    if claims is None or not isinstance(file_id, str) or not file_id:
        return None
    try:
        workspace = uuid.UUID(str(claims["w"])) if "w" in claims else None
    except ValueError:
        return None
    return file_id, workspace


def token_may_go_to(url: str, settings: Settings) -> bool:
    """Only Slack (or the configured SLACK_API_URL host) ever sees the bot token."""
    host = (urlsplit(url).hostname or "").lower()
    api_host = (urlsplit(settings.slack_api_url).hostname or "").lower()
    return host == "slack.com" or host.endswith(".slack.com") or (bool(host) and host == api_host)


class FileUnavailable(Exception):
    """A linked file cahts cannot read from Slack: the HTTP status to answer and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _locate(
    settings: Settings, token: str, client: AsyncWebClient | None
) -> tuple[str, str, dict[str, object]]:
    """The Slack download URL, bot token and files.info of the file a link names."""
    named = read_link(settings, token)
    if named is None:
        raise FileUnavailable(404, "this file link is unknown or has expired")
    file_id, workspace_id = named
    if workspace_id is not None:
        target = await target_for(settings, workspace_id)
        if target is None:
            raise FileUnavailable(404, "that workspace's Slack is not installed")
        client = slack_client(settings, target.token)
    if client is None:
        raise FileUnavailable(404, "Slack is off on this server")
    try:
        info = (await client.files_info(file=file_id)).get("file") or {}
    except SlackApiError as exc:
        log.info("files.info %s: %s", file_id, exc.response.get("error"))
        raise FileUnavailable(404, "the file is no longer in Slack") from exc
    except (TimeoutError, aiohttp.ClientError, SlackClientError) as exc:
        log.warning("files.info %s: no answer (%s)", file_id, exc)
        raise FileUnavailable(502, "Slack did not answer; try again") from exc
    url = info.get("url_private_download") or info.get("url_private")
    if not isinstance(url, str) or not token_may_go_to(url, settings):
        raise FileUnavailable(404, "the file has no download link")
    return url, client.token or "", info


async def serve_file(
    request: web.Request, settings: Settings, client: AsyncWebClient
) -> web.StreamResponse:
    """Stream the Slack file a valid link names, with the bot token of its workspace."""
    try:
        url, token, info = await _locate(settings, request.match_info["token"], client)
        async with _download(url, token) as upstream:
            return await _relay(request, upstream, info)
    except FileUnavailable as exc:
        code = "upstream" if exc.status == 502 else "not_found"
        return error_response(exc.status, code, exc.message)
    except (TimeoutError, aiohttp.ClientError) as exc:
        log.warning("download of a linked Slack file failed: %s", exc)
        return error_response(502, "upstream", "Slack did not answer; try again")


@asynccontextmanager
async def _download(url: str, token: str) -> AsyncIterator[aiohttp.ClientResponse]:
    """Slack's answer for a file's private URL, fetched with the bot token."""
    async with (
        aiohttp.ClientSession(timeout=_TIMEOUT) as http,
        http.get(url, headers={"Authorization": f"Bearer {token}"}) as upstream,
    ):
        if upstream.status != 200:
            raise FileUnavailable(502, f"Slack answered HTTP {upstream.status}")
        yield upstream


async def _relay(
    request: web.Request, upstream: aiohttp.ClientResponse, info: dict[str, object]
) -> web.StreamResponse:
    response = web.StreamResponse(headers=file_headers(info, upstream.content_type))
    if upstream.content_length is not None:
        response.content_length = upstream.content_length
    await response.prepare(request)
    async for chunk in upstream.content.iter_chunked(64 * 1024):
        await response.write(chunk)
    await response.write_eof()
    return response


class SlackFiles:
    """Opens the files cahts' own links name straight from Slack, for platforms that upload.

    Telegram takes most files only as uploads, so the worker reads them from Slack itself
    instead of handing out the link (the GraphClient's `FileOpener`).
    """

    def __init__(self, settings: Settings, client: AsyncWebClient | None) -> None:
        self._settings = settings
        self._client = client
        self._prefix = f"{settings.public_url}/slack/files/"

    def __call__(self, url: str) -> AbstractAsyncContextManager[FileStream] | None:
        """The file behind one of cahts' links; None for any other URL."""
        if not url.startswith(self._prefix):
            return None
        return self._open(url.removeprefix(self._prefix))

    @asynccontextmanager
    async def _open(self, token: str) -> AsyncIterator[FileStream]:
        try:
            url, bot_token, info = await _locate(self._settings, token, self._client)
            async with _download(url, bot_token) as upstream:
                headers = file_headers(info, upstream.content_type)
                name = str(info.get("name") or "file")[:200]
                yield FileStream(
                    name, headers["Content-Type"], upstream.content.iter_chunked(64 * 1024)
                )
        except FileUnavailable as exc:
            status = 0 if exc.status == 502 else exc.status
            raise GraphError(status, exc.message, source="Slack") from exc


def file_headers(info: dict[str, object], fallback_type: str) -> dict[str, str]:
    """The answer's headers: raster images inline, anything else an attachment; never run."""
    raw = str(info.get("mimetype") or fallback_type).split(";", 1)[0].strip().lower()
    mimetype = raw if _MIME.match(raw) else "application/octet-stream"
    disposition = "inline" if mimetype in INLINE_TYPES else "attachment"
    return {
        "Content-Type": mimetype,
        "Content-Disposition": f"{disposition}; {_filename(info.get('name'))}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
        "Cache-Control": "private, max-age=300",
    }


def _filename(name: object) -> str:
    """RFC 6266 filename parameters: an ASCII fallback and the UTF-8 name."""
    text = name if isinstance(name, str) and name.strip() else "file"
    text = text.replace("/", "_").replace("\\", "_")[:200]
    ascii_name = _UNSAFE_NAME.sub("_", text)
    return f"filename=\"{ascii_name}\"; filename*=UTF-8''{quote(text, safe='')}"
