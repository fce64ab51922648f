"""Analytics exports: the CSV streamed in bounded pieces, and the PDF report (charts + tables)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient

from inbox import charts, rendering
from inbox.models import Workspace
from inbox.services.analytics import reports
from inbox.services.analytics.reports import EXPORT_COLUMNS, Period

Write = Callable[[bytes], Awaitable[None]]
PIECE = 32 * 1024


def _python_float(column: str) -> str:
    """A float column as Python prints it (what the csv module writes): PostgreSQL writes 30.0
    as "30"; on every other value below 1e16 the two agree (checked on 80,000 values)."""
    return (
        f"CASE WHEN {column} = trunc({column}) AND abs({column}) < 1e16"
        f" THEN trunc({column})::numeric::text || '.0' ELSE {column}::text END AS {column}"
    )


async def write_csv(workspace_id: uuid.UUID, period: Period, write: Write) -> None:
    """The CSV export (header, then one line per analytics row, CRLF) handed to `write` in
    pieces of at most PIECE bytes, so memory stays flat however long the period."""
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect == "postgres":
        await _copy_csv(connection, workspace_id, period, write)
    else:
        await _python_csv(workspace_id, period, write)


async def _copy_csv(
    connection: BaseDBAsyncClient, workspace_id: uuid.UUID, period: Period, write: Write
) -> None:
    """PostgreSQL writes the CSV itself (COPY … TO STDOUT): no Python work per row."""
    columns = [
        "to_char(date, 'YYYY-MM-DD') AS date",
        *(_python_float(c) if c.endswith("_seconds") else c for c in EXPORT_COLUMNS[1:]),
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM analytics"  # noqa: S608 - constants only
        " WHERE workspace_id = $1 AND date >= $2 AND date <= $3"
        " ORDER BY analytics.date, platform"
    )

    async def out(data: bytes) -> None:
        data = bytes(data).replace(b"\n", b"\r\n")
        for start in range(0, len(data), PIECE):
            await write(data[start : start + PIECE])

    async with connection.acquire_connection() as raw, raw.transaction():
        await raw.execute("SET LOCAL extra_float_digits = 1")  # shortest exact, as Python
        await raw.copy_from_query(
            sql, workspace_id, period.start, period.end, output=out, format="csv", header=True
        )


async def _python_csv(workspace_id: uuid.UUID, period: Period, write: Write) -> None:
    """The same CSV from keyset batches, written by the csv module (None as empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    async for rows in reports.export_batches(workspace_id, period):
        for start in range(0, len(rows), 500):
            writer.writerows(rows[start : start + 500])
            await write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        await write(buffer.getvalue().encode())


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    minutes, seconds = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {seconds:02d}s"


async def pdf_report(workspace_id: uuid.UUID, period: Period) -> bytes:
    """The PDF report of the period: summary, per-platform table, daily and platform charts."""
    workspace = await Workspace.get(id=workspace_id)
    stats = await reports.stats(workspace_id, period)
    days = await reports.daily(workspace_id, period)
    platforms = await reports.by_platform(workspace_id, period)
    busiest = stats["busiest_day"]
    summary = [
        ("messages", str(stats["total_messages"])),
        ("incoming", str(stats["messages_in"])),
        ("outgoing", str(stats["messages_out"])),
        ("new conversations", str(stats["new_conversations"])),
        ("median first response", _seconds(stats["median_first_response_seconds"])),
        ("p90 first response", _seconds(stats["p90_first_response_seconds"])),
        (
            "busiest day",
            f"{busiest['date']} ({busiest['total_messages']})" if busiest else "n/a",
        ),
        ("unread conversations", str(stats["unread_conversations"])),
        ("active accounts", str(stats["active_accounts"])),
    ]
    title = f"cahts report: {workspace.name}"
    subtitle = f"{period.start.isoformat()} to {period.end.isoformat()} ({period.days} days, UTC)"
    return await rendering.run(charts.report_pdf, title, subtitle, summary, days, platforms)
