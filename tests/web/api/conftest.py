"""API tests: settings with a Meta app and a public URL, and a signed-in user per workspace."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from inbox.appkeys import SETTINGS
from inbox.models import PlatformAccount, User, Workspace
from inbox.settings import Settings, load_settings
from tests.conftest import cahts_env, truncate
from tests.factories import make_account, make_owner, make_workspace
from tests.fakes.graph import FakeGraph
from tests.helpers import bearer
from web.app import create_app

META_APP_ID = "1234567890"
PUBLIC_URL = "https://inbox.example.com"


@pytest.fixture
def settings(pg_database: str, graph: FakeGraph) -> Settings:
    """The shared test settings plus a Meta app id and a public URL (OAuth redirects)."""
    env = cahts_env(
        pg_database, META_GRAPH_URL=graph.url, META_APP_ID=META_APP_ID, PUBLIC_URL=PUBLIC_URL
    )
    return load_settings(env, read_dotenv=False)


@pytest.fixture
async def open_client(settings: Settings, aiohttp_client: Any) -> TestClient:
    """The whole app with ALLOW_SIGNUP=true (anyone may open a workspace), on an empty database."""
    await truncate(settings.database_url)
    return await aiohttp_client(create_app(dataclasses.replace(settings, allow_signup=True)))


@dataclass
class Member:
    """A signed-in user with their workspace, one Messenger account, and auth headers."""

    user: User
    workspace: Workspace
    account: PlatformAccount
    headers: dict[str, str]


async def signed_in(client: TestClient, name: str, email: str, external_id: str) -> Member:
    """A new workspace with an owner and a Messenger account."""
    settings = client.app[SETTINGS]
    workspace = await make_workspace(name)
    user = await make_owner(workspace, email)
    account = await make_account(
        workspace, "messenger", external_id, key=settings.token_encryption_keys[0]
    )
    return Member(user, workspace, account, await bearer(user, settings.jwt_secret))


@pytest.fixture
async def alice(client: TestClient) -> Member:
    """The owner of workspace A."""
    return await signed_in(client, "A", "alice@example.com", "111111111111111")
