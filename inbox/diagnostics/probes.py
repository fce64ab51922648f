"""Checks that ask something: the database and its schema, Redis, each account's token."""

from __future__ import annotations

import asyncio

from tortoise import Tortoise

from inbox import db
from inbox.diagnostics.findings import Finding
from inbox.graph import GraphClient
from inbox.models import PlatformAccount, User
from inbox.schema import SchemaError, migration_files, schema_state
from inbox.services.accounts.crypto import TokenCipher
from inbox.services.accounts.token_care import check_account
from inbox.settings import Settings, describe_database, sqlite_path

PROBE_SECONDS = 10.0


async def open_database(settings: Settings) -> Finding:
    """Connect this process to the database (left open when ok)."""
    where = describe_database(settings)
    path = sqlite_path(settings.database_url) if settings.is_sqlite else None
    if path is not None and not path.exists():
        return Finding(
            "database",
            "warn",
            f"{where} does not exist yet",
            "start `cahts serve` (or run `cahts migrate`) once to create it, or point "
            "CAHTS_DATA_DIR / DATABASE_URL at the existing one",
        )
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            await db.connect(settings)
            await Tortoise.get_connection("default").execute_query("SELECT 1")
    except Exception as exc:  # whatever the driver raises, the operator needs its words
        return Finding(
            "database",
            "fail",
            f"{where} cannot be reached: {type(exc).__name__}: {str(exc)[:200]}",
            "check DATABASE_URL and that the database server runs and accepts this user",
        )
    return Finding("database", "ok", where)


async def schema_finding() -> Finding:
    """Whether the connected database has exactly the migrations this code ships."""
    try:
        state = await schema_state()
    except SchemaError as exc:
        return Finding("schema", "fail", str(exc), "reinstall cahts")
    if state.unknown:
        return Finding(
            "schema",
            "fail",
            state.describe(),
            "run the cahts version that migrated this database, or a newer one",
        )
    if state.pending:
        return Finding("schema", "fail", state.describe(), "run `cahts migrate`")
    return Finding("schema", "ok", f"current ({len(migration_files())} migrations)")


async def users_finding() -> Finding:
    """Whether anyone can sign in to the dashboard yet."""
    count = await User.all().count()
    if count:
        return Finding("users", "ok", f"{count} dashboard user(s)")
    return Finding(
        "users",
        "warn",
        "no dashboard user yet",
        "open the dashboard to register the first user, or run `cahts createuser EMAIL`",
    )


async def redis_finding(settings: Settings) -> Finding:
    """Redis answers PING (when configured)."""
    if not settings.redis_url:
        return Finding("Redis", "ok", "not used: tasks and events run in this process")
    import redis.asyncio as aioredis

    client = aioredis.from_url(
        settings.redis_url, socket_connect_timeout=PROBE_SECONDS, socket_timeout=PROBE_SECONDS
    )
    try:
        await client.ping()
    except Exception as exc:
        return Finding(
            "Redis",
            "fail",
            f"does not answer: {type(exc).__name__}",
            "check REDIS_URL and that Redis runs",
        )
    finally:
        await client.aclose()
    return Finding("Redis", "ok", "answers")


async def account_findings(settings: Settings) -> list[Finding]:
    """Each active account's token and webhook subscription, asked of the Graph API."""
    accounts = await PlatformAccount.filter(is_active=True).order_by("platform", "name")
    if not accounts:
        return [
            Finding(
                "accounts",
                "warn",
                "no platform account is connected",
                "connect one in the dashboard, or with `cahts account add`",
            )
        ]
    graph = GraphClient(settings.meta_graph_url)
    cipher = TokenCipher(settings.token_encryption_keys)
    found: list[Finding] = []
    try:
        for account in accounts:
            name = f"account {account.platform} {account.name or account.external_id}"
            try:
                async with asyncio.timeout(PROBE_SECONDS * 2):
                    check = await check_account(
                        account, graph=graph, cipher=cipher, settings=settings
                    )
            except Exception as exc:
                found.append(Finding(name, "fail", f"Graph API unreachable: {type(exc).__name__}"))
                continue
            if check.reason:
                found.append(
                    Finding(name, "fail", check.reason, "reconnect the account in the dashboard")
                )
            elif not check.verified:
                found.append(
                    Finding(
                        name,
                        "warn",
                        "token not verified (set META_APP_ID and META_APP_SECRET to check it)",
                    )
                )
            else:
                found.append(Finding(name, "ok", "token valid, webhooks subscribed"))
    finally:
        await graph.close()
    return found
