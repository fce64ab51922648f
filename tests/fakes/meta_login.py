"""Facebook Login on the fake Graph API: code exchange, long-lived token, Pages, subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.graph import FakeGraph, graph_error

SHORT_TOKEN = "EAA-short-user-token"
LONG_TOKEN = "EAA-long-user-token"


def default_pages() -> list[dict[str, Any]]:
    """A Page with an Instagram account linked, and a Page without."""
    return [
        {
            "id": "104578291736452",
            "name": "Acme Shop",
            "access_token": "EAA-page-token-1",
            "instagram_business_account": {"id": "17841465123456789", "username": "acme.shop"},
        },
        {"id": "200000000000002", "name": "Acme Outlet", "access_token": "EAA-page-token-2"},
    ]


@dataclass
class MetaLogin:
    """Answers like Meta for one valid login `code`, granting `pages`."""

    fake: FakeGraph
    app_id: str
    app_secret: str
    redirect_uri: str
    code: str = "fb-login-code"
    pages: list[dict[str, Any]] = field(default_factory=default_pages)
    whatsapp_numbers: dict[str, str] = field(default_factory=dict)

    def install(self) -> MetaLogin:
        """Add the routes to the fake."""
        self.fake.routes["GET /oauth/access_token"] = self._token
        self.fake.routes["GET /me/accounts"] = self._accounts
        self.fake.routes["POST /subscribed_apps"] = self._ok
        self.fake.routes["DELETE /subscribed_apps"] = self._ok
        for number in self.whatsapp_numbers:
            self.fake.routes[f"GET /{number}"] = self._number
        return self

    def add_whatsapp(self, phone_number_id: str, token: str) -> None:
        """Make Meta know this number with this token."""
        self.whatsapp_numbers[phone_number_id] = token
        self.fake.routes[f"GET /{phone_number_id}"] = self._number

    async def _token(self, request: web.Request, path: str, body: Any) -> web.Response:
        query = request.query
        if query.get("client_id") != self.app_id or query.get("client_secret") != self.app_secret:
            return _error(graph_error(101, "Error validating application."))
        if query.get("grant_type") == "fb_exchange_token":
            if query.get("fb_exchange_token") != SHORT_TOKEN:
                return _error(graph_error(190, "Invalid OAuth access token."))
            return web.json_response(
                {"access_token": LONG_TOKEN, "token_type": "bearer", "expires_in": 5183944}
            )
        if query.get("code") != self.code or query.get("redirect_uri") != self.redirect_uri:
            return _error(graph_error(100, "Invalid verification code format."))
        return web.json_response(
            {"access_token": SHORT_TOKEN, "token_type": "bearer", "expires_in": 3600}
        )

    async def _accounts(self, request: web.Request, path: str, body: Any) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {LONG_TOKEN}":
            return _error(graph_error(190, "Invalid OAuth access token."))
        return web.json_response({"data": self.pages})

    async def _ok(self, request: web.Request, path: str, body: Any) -> web.Response:
        return web.json_response({"success": True})

    async def _number(self, request: web.Request, path: str, body: Any) -> web.Response:
        number = path.strip("/")
        if request.headers.get("Authorization") != f"Bearer {self.whatsapp_numbers.get(number)}":
            return _error(graph_error(190, "Invalid OAuth access token."))
        return web.json_response(
            {"id": number, "display_phone_number": "+1 555-0100", "verified_name": "Acme WA"}
        )


def _error(answer: Any) -> web.Response:
    return web.json_response(answer.body, status=answer.status)
