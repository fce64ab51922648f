"""The dashboard's files: the shell at / and Slack's links, headers, no escape from static/."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from web.dashboard import STATIC


async def test_the_shell_is_served_with_its_security_and_cache_headers(client: TestClient) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert '<script type="module" src="/static/js/app.js">' in await response.text()
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_slack_links_to_a_conversation_open_the_dashboard(client: TestClient) -> None:
    response = await client.get("/conversations/0b7e4a52-33d8-4a8e-9a51-6c1de0c1b1a2")
    assert response.status == 200
    assert "/static/js/app.js" in await response.text()


async def test_modules_are_javascript_and_revalidate_with_304(client: TestClient) -> None:
    response = await client.get("/static/js/app.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    again = await client.get("/static/js/app.js", headers={"If-None-Match": etag})
    assert again.status == 304
    css = await client.get("/static/app.css")
    assert css.headers["Content-Type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../dashboard.py",
        "/static/%2e%2e/dashboard.py",
        "/static/..%2fdashboard.py",
        "/static/js/../../app.py",
        "/static/js",
        "/static/nothing-here.js",
    ],
)
async def test_nothing_outside_static_files_is_served(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert "import" not in await response.text()


async def test_the_api_websocket_and_health_routes_are_not_shadowed(client: TestClient) -> None:
    unknown = await client.get("/api/nothing")
    assert unknown.status == 404
    assert (await unknown.json())["error"]["code"] == "not_found"
    assert (await client.get("/api/conversations")).status == 401
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/index.html")).status == 404
    socket = await client.ws_connect("/ws/messages/")
    await socket.close()


def _modules() -> list[str]:
    return sorted(str(p.relative_to(STATIC)) for p in STATIC.rglob("*.js"))


def test_every_import_resolves_to_a_file() -> None:
    for name in _modules():
        source = (STATIC / name).read_text()
        for target in re.findall(r"^import .* from '(.+)';$", source, flags=re.MULTILINE):
            assert (STATIC / name).parent.joinpath(target).resolve().is_file(), (name, target)


def test_no_module_writes_markup_from_strings() -> None:
    # Customer messages are untrusted: text goes through textContent / DOM nodes only.
    for name in _modules():
        source = (STATIC / name).read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, (name, sink)
