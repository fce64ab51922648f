"""Charts render as PNG and SVG from report rows, empty periods included; the PDF report."""

from __future__ import annotations

import io
from datetime import date, timedelta
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader

from inbox import charts


def _days(values: list[int]) -> list[dict[str, object]]:
    start = date(2026, 11, 1)
    return [
        {
            "date": (start + timedelta(days=n)).isoformat(),
            "messages_in": v,
            "messages_out": v // 2,
        }
        for n, v in enumerate(values)
    ]


PLATFORMS = [
    {"platform": "messenger", "total_messages": 30},
    {"platform": "whatsapp", "total_messages": 12},
]


@pytest.mark.parametrize("values", [[3, 0, 7, 1], [0] * 30, []])
def test_daily_chart_png_and_svg(values: list[int]) -> None:
    png = charts.daily_chart(_days(values), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = charts.daily_chart(_days(values), "svg").decode()
    assert "<svg" in svg
    assert "Messages per day" in svg


def test_platform_chart_labels_each_platform() -> None:
    svg = charts.platform_chart(PLATFORMS, "svg").decode()
    for words in ("messenger", "whatsapp", "30", "12"):
        assert words in svg
    assert charts.platform_chart([], "png").startswith(b"\x89PNG")
    assert charts.mime_type("svg") == "image/svg+xml"


def test_svg_output_is_reproducible() -> None:
    assert charts.daily_chart(_days([1, 2]), "svg") == charts.daily_chart(_days([1, 2]), "svg")


def test_report_pdf_pages_and_text() -> None:
    rows = [
        {**p, "messages_in": 1, "messages_out": 2, "new_conversations": 3, "share": 0.5}
        for p in PLATFORMS
    ]
    data = charts.report_pdf("Report X", "a subtitle", [("messages", "42")], _days([1, 2]), rows)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    for words in ("Report X", "a subtitle", "messages 42", "messenger 30 1 2 3 50%"):
        assert words in first
    empty = charts.report_pdf("Empty", "none", [], [], [])
    assert "no data for this period" in PdfReader(io.BytesIO(empty)).pages[0].extract_text()


def test_response_chart_shows_median_and_p90_in_minutes() -> None:
    rows = [
        {
            "platform": "messenger",
            "median_first_response_seconds": 600.0,
            "p90_first_response_seconds": 1800.0,
        },
        {
            "platform": "whatsapp",
            "median_first_response_seconds": None,
            "p90_first_response_seconds": None,
        },
    ]
    svg = charts.response_chart(rows, "svg").decode()
    for words in ("First response time", "messenger", " 10", " 30", "90% within"):
        assert words in svg
    assert "whatsapp" not in svg
    empty = charts.response_chart([], "svg").decode()
    assert "no replies in this period" in empty


def test_stats_chart_draws_days_platforms_and_response_times_under_a_title() -> None:
    platforms = [
        {
            "platform": "messenger",
            "messages_in": 21,
            "messages_out": 13,
            "median_first_response_seconds": 240.0,
            "p90_first_response_seconds": 1800.0,
        },
        {"platform": "whatsapp", "messages_in": 4, "messages_out": 0},
    ]
    svg = charts.stats_chart("Last 7 days · Acme", _days([3, 0, 7]), platforms, "svg").decode()
    for words in ("Last 7 days · Acme", "Messages per day", "Messages per platform"):
        assert words in svg
    for words in ("21 in / 13 out", "4 in / 0 out", "First response time", "30"):
        assert words in svg
    assert charts.stats_chart("Today", _days([]), [], "png").startswith(b"\x89PNG")


def test_digest_chart_has_one_bar_pair_per_hour() -> None:
    incoming = [0] * 24
    incoming[9], incoming[14] = 5, 2
    svg = charts.digest_chart("Acme Shop · Tue 24 Nov 2026", incoming, [1] * 24, "svg").decode()
    assert "Messages per hour (UTC)" in svg and "Acme Shop" in svg
    for label in ("00h", "09h", "21h"):
        assert label in svg
    assert charts.digest_chart("Quiet", [0] * 24, [0] * 24, "png").startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["$x^2$ & $$", "$$", "a $5 $10 shop", "\\frac{1}{2} $\\alpha$"])
def test_names_with_dollars_are_drawn_literally(name: str) -> None:
    svg = charts.digest_chart(f"{name} · Tue 24 Nov 2026", [1] * 24, [0] * 24, "svg").decode()
    assert escape(name) in svg
    assert charts.stats_chart(name, _days([1]), [], "png").startswith(b"\x89PNG")
    pdf = charts.report_pdf(f"cahts report: {name}", "period", [("figure", name)], [], [])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f"cahts report: {name}" in text
