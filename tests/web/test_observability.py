"""Health, readiness and metrics of a running app on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from inbox import schema
from inbox.appkeys import SETTINGS
from inbox.models import PlatformAccount
from inbox.settings import load_settings
from tests.conftest import APP_SECRET, PG_URL, _recreate_database, cahts_env
from tests.factories import connect_fixture_accounts
from tests.helpers import fixture_bytes, sign_meta
from web.app import create_app


async def test_healthz_and_readyz(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"]["database"] == "ok"


async def test_readyz_is_down_when_the_database_is(aiohttp_client: object) -> None:
    url = PG_URL + "_ready"
    await _recreate_database(url)
    await schema.migrate(url)
    client = await aiohttp_client(create_app(load_settings(cahts_env(url), read_dotenv=False)))  # type: ignore[operator]
    assert (await client.get("/readyz")).status == 200
    await _recreate_database(url)  # drops it (killing our connections) and makes an empty one
    down = await client.get("/readyz")
    assert down.status == 503
    body = await down.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] != "ok"
    assert (await client.get("/healthz")).status == 200


async def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert len(made.headers["X-Request-Id"]) == 32


async def test_metrics_after_traffic(client: TestClient) -> None:
    _, accounts = await connect_fixture_accounts(client.app[SETTINGS].token_encryption_keys[0])
    soon = datetime.now(UTC) + timedelta(days=3)
    await PlatformAccount.filter(id=accounts["messenger"].id).update(token_expires_at=soon)
    before = await (await client.get("/metrics")).text()

    def value(text: str, line_start: str) -> float:
        for line in text.splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    accepted = 'cahts_webhooks_total{outcome="accepted",platform="messenger"}'
    rejected = 'cahts_webhooks_total{outcome="bad_signature",platform="messenger"}'
    body = fixture_bytes("messenger", "text")
    await client.post("/api/webhooks/messenger", data=body, headers=sign_meta(body, APP_SECRET))
    await client.post("/api/webhooks/messenger", data=body, headers=sign_meta(body, "nope"))
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert value(text, accepted) == value(before, accepted) + 1
    assert value(text, rejected) == value(before, rejected) + 1
    assert 'cahts_ingest_seconds_count{platform="messenger"}' in text
    expiry = value(text, f'cahts_token_expiry_seconds{{account_id="{accounts["messenger"].id}"')
    assert 2 * 86400 < expiry <= 3 * 86400
    assert "cahts_outbox_pending 0.0" in text


async def test_metrics_token_is_required_when_configured(
    pg_database: str, aiohttp_client: object
) -> None:
    env = cahts_env(pg_database, METRICS_TOKEN="scrape-me-please")
    client = await aiohttp_client(create_app(load_settings(env, read_dotenv=False)))  # type: ignore[operator]
    assert (await client.get("/metrics")).status == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    ok = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
    assert ok.status == 200
