"""Analytics exports: CSV produced row by row, and the PDF report (charts + summary table)."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator

from inbox import charts
from inbox.models import Workspace
from inbox.services import reports
from inbox.services.reports import EXPORT_COLUMNS, Period


async def csv_chunks(
    workspace_id: uuid.UUID, period: Period, rows_per_chunk: int = 500
) -> AsyncIterator[bytes]:
    """The CSV export (header, then one line per analytics row) in chunks of bounded size.

    Cells are the column values as csv writes them: None as empty, a date as its ISO form.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    async for rows in reports.export_batches(workspace_id, period):
        for start in range(0, len(rows), rows_per_chunk):
            writer.writerows(rows[start : start + rows_per_chunk])
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


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
    return await asyncio.to_thread(charts.report_pdf, title, subtitle, summary, days, platforms)
