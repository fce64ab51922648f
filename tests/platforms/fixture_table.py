"""The fixture table: each real-source fixture, posted through the whole app, must produce the
rows written in its case, the same Slack thread posts and the same REST answer; a second post
of it changes nothing.

A platform's table is a list of `Case`s in tests/platforms/test_fixture_table_<platform>.py,
run with `check_case(table_loop, platform, case)` (`table_loop`, tests/platforms/conftest.py:
the app with real Bolt/slack_sdk on the fake Slack and the Graph client on the fake Graph,
mirroring old samples too). Cases share one database per test: the rows are all of the case's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from inbox.appkeys import WRITER
from inbox.models import Message, PlatformAccount
from tests.bot.conftest import CHANNEL, Loop, settle
from tests.conftest import APP_SECRET
from tests.factories import FIXTURE_ACCOUNTS, make_account, make_user
from tests.helpers import bearer, fixture_bytes, sign_meta

MEDIA = b"media-bytes-from-the-fake-graph"


@dataclass(frozen=True, slots=True)
class Row:
    """What one stored message must hold."""

    kind: str
    text: str
    attachments: list[dict[str, Any]]
    direction: str = "in"
    status: str = "received"
    error: str | None = None
    reaction: str | None = None

    @classmethod
    def of(cls, message: Message) -> Row:
        """The row as stored."""
        return cls(
            message.kind,
            message.content,
            message.attachments,
            "in" if message.is_incoming else "out",
            message.status,
            message.error_message,
            message.reaction,
        )


@dataclass(slots=True)
class Case:
    """One fixture and everything it must produce."""

    fixture: str
    rows: list[Row]
    slack: list[str]  # the thread's posts after the root card, in order
    display: list[list[str]] = field(default_factory=list)  # the REST `display` texts per row
    before: Callable[[Loop, PlatformAccount], Awaitable[None]] | None = None
    files: list[str] = field(default_factory=list)  # names of the files copied into the thread
    marks: list[list[str]] = field(default_factory=list)  # Slack reactions on each row's post

    def __str__(self) -> str:
        return self.fixture


async def _serve_media(loop: Loop) -> None:
    """Any WhatsApp media id resolves on the fake Graph to a small file."""

    async def info(request: web.Request, path: str, body: Any) -> web.Response:
        media_id = path.rsplit("/", 1)[-1]
        url = f"{loop.graph.url}/wa-bin/{media_id}/file"
        return web.json_response({"url": url, "id": media_id})

    async def data(request: web.Request, path: str, body: Any) -> web.Response:
        return web.Response(body=MEDIA, content_type="application/octet-stream")

    loop.graph.routes["GET /file"] = data  # routes match on the path's end: this one first
    for media_id in ("65463453", "765756756", "1234567890987654321"):
        loop.graph.routes[f"GET /{media_id}"] = info


async def _rows() -> list[Row]:
    return [Row.of(m) for m in await Message.all().order_by("received_at", "created_at")]


def _thread(loop: Loop) -> list[str]:
    roots = loop.slack.roots(CHANNEL)
    if not roots:
        return []
    [root] = roots
    return [post["text"] for post in loop.slack.thread(CHANNEL, root["ts"])]


async def _api(loop: Loop) -> list[dict[str, Any]]:
    user = await make_user(loop.workspace, "table@example.com")
    response = await loop.client.get(
        "/api/messages", headers=await bearer(user, loop.settings.jwt_secret)
    )
    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    assert isinstance(items, list)
    return sorted(items, key=lambda m: (m["received_at"], m["id"]))


async def post(loop: Loop, platform: str, body: bytes) -> dict[str, Any]:
    """A signed webhook of these exact bytes; waits for the Slack work it starts."""
    response = await loop.client.post(
        f"/api/webhooks/{platform}", data=body, headers=sign_meta(body, APP_SECRET)
    )
    assert response.status == 200, await response.text()
    await loop.client.app[WRITER].idle()
    await settle()
    answer = await response.json()
    assert isinstance(answer, dict)
    return answer


async def check_case(loop: Loop, platform: str, case: Case) -> None:
    """Post the case's fixture twice and check rows, thread and REST answer."""
    account = await PlatformAccount.get_or_none(
        platform=platform, external_id=FIXTURE_ACCOUNTS[platform]
    ) or await make_account(  # the loop's own Messenger account is the fixtures' Page
        loop.workspace,
        platform,
        FIXTURE_ACCOUNTS[platform],
        key=loop.settings.token_encryption_keys[0],
    )
    await _serve_media(loop)
    if case.before is not None:
        await case.before(loop, account)
    body = fixture_bytes(platform, case.fixture)
    existing = await Message.all().count()

    first = await post(loop, platform, body)
    rows = await _rows()
    assert rows == case.rows
    assert _thread(loop) == case.slack
    assert [u["title"] for u in loop.slack.uploads] == case.files
    if case.marks:
        stored = await Message.all().order_by("received_at", "created_at")
        shown = [loop.slack.marks(CHANNEL, str(m.slack_ts)) if m.slack_ts else [] for m in stored]
        assert shown == case.marks
    assert all(u["data"] == MEDIA for u in loop.slack.uploads)
    api = await _api(loop)
    assert [(m["kind"], m["content"], m["attachments"]) for m in api] == [
        (r.kind, r.text, r.attachments) for r in case.rows
    ]
    if case.display:
        assert [[line["text"] for line in m["display"]] for m in api] == case.display
    assert first["stored"] == len(rows) - existing

    posts = len(loop.slack.messages)
    second = await post(loop, platform, body)
    assert second["stored"] == 0
    assert await _rows() == rows
    assert len(loop.slack.messages) == posts


__all__ = ["Case", "Row", "check_case", "post"]
