"""A local fake of the Slack Web API: records every call, answers like Slack, can be scripted.

slack_sdk sends arguments as JSON, as a form or in the query string; all are accepted and
merged. Posts, reactions and uploaded files are kept so tests can read a thread back.
Also serves upload URLs (files_upload_v2), private file downloads (bot token required) and a
Socket Mode WebSocket.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier

BOT_TOKEN = "xoxb-test-bot-token"
APP_TOKEN = "xapp-test-app-token"
SIGNING_SECRET = "test-slack-signing-secret"
BOT_USER = "UCAHTSBOT"
BOT_ID = "BCAHTSBOT"
TEAM = "T0TEST"


@dataclass
class Call:
    """One Web API call the fake received."""

    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Answer:
    """A scripted answer: HTTP status, JSON body, headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(retry_after: int = 0) -> Answer:
    """HTTP 429 with Retry-After, as Slack answers when a method is over its limit."""
    return Answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


def server_error() -> Answer:
    """HTTP 500."""
    return Answer(500, {"ok": False, "error": "internal_error"})


@dataclass
class SlackFile:
    """A file an agent shared in Slack (what files.info and the download answer)."""

    id: str
    name: str
    mimetype: str
    data: bytes


@dataclass
class FakeSlack:
    """Serves /api/<method>; `api_url` is what SLACK_API_URL should be."""

    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    uploads: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, SlackFile] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    gone_channels: set[str] = field(default_factory=set)
    # Channels that exist but the bot was never invited to (conversations.info is_member false).
    outside_channels: set[str] = field(default_factory=set)
    scripts: dict[str, deque[Answer]] = field(default_factory=lambda: defaultdict(deque))
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    # Modals opened (views.open), posts to a command's response_url, channels by name.
    views: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[str, str] = field(default_factory=dict)
    # Bot tokens of installed teams (token → team); OAuth codes → oauth.v2.access answers.
    teams: dict[str, str] = field(default_factory=lambda: {BOT_TOKEN: TEAM})
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    server: TestServer | None = None
    _last_ts: float = 0.0
    _token: str | None = None
    _blobs: dict[str, bytes] = field(default_factory=dict)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The fake's root URL."""
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    @property
    def api_url(self) -> str:
        """SLACK_API_URL for the fake (ends with a slash, like slack.com/api/)."""
        return f"{self.base}/api/"

    def script(self, method: str, *answers: Answer) -> None:
        """Queue answers for a method, used before its normal behaviour."""
        self.scripts[method].extend(answers)

    def called(self, method: str) -> list[Call]:
        """Calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies of a thread (without its root), in order."""
        return [
            m
            for m in self.messages
            if m["channel"] == channel and m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    def roots(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Top-level posts (thread roots), optionally of one channel."""
        return [
            m
            for m in self.messages
            if not m.get("thread_ts") and (channel is None or m["channel"] == channel)
        ]

    def grant(
        self, code: str, team: str, token: str, *, name: str = "Other", channel: str | None = None
    ) -> None:
        """Let an OAuth `code` be exchanged for a bot token of `team` (and know that token)."""
        self.teams[token] = team
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0CAHTS",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": "chat:write,reactions:write,incoming-webhook",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": bot_user_of(team),
            "team": {"id": team, "name": name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if channel:
            answer["incoming_webhook"] = {"channel": f"#{channel.lower()}", "channel_id": channel}
        self.grants[code] = answer

    def delete(self, channel: str, ts: str) -> None:
        """Someone deleted a message (its replies stay)."""
        self.messages = [m for m in self.messages if (m["channel"], m["ts"]) != (channel, ts)]

    def posted_with(self, token: str) -> list[dict[str, Any]]:
        """The arguments of every chat.postMessage made with one token."""
        return [c.args for c in self.called("chat.postMessage") if c.token == token]

    def marks(self, channel: str, ts: str) -> list[str]:
        """Reactions currently on a message."""
        return list(self.reactions.get((channel, ts), []))

    def _next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    args.update(body)
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "metadata", "files"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.get("token")
        self.calls.append(Call(method, args, token))
        if self.scripts.get(method):
            answer = self.scripts[method].popleft()
            return web.json_response(answer.body, status=answer.status, headers=answer.headers)
        if method == "oauth.v2.access":
            grant = self.grants.pop(str(args.get("code")), None)
            return web.json_response(grant or {"ok": False, "error": "invalid_code"})
        if token not in self.teams and token != APP_TOKEN:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self._token = token
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body = handler(args)
        return web.json_response(body)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        team = self.teams.get(self._token or "", TEAM)
        bot_id = BOT_ID if team == TEAM else f"B{team}"
        return {
            "ok": True,
            "user_id": bot_user_of(team),
            "bot_id": bot_id,
            "team_id": team,
            "user": "cahts",
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel or channel in self.gone_channels:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        message = {
            "channel": channel,
            "ts": self._next_ts(),
            "thread_ts": args.get("thread_ts"),
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "username": args.get("username"),
            "icon_emoji": args.get("icon_emoji"),
            "metadata": args.get("metadata"),
            "user": BOT_USER,
            "bot_id": BOT_ID,
        }
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _find(self, channel: Any, ts: Any) -> dict[str, Any] | None:
        return next((m for m in self.messages if m["channel"] == channel and m["ts"] == ts), None)

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self._find(args.get("channel"), args.get("ts"))
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        found["text"] = args.get("text", found["text"])
        if "blocks" in args:
            found["blocks"] = args["blocks"]
        return {"ok": True, "channel": found["channel"], "ts": found["ts"]}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("timestamp")))
        name = str(args.get("name"))
        if name in self.reactions[key]:
            return {"ok": False, "error": "already_reacted"}
        self.reactions[key].append(name)
        return {"ok": True}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("timestamp")))
        name = str(args.get("name"))
        if name not in self.reactions.get(key, []):
            return {"ok": False, "error": "no_reaction"}
        self.reactions[key].remove(name)
        return {"ok": True}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user"))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        name = self.users[user]
        return {
            "ok": True,
            "user": {
                "id": user,
                "name": name.lower(),
                "real_name": name,
                "profile": {"display_name": name, "real_name": name},
            },
        }

    def _listing(self, messages: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        oldest = float(args.get("oldest") or 0)
        found = [m for m in messages if float(m["ts"]) > oldest]
        metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        shown = [{k: v for k, v in m.items() if k != "metadata" or metadata} for m in found]
        return {"ok": True, "messages": shown, "has_more": False}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        root = self._find(channel, ts)
        if root is None:
            return {"ok": False, "error": "thread_not_found"}
        return self._listing([root, *self.thread(str(channel), str(ts))], args)

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        if channel.startswith("#") or channel in self.gone_channels:
            return {"ok": False, "error": "channel_not_found"}
        return self._listing(self.roots(channel), args)

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"FUP{len(self._blobs) + 1:05d}"
        self._blobs[file_id] = b""
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        items = args.get("files") or []
        done = []
        for item in items:
            file_id = item["id"]
            if file_id not in self._blobs:
                return {"ok": False, "error": "file_not_found"}
            self.uploads.append(
                {
                    "id": file_id,
                    "title": item.get("title"),
                    "channel": args.get("channel_id"),
                    "thread_ts": args.get("thread_ts"),
                    "data": self._blobs[file_id],
                }
            )
            done.append({"id": file_id, "title": item.get("title")})
        return {"ok": True, "files": done}

    def _files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(str(args.get("file")))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        return {
            "ok": True,
            "file": {
                "id": found.id,
                "name": found.name,
                "mimetype": found.mimetype,
                "size": len(found.data),
                "url_private": f"{self.base}/files-pri/{found.id}/{found.name}",
                "url_private_download": f"{self.base}/files-pri/{found.id}/download/{found.name}",
            },
        }

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        opened = {**view, "id": f"V{len(self.views) + 1:08d}"}
        self.views.append(opened)
        return {"ok": True, "view": opened}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        """Replace an open modal by id; a stale `hash` is refused as Slack does."""
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        for index, shown in enumerate(self.views):
            if shown["id"] == args.get("view_id"):
                if args.get("hash") and args["hash"] != shown.get("hash", args["hash"]):
                    return {"ok": False, "error": "hash_conflict"}
                updated = {**view, "id": shown["id"], "hash": f"h{len(self.calls)}"}
                self.views[index] = updated
                return {"ok": True, "view": updated}
        return {"ok": False, "error": "not_found"}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        channels = [{"id": cid, "name": name} for name, cid in self.channels.items()]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel.startswith(("C", "G")) or channel in self.gone_channels:
            return {"ok": False, "error": "channel_not_found"}
        names = {cid: name for name, cid in self.channels.items()}
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": names.get(channel, channel.lower()),
                "is_channel": True,
                "is_archived": False,
                "is_member": channel not in self.outside_channels,
            },
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"{self.base.replace('http', 'ws', 1)}/socket"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._blobs:
            return web.Response(status=404, text="unknown upload")
        received = bytearray()  # read as it arrives: uploads may be far above aiohttp's 1 MiB cap
        async for chunk in request.content.iter_any():
            received += chunk
        self._blobs[file_id] = bytes(received)
        return web.Response(text=f"OK - {len(received)}")

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.Response(text="ok")

    async def _download(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["file_id"])
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return web.Response(status=403, text="login required")
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found.data, content_type=found.mimetype)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(frame.data))
        return ws

    async def push_event(self, envelope_id: str, payload: dict[str, Any]) -> None:
        """Send an Events API envelope over Socket Mode to the connected app."""
        for _ in range(200):
            if self._sockets:
                break
            await asyncio.sleep(0.02)
        frame = {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": payload,
        }
        await self._sockets[-1].send_json(frame)

    async def start(self) -> FakeSlack:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/download/{name}", self._download)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/respond/{n}", self._respond)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        """Stop listening."""
        for ws in self._sockets:
            await ws.close()
        if self.server is not None:
            await self.server.close()


def bot_user_of(team: str) -> str:
    """The bot user id of cahts in a team."""
    return BOT_USER if team == TEAM else f"U{team}BOT"


def signed_headers(
    body: bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers for a request signed as Slack signs it."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    try:
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    except UnicodeDecodeError:  # Slack never sends such bodies; sign the raw bytes anyway
        raw = b"v0:" + stamp.encode() + b":" + body
        signature = "v0=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def event_envelope(event: dict[str, Any], event_id: str, team: str = TEAM) -> dict[str, Any]:
    """An Events API `event_callback` body around one event (from one team)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": "A0CAHTS",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "team_id": team,
                "user_id": bot_user_of(team),
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
    }
