"""Tenant isolation on every route of the app, not only /api: each is accounted for.

A new route fails `test_every_route_is_accounted_for` until it is placed in one of the groups
below, each named with the test that keeps two workspaces apart on it.
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from tests.factories import make_account, make_conversation, make_message, make_workspace

MISSING = "00000000-0000-4000-8000-000000000000"

# Checked route by route against a second workspace in tests/web/api/test_isolation.py
# (which itself fails when an /api route is left out).
API = "/api/"
# Which workspace's events a socket gets: tests/web/test_ws.py (new_message, mark_read) and
# tests/web/test_ws_abuse.py (every forwarded event type).
WEBSOCKET = {("GET", "/ws/messages/"), ("GET", "/ws/messages")}
# Slack teams see only their own workspace (events, buttons, commands, shortcuts, reactions):
# tests/bot/test_install.py::test_two_installed_workspaces_never_see_each_others_conversations;
# file links are signed per workspace: tests/bot/test_files.py.
SLACK_PREFIX = "/slack/"
# The dashboard shell is the same static page for everyone; its data comes from /api (below).
DASHBOARD = {("GET", "/"), ("GET", "/conversations/{id}"), ("GET", "/static/{path}")}
# Operator routes with no workspace data (/metrics is behind METRICS_TOKEN in production).
OPERATIONS = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


def test_every_route_is_accounted_for(client: TestClient) -> None:
    routes = {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None and route.method not in ("HEAD", "OPTIONS")
    }
    unplaced = {
        (method, path)
        for method, path in routes
        if not path.startswith((API, SLACK_PREFIX))
        and (method, path) not in WEBSOCKET | DASHBOARD | OPERATIONS
    }
    assert unplaced == set(), "place each new route in a group of this module"
    assert WEBSOCKET | DASHBOARD | OPERATIONS <= routes  # no stale entries either


async def test_a_dashboard_link_reveals_nothing_of_another_workspace(client: TestClient) -> None:
    key = client.app[SETTINGS].token_encryption_keys[0]
    account = await make_account(await make_workspace("B"), key=key)
    conversation = await make_conversation(account, name="Bob's customer")
    await make_message(conversation, "secret of B")

    theirs = await client.get(f"/conversations/{conversation.id}")
    missing = await client.get(f"/conversations/{MISSING}")
    assert theirs.status == missing.status == 200
    body = await theirs.read()
    assert body == await missing.read()
    assert b"Bob's customer" not in body and b"secret of B" not in body
    # Without a token the API behind the page answers nothing at all.
    for path in (
        f"/api/conversations/{conversation.id}/messages",
        "/api/conversations",
        "/api/messages",
    ):
        assert (await client.get(path)).status == 401


async def test_health_routes_say_nothing_about_workspaces(client: TestClient) -> None:
    key = client.app[SETTINGS].token_encryption_keys[0]
    account = await make_account(await make_workspace("Secret Corp"), key=key, name="Hidden Shop")
    for path in ("/healthz", "/readyz"):
        text = await (await client.get(path)).text()
        assert "Secret Corp" not in text and "Hidden Shop" not in text
        assert str(account.id) not in text and account.external_id not in text
