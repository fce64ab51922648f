"""The OpenAPI document: valid 3.1, and in step with the router, the auth and the validators."""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from aiohttp.test_utils import TestClient
from jsonschema import Draft202012Validator

from web.api import schemas
from web.api.openapi import document

METHODS = {"get", "post", "put", "patch", "delete"}


def _router_routes(client: TestClient) -> dict[tuple[str, str], Any]:
    return {
        (route.method.lower(), route.resource.canonical): route.handler
        for route in client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.method.lower() in METHODS
    }


def _documented() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_the_document_is_valid_openapi_3_1() -> None:
    doc = document()
    assert doc["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(doc).validate()
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema), name
    ids = [op["operationId"] for op in _documented().values()]
    assert len(ids) == len(set(ids))


def test_every_reference_resolves() -> None:
    doc = document()
    text = json.dumps(doc)
    names = {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}
    assert names <= set(doc["components"]["schemas"])


async def test_every_api_route_is_documented_and_vice_versa(client: TestClient) -> None:
    routes = _router_routes(client)
    documented = _documented()
    assert set(routes) == set(documented)
    for key, handler in routes.items():
        operation = documented[key]
        needs_token = getattr(handler, "authenticated", False)
        assert bool(operation["security"]) == needs_token, key
        if needs_token:
            assert "401" in operation["responses"], key
        path_params = {p.strip("{}") for p in key[1].split("/") if p.startswith("{")}
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert path_params == declared, key


def test_request_bodies_are_the_schemas_the_server_validates_with() -> None:
    documented = _documented()
    expected = {
        ("post", "/api/auth/register"): schemas.REGISTER,
        ("post", "/api/auth/login"): schemas.LOGIN,
        ("post", "/api/auth/refresh"): schemas.REFRESH,
        ("post", "/api/auth/logout"): schemas.REFRESH,
        ("post", "/api/invites"): schemas.INVITE,
        ("post", "/api/platforms/whatsapp/connect"): schemas.WHATSAPP_CONNECT,
        ("post", "/api/messages"): schemas.SEND,
    }
    for key, schema in expected.items():
        assert documented[key]["requestBody"]["content"]["application/json"]["schema"] is schema
        for status in ("400", "413", "422"):
            assert status in documented[key]["responses"], (key, status)


async def test_the_document_is_served(client: TestClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    assert await response.json() == json.loads(json.dumps(document()))
