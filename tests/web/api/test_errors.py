"""Bad requests get JSON errors with the right status, never a 500."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.web.api.conftest import Member


async def _error(response: object, status: int) -> dict[str, str]:
    assert response.status == status  # type: ignore[attr-defined]
    assert response.content_type == "application/json"  # type: ignore[attr-defined]
    return (await response.json())["error"]  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("path", ["/api/nope", "/api/messages/1/2/3", "/api/auth"])
async def test_unknown_api_routes_are_404_json(
    client: TestClient, alice: Member, path: str
) -> None:
    error = await _error(await client.get(path, headers=alice.headers), 404)
    assert error["code"] == "not_found"


async def test_wrong_method_is_405_with_allow(client: TestClient, alice: Member) -> None:
    response = await client.put("/api/messages", headers=alice.headers)
    error = await _error(response, 405)
    assert error["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}
    assert (await client.delete("/api/auth/login")).status == 405


async def test_a_body_over_the_api_limit_is_413(client: TestClient, alice: Member) -> None:
    big = b'{"conversation_id": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(
        "/api/messages",
        data=big,
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert (await _error(response, 413))["code"] == "payload_too_large"


async def test_a_body_over_the_server_limit_is_413(client: TestClient) -> None:
    big = b"x" * (5 * 1024 * 1024)
    response = await client.post(
        "/api/auth/login", data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "bad_request"),
        (b"{not json", "malformed_json"),
        (b"\xff\xfe", "malformed_json"),
        (b"[1, 2]", "bad_request"),
        (b'"text"', "bad_request"),
        (b"null", "bad_request"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed_json"),  # once a 500 (RecursionError)
        (b'{"email": ' + b"[" * 70 + b"]" * 70 + b"}", "malformed_json"),
        (b'{"email": NaN, "password": 1e999}', "malformed_json"),
    ],
)
async def test_unusable_bodies_are_400(client: TestClient, data: bytes, code: str) -> None:
    response = await client.post(
        "/api/auth/login", data=data, headers={"Content-Type": "application/json"}
    )
    error = await _error(response, 400)
    assert error["code"] == code
    assert error["field"] == "body"


@pytest.mark.parametrize("escaped", [r"\ud800", r"nul\u0000byte"], ids=["surrogate", "nul"])
async def test_text_that_cannot_be_stored_is_422(client: TestClient, escaped: str) -> None:
    body = '{"email": "a@example.com", "password": "long enough", "name": "' + escaped + '"}'
    response = await client.post(
        "/api/auth/register", data=body, headers={"Content-Type": "application/json"}
    )
    error = await _error(response, 422)
    assert error["field"] == "name"


async def test_bad_query_text_is_400_not_500(client: TestClient, alice: Member) -> None:
    response = await client.get("/api/messages?q=%ED%A0%80%00", headers=alice.headers)
    assert (await _error(response, 400))["field"] == "q"
    callback = await client.get("/api/platforms/callback?state=%00&code=%ED%A0%80")
    assert (await _error(callback, 400))["field"] == "state"
