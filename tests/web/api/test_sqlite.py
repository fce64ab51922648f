"""The API on the embedded SQLite default: sign-up to paging, search, read state and export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from inbox.models import Conversation, PlatformAccount, User
from inbox.settings import load_settings
from tests.conftest import cahts_env
from tests.factories import make_analytics, make_conversation, make_message
from web.app import create_app


async def test_the_api_works_on_sqlite(tmp_path: Path, aiohttp_client: Any) -> None:
    settings = load_settings(cahts_env(f"sqlite://{tmp_path}/cahts.db"), read_dotenv=False)
    client = await aiohttp_client(create_app(settings))
    registered = await client.post(
        "/api/auth/register", json={"email": "ana@example.com", "password": "long enough"}
    )
    assert registered.status == 201
    login = await client.post(
        "/api/auth/login", json={"email": "ana@example.com", "password": "long enough"}
    )
    headers = {"Authorization": f"Bearer {(await login.json())['access']}"}
    user = await User.get(email="ana@example.com").prefetch_related("workspace")
    account = await PlatformAccount.create(
        workspace=user.workspace, platform="messenger", external_id="1", access_token="x"
    )
    now = datetime.now(UTC)
    first = await make_conversation(account, "1", last_message_at=now - timedelta(hours=2))
    second = await make_conversation(account, "2", last_message_at=now, unread=1)
    silent = await make_conversation(account, "3")
    await Conversation.filter(id=silent.id).update(
        last_message_at=None, created_at=now - timedelta(days=3)
    )
    tie = now - timedelta(minutes=5)
    made = [await make_message(first, f"Order {n}", received_at=tie) for n in range(3)]
    unread = await make_message(second, "Where is my PARCEL?")

    async def walk(path: str, **params: str) -> list[str]:
        ids: list[str] = []
        cursor = None
        while True:
            query = {**params, "limit": "1", **({"cursor": cursor} if cursor else {})}
            body = await (await client.get(path, params=query, headers=headers)).json()
            ids += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                return ids

    assert await walk("/api/conversations") == [str(c.id) for c in (second, first, silent)]
    messages = await walk("/api/messages")
    assert messages[0] == str(unread.id)
    assert sorted(messages[1:]) == sorted(str(m.id) for m in made)
    assert await walk("/api/messages", q="parcel") == [str(unread.id)]
    read = await client.patch(f"/api/messages/{unread.id}/read", headers=headers)
    assert read.status == 200
    assert (await Conversation.get(id=second.id)).unread_count == 0
    await make_analytics(user.workspace, now.date(), total_messages=4, messages_in=4)
    export = await client.get("/api/analytics/export", params={"format": "csv"}, headers=headers)
    assert (
        (await export.text()).splitlines()[1].startswith(f"{now.date().isoformat()},messenger,4,")
    )
