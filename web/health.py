"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web
from tortoise import Tortoise

from inbox.appkeys import SETTINGS
from inbox.schema import SchemaError, schema_state


async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers with the schema this code ships (not missing, behind or newer),
    and the broker (Redis) answers."""
    checks: dict[str, str] = {}
    try:
        await Tortoise.get_connection("default").execute_query("SELECT 1")
        checks["database"] = (await schema_state()).describe()
    except SchemaError as exc:
        checks["database"] = str(exc)
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    redis_url = request.app[SETTINGS].redis_url
    if redis_url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            await client.ping()
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unavailable: {type(exc).__name__}"
        finally:
            await client.aclose()
    else:
        checks["broker"] = "ok (in-process)"
    ready = all(v.startswith("ok") for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def setup(app: web.Application) -> None:
    """Mount the health routes."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
