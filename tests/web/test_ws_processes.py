"""WebSocket events across two real server processes sharing Redis, and a closing reason on stop."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import aiohttp

from inbox.services.sessions.api_tokens import start_session
from inbox.settings import Settings
from tests.conftest import APP_SECRET, REDIS_URL, cahts_env
from tests.factories import make_account, make_user, make_workspace
from tests.helpers import fixture_bytes, sign_meta
from tests.processes import serving


async def _clean_redis() -> None:
    import redis.asyncio as aioredis

    await aioredis.from_url(REDIS_URL).flushdb()


@contextmanager
def two_servers(
    database: Settings, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> Iterator[tuple[str, str]]:
    """Two `cahts serve` processes on one database and one Redis; their base URLs."""
    env = {
        **cahts_env(database.database_url, REDIS_URL=REDIS_URL),
        "TOKEN_ENCRYPTION_KEYS": ",".join(database.token_encryption_keys),
    }
    with ExitStack() as stack:
        yield (
            stack.enter_context(serving(env, tmp_path, procs)),
            stack.enter_context(serving(env, tmp_path, procs)),
        )


async def test_events_cross_servers_and_sockets_learn_why_they_close(
    database: Settings, tmp_path: Path
) -> None:
    await _clean_redis()
    workspace = await make_workspace()
    await make_account(workspace, "messenger", key=database.token_encryption_keys[0])
    user = await make_user(workspace)
    token = (await start_session(user, database.jwt_secret)).access
    procs: list[subprocess.Popen[bytes]] = []
    with two_servers(database, tmp_path, procs) as (first, second):
        async with aiohttp.ClientSession() as session:
            socket = await session.ws_connect(f"{second}/ws/messages/")
            await socket.send_json({"type": "authenticate", "token": token})
            assert (await socket.receive_json(timeout=5))["type"] == "authenticated"
            await socket.send_json({"type": "subscribe_messages"})
            assert (await socket.receive_json(timeout=5))["type"] == "subscribed"

            body = fixture_bytes("messenger", "text")
            async with session.post(
                f"{first}/api/webhooks/messenger", data=body, headers=sign_meta(body, APP_SECRET)
            ) as response:
                assert response.status == 200
            frame = await socket.receive_json(timeout=5)
            assert frame["type"] == "new_message"
            assert frame["message"]["content"] == "Sharp tools make good work."  # the text fixture

            procs[1].send_signal(signal.SIGTERM)
            closing = await socket.receive(timeout=10)
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert closing.data == aiohttp.WSCloseCode.GOING_AWAY
            assert closing.extra == "server shutting down"
            assert procs[1].wait(timeout=20) == 0


async def test_a_logout_on_one_server_closes_the_socket_on_another(
    database: Settings, tmp_path: Path
) -> None:
    await _clean_redis()
    user = await make_user(await make_workspace())
    pair = await start_session(user, database.jwt_secret)
    procs: list[subprocess.Popen[bytes]] = []
    with two_servers(database, tmp_path, procs) as (first, second):
        async with aiohttp.ClientSession() as session:
            socket = await session.ws_connect(f"{second}/ws/messages/")
            await socket.send_json({"type": "authenticate", "token": pair.access})
            assert (await socket.receive_json(timeout=5))["type"] == "authenticated"

            async with session.post(
                f"{first}/api/auth/logout", json={"refresh": pair.refresh}
            ) as response:
                assert response.status == 204
            closing = await socket.receive(timeout=10)
            assert closing.type == aiohttp.WSMsgType.CLOSE
            assert (closing.data, closing.extra) == (4401, "session ended: logged out")
