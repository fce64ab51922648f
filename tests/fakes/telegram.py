"""A local fake of the Telegram Bot API: records every call, answers like Telegram, scriptable.

`TELEGRAM_API_URL` points here. Calls are `POST /bot<token>/<method>` (JSON, or a form whose
files are kept as `Upload`s);
downloads are `GET /file/bot<token>/<file_path>`. Answers have the Bot API's shapes (the
fixtures under tests/fixtures/telegram/api/ and the Message object of the reference).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.web_request import FileField

from tests.helpers import load_fixture

BOT_ID = 42  # tests/fixtures/telegram/api/getMe.json
BOT_TOKEN = "42:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def api_answer(name: str) -> dict[str, Any]:
    """A Bot API answer from tests/fixtures/telegram/api/."""
    return dict(load_fixture("telegram", f"api/{name}"))


@dataclass(frozen=True)
class Upload:
    """A file a send method received as multipart/form-data."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One Bot API call the fake received."""

    token: str
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    """Serves the Bot API methods cahts calls; unknown tokens get 401 like Telegram."""

    bots: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    scripts: dict[str, deque[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    @property
    def url(self) -> str:
        """Base URL to use as TELEGRAM_API_URL."""
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def add_bot(self, token: str = BOT_TOKEN) -> dict[str, Any]:
        """Make a token known: getMe answers with the fixture's bot."""
        bot = api_answer("getMe")["result"]
        self.bots[token] = bot
        return bot

    def script(self, method: str, *answers: str | tuple[int, dict[str, Any]]) -> None:
        """Queue answers for a method (a fixture name, or status and body), before defaults."""
        for answer in answers:
            if isinstance(answer, str):
                body = api_answer(answer)
                status = 200 if body.get("ok") else int(body.get("error_code") or 400)
                self.scripts[method].append((status, body))
            else:
                self.scripts[method].append(answer)

    def called(self, method: str) -> list[Call]:
        """Calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    async def _method(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            params = {
                key: Upload(v.filename, v.content_type, v.file.read())
                if isinstance(v, FileField)
                else v
                for key, v in form.items()
            }
        self.calls.append(Call(token, method, params if isinstance(params, dict) else {}))
        if self.scripts.get(method):
            status, body = self.scripts[method].popleft()
            return web.json_response(body, status=status)
        if token not in self.bots:
            return web.json_response(api_answer("error__unauthorized"), status=401)
        return web.json_response(self._answer(token, method, params))

    def _answer(self, token: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "getMe":
            return {"ok": True, "result": self.bots[token]}
        if method in ("setWebhook", "deleteWebhook", "setMessageReaction"):
            return api_answer("ok_true")
        if method == "getFile":
            answer = api_answer("getFile")
            answer["result"] = {**answer["result"], "file_id": params.get("file_id")}
            return answer
        if method.startswith("send"):
            return {"ok": True, "result": self._message(token, params)}
        return {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        """The Message object a send method answers with."""
        bot = self.bots[token]
        chat_id = int(str(params.get("chat_id")))
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "from": {k: bot[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": {"id": chat_id, "type": "private"},
            "date": int(time.time()),
        }
        for key in ("text", "caption"):
            if key in params:
                message[key] = params[key]
        return message

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.downloads.append(path)
        if request.match_info["token"] not in self.bots:
            return web.json_response(api_answer("error__unauthorized"), status=401)
        data = self.files.get(path)
        if data is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=data, content_type="image/jpeg")

    async def start(self) -> FakeBotApi:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self.server is not None:
            await self.server.close()
