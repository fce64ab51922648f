"""inbox.graph.GraphClient sends a token only to the Graph hosts, and only ids become paths."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from inbox.graph import GraphClient, GraphError
from tests.fakes.graph import FakeGraph
from tests.fakes.internal import Internal


@pytest.mark.parametrize("path", ["/steal", "//127.0.0.1/steal"])
async def test_a_url_off_the_graph_hosts_is_refused_before_any_request(
    graph: FakeGraph, internal: Internal, path: str
) -> None:
    client = GraphClient(graph.url)
    target = internal.url(path) if path == "/steal" else path
    try:
        with pytest.raises(GraphError, match="only the Graph API's own hosts") as caught:
            await client.get(target, token="EAA-secret")
    finally:
        await client.close()
    assert caught.value.retryable is False
    assert internal.hits == []


@pytest.mark.parametrize(
    "path",
    ["../../oauth/access_token", "me/../debug_token", "a b", "me?f=x", "http:evil", "./me", ""],
)
async def test_what_is_not_an_id_or_edge_never_becomes_a_path(graph: FakeGraph, path: str) -> None:
    client = GraphClient(graph.url)
    try:
        with pytest.raises(GraphError, match="is not a Graph id or path"):
            await client.get(path, token="EAA-secret")
    finally:
        await client.close()
    assert graph.requests == []


async def test_ids_edges_and_full_urls_on_the_graph_hosts_are_called(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sync calls META_GRAPH_URL by full URL, and Instagram's Graph host is the other one."""
    instagram = await FakeGraph().start()
    monkeypatch.setenv("META_INSTAGRAM_GRAPH_URL", instagram.url)
    for suffix in ("/subscribed_apps", "/me/conversations"):
        graph.routes[f"GET {suffix}"] = _ok
    instagram.routes["GET /refresh_access_token"] = _ok
    client = GraphClient(graph.url)
    try:
        await client.get("104578291736452/subscribed_apps", token="EAA-a")
        await client.get(f"{graph.url}/me/conversations", token="EAA-b")
        await client.get(f"{instagram.url}/refresh_access_token", params={"x": "1"})
    finally:
        await client.close()
        await instagram.close()
    assert [(r.path, r.authorization) for r in graph.requests] == [
        ("/104578291736452/subscribed_apps", "Bearer EAA-a"),
        ("/me/conversations", "Bearer EAA-b"),
    ]
    assert [r.path for r in instagram.requests] == ["/refresh_access_token"]


async def _ok(request: web.Request, path: str, body: Any) -> web.Response:
    return web.json_response({"data": []})
