"""The CSV export: PostgreSQL's COPY writes exactly what Python's csv module would."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from inbox.services.analytics import export
from inbox.services.analytics.reports import EXPORT_COLUMNS, Period
from inbox.settings import Settings
from tests.factories import make_analytics, make_workspace

TRICKY = [0.0, 30.0, 0.1, 0.1 + 0.2, 1e-05, 12345.678, 86400.0, 1e15, 123456.789012345, 2.5e-7]


async def _export(workspace_id: object, period: Period) -> tuple[bytes, list[bytes]]:
    pieces: list[bytes] = []

    async def write(piece: bytes) -> None:
        pieces.append(piece)

    await export.write_csv(workspace_id, period, write)  # type: ignore[arg-type]
    return b"".join(pieces), pieces


async def test_copy_output_is_byte_for_byte_the_csv_modules(database: Settings) -> None:
    workspace = await make_workspace()
    rng = random.Random(7)
    values = [*TRICKY, *(rng.uniform(0, 1e6) for _ in range(40)), None]
    start = date(2026, 1, 1)
    expected_rows = []
    for n, median in enumerate(values):
        day = start + timedelta(days=n)
        p90 = None if median is None else median * 3
        await make_analytics(
            workspace,
            day,
            "messenger",
            total_messages=n,
            messages_in=n,
            median_first_response_seconds=median,
            p90_first_response_seconds=p90,
        )
        expected_rows.append([day, "messenger", n, n, 0, 0, median, p90])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(expected_rows)
    period = Period(start, start + timedelta(days=len(values)))
    body, _ = await _export(workspace.id, period)
    assert body.decode() == buffer.getvalue()


async def test_a_long_export_arrives_in_bounded_pieces(database: Settings) -> None:
    workspace = await make_workspace()
    start = date(2020, 1, 1)
    for n in range(1500):
        await make_analytics(workspace, start + timedelta(days=n), "whatsapp", total_messages=n)
    body, pieces = await _export(workspace.id, Period(start, start + timedelta(days=1499)))
    assert len(body.splitlines()) == 1501
    assert len(pieces) > 1
    assert max(len(p) for p in pieces) <= export.PIECE
