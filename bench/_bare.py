"""Bare aiohttp baselines for the latency benches: the same job with only aiohttp and asyncpg.

  slack  POST /api/webhooks/messenger: verify, parse, INSERT one row (pool), answer 200,
         then POST chat.postMessage to --slack-url with the message text
  ws     the same webhook, then send the message as a JSON frame to every socket on /ws
  reply  POST /slack/events: check the Slack signature, parse, INSERT, answer 200,
         then POST the reply text to --graph-url /{page}/messages

No ordering, no dedup, no threads, no retries: a floor for what the stack itself costs.

    python bench/_bare.py --mode slack --port 8123 --dsn postgres://… --slack-url http://…/api/
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox.platforms.signature import SIGNATURE_HEADER, verify

TABLE = "bench_bare"
POOL = web.AppKey("pool", asyncpg.Pool)
HTTP = web.AppKey("http", aiohttp.ClientSession)
SOCKETS = web.AppKey("sockets", weakref.WeakSet[web.WebSocketResponse])
BACKGROUND = web.AppKey("background", set)
BOT_TOKEN = "xoxb-test-bot-token"


def _text_of_webhook(payload: Any) -> tuple[str, str]:
    """(mid, text) of a one-message Messenger webhook (KeyError etc. on another shape)."""
    event = payload["entry"][0]["messaging"][0]
    return str(event["message"]["mid"]), str(event["message"].get("text") or "")


def build(mode: str, dsn: str, slack_url: str, graph_url: str) -> web.Application:
    """The baseline application for one mode."""
    app = web.Application()
    app_secret = os.environ["META_APP_SECRET"]
    slack_verifier = SignatureVerifier(os.environ.get("SLACK_SIGNING_SECRET", ""))

    async def resources(app: web.Application) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn.replace("postgres://", "postgresql://", 1))
        async with pool.acquire() as conn:
            await conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} "
                "(id bigserial PRIMARY KEY, key text, body jsonb)"
            )
        app[POOL] = pool
        app[HTTP] = aiohttp.ClientSession()
        app[SOCKETS] = weakref.WeakSet()
        app[BACKGROUND] = set()
        yield
        await app[HTTP].close()
        await pool.close()

    def later(coro: Any) -> None:
        task = asyncio.create_task(coro)
        app[BACKGROUND].add(task)
        task.add_done_callback(app[BACKGROUND].discard)

    async def insert(key: str, body: bytes) -> None:
        await app[POOL].execute(
            f"INSERT INTO {TABLE} (key, body) VALUES ($1, $2)",  # noqa: S608
            key,
            body.decode(),
        )

    async def post_slack(text: str) -> None:
        async with app[HTTP].post(
            slack_url + "chat.postMessage",
            json={"channel": "C0BARE", "text": text},
            headers={"Authorization": f"Bearer {BOT_TOKEN}"},
        ) as resp:
            await resp.read()

    async def broadcast(text: str) -> None:
        frame = json.dumps({"type": "new_message", "message": {"content": text}})
        for ws in list(app[SOCKETS]):
            if not ws.closed:
                await ws.send_str(frame)

    async def post_graph(recipient: str, text: str) -> None:
        async with app[HTTP].post(
            f"{graph_url}/me/messages",
            json={"recipient": {"id": recipient}, "message": {"text": text}},
        ) as resp:
            await resp.read()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(body, request.headers.get(SIGNATURE_HEADER), app_secret):
            return web.json_response({"ok": False}, status=403)
        try:
            mid, text = _text_of_webhook(json.loads(body))
        except (ValueError, KeyError, IndexError, TypeError):
            return web.json_response({"ok": False}, status=400)
        await insert(mid, body)
        later(post_slack(text) if mode == "slack" else broadcast(text))
        return web.json_response({"ok": True, "stored": 1})

    async def slack_event(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        if not slack_verifier.is_valid_request(body, headers):
            return web.json_response({"ok": False}, status=401)
        try:
            payload = json.loads(body)
            event = payload["event"]
            text = str(event["text"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"ok": False}, status=400)
        await insert(str(payload.get("event_id")), body)
        later(post_graph(str(event.get("user")), text))
        return web.Response(status=200)

    async def sockets(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        app[SOCKETS].add(ws)
        async for _ in ws:
            pass
        return ws

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.cleanup_ctx.append(resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/webhooks/messenger", webhook)
    app.router.add_post("/slack/events", slack_event)
    app.router.add_get("/ws", sockets)
    return app


def main() -> None:
    """Serve one baseline until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("slack", "ws", "reply"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--slack-url", default="")
    parser.add_argument("--graph-url", default="")
    args = parser.parse_args()
    app = build(args.mode, args.dsn, args.slack_url, args.graph_url)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
