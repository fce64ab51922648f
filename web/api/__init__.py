"""The REST API (JSON, bearer JWT) mounted under /api."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from inbox.appkeys import SETTINGS
from inbox.graph import GraphClient
from inbox.services.accounts.crypto import TokenCipher
from web.api import analytics, auth, catalog, messages, openapi, platforms, templates
from web.api.common import API_CIPHER, API_GRAPH


async def _clients(app: web.Application) -> AsyncIterator[None]:
    """The Graph client and token cipher the API's views use."""
    settings = app[SETTINGS]
    graph = GraphClient(settings.meta_graph_url, apis=settings.api_urls)
    app[API_GRAPH] = graph
    app[API_CIPHER] = TokenCipher(settings.token_encryption_keys)
    yield
    await graph.close()


def setup(app: web.Application) -> None:
    """Mount every /api route (webhooks are mounted by bridge)."""
    app.cleanup_ctx.append(_clients)
    auth.setup(app)
    catalog.setup(app)
    platforms.setup(app)
    messages.setup(app)
    templates.setup(app)
    analytics.setup(app)
    openapi.setup(app)
