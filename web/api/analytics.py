"""`/api/analytics/*`: daily series, per-platform split, headline stats, charts, exports."""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web

from inbox import charts, rendering
from inbox.services.analytics import export, reports
from inbox.services.analytics.reports import MAX_DAYS, MAX_EXPORT_DAYS, Period
from web.api.common import (
    ApiError,
    authenticated,
    query_choice,
    query_int,
    query_platform,
    workspace_id,
)
from web.api.schemas import ref
from web.api.spec import DAYS, PLATFORM, Paths, json_answer, operation, query

DEFAULT_DAYS = 30
CHART_KINDS = ("daily", "platform", "response")
EXPORTS = rendering.Slots("EXPORTS_PER_WORKSPACE")


def _period(request: web.Request, most: int = MAX_DAYS) -> Period:
    return Period.last(query_int(request, "days", DEFAULT_DAYS, 1, most))


def _report(period: Period, items: list[dict[str, Any]]) -> web.Response:
    return web.json_response(
        {
            "days": period.days,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "items": items,
        }
    )


@authenticated
async def daily(request: web.Request) -> web.Response:
    """Messages and new conversations per day (UTC), oldest first, zeros included."""
    period = _period(request)
    items = await reports.daily(workspace_id(request), period, query_platform(request))
    return _report(period, items)


@authenticated
async def per_platform(request: web.Request) -> web.Response:
    """The period's figures per platform."""
    period = _period(request)
    return _report(period, await reports.by_platform(workspace_id(request), period))


@authenticated
async def stats(request: web.Request) -> web.Response:
    """Headline figures of the period and the inbox's unread state now."""
    return web.json_response(await reports.stats(workspace_id(request), _period(request)))


@authenticated
async def chart(request: web.Request) -> web.Response:
    """A chart image: `kind=daily|platform|response`, `format=png|svg`."""
    kind = query_choice(request, "kind", CHART_KINDS) or "daily"
    fmt = cast(charts.Format, query_choice(request, "format", ("png", "svg")) or "png")
    period = _period(request)
    wid = workspace_id(request)
    if kind == "daily":
        image = await rendering.run(charts.daily_chart, await reports.daily(wid, period), fmt)
    else:
        rows = await reports.by_platform(wid, period)
        draw = charts.platform_chart if kind == "platform" else charts.response_chart
        image = await rendering.run(draw, rows, fmt)
    return web.Response(body=image, content_type=charts.mime_type(fmt))


@authenticated
async def export_report(request: web.Request) -> web.StreamResponse:
    """The period as CSV (streamed, one row per date and platform) or as a PDF report; a few
    at once per workspace (429 with Retry-After past EXPORTS_PER_WORKSPACE)."""
    fmt = query_choice(request, "format", ("csv", "pdf"))
    if fmt is None:
        raise ApiError(400, "bad_request", "format: is required (csv or pdf)", field="format")
    period = _period(request, MAX_EXPORT_DAYS)
    wid = workspace_id(request)
    try:
        with EXPORTS.hold(wid):
            return await _export(request, fmt, period)
    except rendering.Busy as exc:
        raise ApiError(
            429,
            "rate_limited",
            f"this workspace already has {exc.limit} export(s) under way; try again shortly",
            headers={"Retry-After": str(exc.retry_after)},
        ) from exc


async def _export(request: web.Request, fmt: str, period: Period) -> web.StreamResponse:
    name = f"cahts-analytics-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    wid = workspace_id(request)
    if fmt == "pdf":
        body = await export.pdf_report(wid, period)
        return web.Response(body=body, content_type="application/pdf", headers=disposition)
    response = web.StreamResponse(
        headers={**disposition, "Content-Type": "text/csv; charset=utf-8"}
    )
    await response.prepare(request)
    await export.write_csv(wid, period, response.write)
    await response.write_eof()
    return response


def setup(app: web.Application) -> None:
    """Mount the analytics routes."""
    app.router.add_get("/api/analytics/daily", daily, allow_head=False)
    app.router.add_get("/api/analytics/platform", per_platform, allow_head=False)
    app.router.add_get("/api/analytics/stats", stats, allow_head=False)
    app.router.add_get("/api/analytics/chart", chart, allow_head=False)
    app.router.add_get("/api/analytics/export", export_report, allow_head=False)


def operations() -> Paths:
    """The OpenAPI description of these routes."""
    binary = {"type": "string", "format": "binary"}
    return {
        "/api/analytics/daily": {
            "get": operation(
                "analyticsDaily",
                "Per day (UTC), oldest first, zeros included",
                "analytics",
                {200: json_answer(ref("DailyReport"), "The series")},
                params=[DAYS, PLATFORM],
            )
        },
        "/api/analytics/platform": {
            "get": operation(
                "analyticsPlatform",
                "Per platform over the period",
                "analytics",
                {200: json_answer(ref("PlatformReport"), "The split")},
                params=[DAYS],
            )
        },
        "/api/analytics/stats": {
            "get": operation(
                "analyticsStats",
                "Headline figures and the unread state",
                "analytics",
                {200: json_answer(ref("Stats"), "The figures")},
                params=[DAYS],
            )
        },
        "/api/analytics/chart": {
            "get": operation(
                "analyticsChart",
                "A chart image of the period",
                "analytics",
                {
                    200: {
                        "description": "The chart",
                        "content": {
                            "image/png": {"schema": binary},
                            "image/svg+xml": {"schema": {"type": "string"}},
                        },
                    }
                },
                params=[
                    query("kind", {"type": "string", "enum": list(CHART_KINDS)}, "the chart"),
                    query("format", {"type": "string", "enum": ["png", "svg"]}, "image format"),
                    DAYS,
                ],
            )
        },
        "/api/analytics/export": {
            "get": operation(
                "analyticsExport",
                "CSV (one row per date and platform, streamed) or a PDF report",
                "analytics",
                {
                    200: {
                        "description": "The file",
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/pdf": {"schema": binary},
                        },
                    }
                },
                errors=(429,),
                params=[
                    {
                        **query("format", {"type": "string", "enum": ["csv", "pdf"]}, "file type"),
                        "required": True,
                    },
                    {**DAYS, "schema": {**DAYS["schema"], "maximum": MAX_EXPORT_DAYS}},
                ],
            )
        },
    }
