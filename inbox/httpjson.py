"""The JSON error shape every HTTP route answers with."""

from __future__ import annotations

from aiohttp import web


def error_response(status: int, code: str, message: str) -> web.Response:
    """`{"error": {"code", "message"}}` with the given status."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


DB_UNAVAILABLE = "the database is unavailable; retry later"
