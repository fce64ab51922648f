"""Charts (PNG, SVG) and the PDF report, drawn with matplotlib's Agg backend.

Everything here is synchronous and CPU-bound: call it through `inbox.rendering.run` from the
event loop. Figures are built with `matplotlib.figure.Figure` (no pyplot global state), so
concurrent renders in threads do not interfere.

Titles and labels carry names people chose (workspaces, accounts), so text is always drawn
literally: no mathtext (`$…$`), no LaTeX.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Literal, ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from inbox.platforms.registry import get_adapter

# A `$` in a name must print as a `$`, not start mathtext (which raised on `$$`: a 500).
PLAIN_TEXT: dict[RcKeyType, Any] = {"text.parse_math": False, "text.usetex": False}
matplotlib.rcParams.update(PLAIN_TEXT)

Format = Literal["png", "svg", "pdf"]
DEFAULT_COLOR = "#888888"
IN_COLOR, OUT_COLOR = "#4c72b0", "#dd8452"
A4 = (8.27, 11.69)
_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
P = ParamSpec("P")
R = TypeVar("R")


def plain_text(draw: Callable[P, R]) -> Callable[P, R]:
    """Build a figure with mathtext and LaTeX off, whatever the process's rcParams became."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with rc_context(PLAIN_TEXT):
            return draw(*args, **kwargs)

    return wrapper


def mime_type(fmt: Format) -> str:
    """The content type of a rendered chart."""
    return _MIME[fmt]


def render(figure: Figure, fmt: Format = "png") -> bytes:
    """The figure as PNG, SVG or PDF bytes."""
    buffer = io.BytesIO()
    style: dict[RcKeyType, Any] = {
        "pdf.fonttype": 42,
        "svg.fonttype": "none",
        "svg.hashsalt": "cahts",
        **PLAIN_TEXT,
    }
    with rc_context(style):
        figure.savefig(buffer, format=fmt, dpi=120, bbox_inches="tight", metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: Format) -> dict[str, Any] | None:
    if fmt == "pdf":
        return {"Creator": "cahts", "CreationDate": None}
    if fmt == "svg":
        return {"Date": None}
    return None


def _label(day: str) -> str:
    return date.fromisoformat(day).strftime("%d %b")


def _bars(
    ax: Any, heights: Sequence[float], bottoms: Sequence[float], color: str, label: str
) -> None:
    """Vertical bars (width 0.8, at 0, 1, 2, …) drawn as one collection, as `ax.bar` looks.

    `ax.bar` makes one artist per bar, which costs about 1 ms each to add and draw: a year of
    daily bars took most of a second. One PolyCollection draws them all at once.
    """
    half = 0.4
    boxes = [
        ((x - half, b), (x - half, b + h), (x + half, b + h), (x + half, b))
        for x, (h, b) in enumerate(zip(heights, bottoms, strict=True))
    ]
    bars = PolyCollection(boxes, facecolors=color, edgecolors="none", label=label)
    bars.sticky_edges.y.append(0)  # like ax.bar: the y axis starts at zero, no margin below
    ax.add_collection(bars)


def _draw_in_out(
    ax: Any,
    labels: Sequence[str],
    incoming: Sequence[int],
    outgoing: Sequence[int],
    title: str,
    step: int,
    rotation: int = 45,
) -> None:
    """Incoming and outgoing messages as stacked bars, one per label, on `ax`."""
    positions = range(len(labels))
    _bars(ax, incoming, [0] * len(incoming), IN_COLOR, "incoming")
    _bars(ax, outgoing, incoming, OUT_COLOR, "outgoing")
    ax.autoscale_view()
    ax.set_xticks(
        list(positions)[::step],
        list(labels)[::step],
        rotation=rotation,
        ha="right" if rotation else "center",
    )
    ax.set_ylabel("messages")
    ax.set_title(title)
    ax.legend(loc="upper left", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def draw_daily(ax: Any, days: Sequence[dict[str, Any]]) -> None:
    """Incoming and outgoing messages per day as stacked bars on `ax`."""
    labels = [_label(d["date"]) for d in days]
    incoming = [d["messages_in"] for d in days]
    outgoing = [d["messages_out"] for d in days]
    _draw_in_out(ax, labels, incoming, outgoing, "Messages per day", max(1, len(days) // 10))


def draw_hourly(ax: Any, incoming: Sequence[int], outgoing: Sequence[int]) -> None:
    """Incoming and outgoing messages per UTC hour of one day as stacked bars on `ax`."""
    labels = [f"{hour:02d}h" for hour in range(len(incoming))]
    _draw_in_out(ax, labels, incoming, outgoing, "Messages per hour (UTC)", 3, rotation=0)


def platform_color(platform: str) -> str:
    """The colour a platform is drawn in (its adapter's), grey when unknown."""
    adapter = get_adapter(platform)
    return adapter.color if adapter is not None else DEFAULT_COLOR


def draw_platforms(ax: Any, platforms: Sequence[dict[str, Any]]) -> None:
    """Messages per platform as horizontal bars on `ax`."""
    names = [p["platform"] for p in platforms]
    totals = [p["total_messages"] for p in platforms]
    colors = [platform_color(n) for n in names]
    ax.barh(names, totals, color=colors)
    for y, total in enumerate(totals):
        ax.text(total, y, f" {total}", va="center")
    ax.set_xlabel("messages")
    ax.set_title("Messages per platform")
    ax.spines[["top", "right"]].set_visible(False)


def draw_platform_split(ax: Any, platforms: Sequence[dict[str, Any]]) -> None:
    """Incoming and outgoing messages per platform as stacked horizontal bars on `ax`."""
    names = [p["platform"] for p in platforms]
    incoming = [p["messages_in"] for p in platforms]
    outgoing = [p["messages_out"] for p in platforms]
    ax.barh(names, incoming, color=IN_COLOR, label="incoming")
    ax.barh(names, outgoing, left=incoming, color=OUT_COLOR, label="outgoing")
    for y, (got, sent) in enumerate(zip(incoming, outgoing, strict=True)):
        ax.text(got + sent, y, f" {got} in / {sent} out", va="center")
    ax.set_xlabel("messages")
    ax.set_title("Messages per platform")
    ax.margins(x=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def draw_response_times(ax: Any, platforms: Sequence[dict[str, Any]]) -> None:
    """Median and 90th-percentile first response time per platform, in minutes, on `ax`."""
    rows = [p for p in platforms if p.get("median_first_response_seconds") is not None]
    positions = range(len(rows))
    medians = [p["median_first_response_seconds"] / 60 for p in rows]
    p90s = [(p.get("p90_first_response_seconds") or 0) / 60 for p in rows]
    colors = [platform_color(p["platform"]) for p in rows]
    ax.barh([y + 0.2 for y in positions], medians, height=0.4, color=colors, label="median")
    ax.barh([y - 0.2 for y in positions], p90s, height=0.4, color="#c9cde0", label="90% within")
    for y, (median, p90) in enumerate(zip(medians, p90s, strict=True)):
        ax.text(median, y + 0.2, f" {median:.0f}", va="center")
        ax.text(p90, y - 0.2, f" {p90:.0f}", va="center")
    ax.set_yticks(list(positions), [p["platform"] for p in rows])
    ax.set_xlabel("minutes to the first reply")
    ax.set_title("First response time")
    if rows:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False)
    else:
        ax.text(
            0.5, 0.5, "no replies in this period", ha="center", va="center", transform=ax.transAxes
        )
    ax.spines[["top", "right"]].set_visible(False)


@plain_text
def daily_chart(days: Sequence[dict[str, Any]], fmt: Format = "png") -> bytes:
    """The messages-per-day chart (items of `reports.daily`)."""
    figure = Figure(figsize=(8, 4))
    draw_daily(figure.add_subplot(), days)
    return render(figure, fmt)


@plain_text
def platform_chart(platforms: Sequence[dict[str, Any]], fmt: Format = "png") -> bytes:
    """The messages-per-platform chart (items of `reports.by_platform`)."""
    figure = Figure(figsize=(6, 3))
    draw_platforms(figure.add_subplot(), platforms)
    return render(figure, fmt)


@plain_text
def response_chart(platforms: Sequence[dict[str, Any]], fmt: Format = "png") -> bytes:
    """The first-response-time chart (items of `reports.by_platform`)."""
    figure = Figure(figsize=(6, 3))
    draw_response_times(figure.add_subplot(), platforms)
    return render(figure, fmt)


@plain_text
def stats_chart(
    title: str,
    days: Sequence[dict[str, Any]],
    platforms: Sequence[dict[str, Any]],
    fmt: Format = "png",
) -> bytes:
    """Messages per day (in and out) over messages and first response time per platform."""
    figure = Figure(figsize=(10, 7.5))
    figure.suptitle(title, fontsize=13, fontweight="bold")
    grid = figure.add_gridspec(2, 2, height_ratios=[3, 2])
    draw_daily(figure.add_subplot(grid[0, :]), days)
    draw_platform_split(figure.add_subplot(grid[1, 0]), platforms)
    draw_response_times(figure.add_subplot(grid[1, 1]), platforms)
    figure.tight_layout(pad=1.5)
    return render(figure, fmt)


@plain_text
def digest_chart(
    title: str, incoming: Sequence[int], outgoing: Sequence[int], fmt: Format = "png"
) -> bytes:
    """One day's messages per hour (in and out) under a title (the daily Slack digest)."""
    figure = Figure(figsize=(8, 3.5))
    figure.suptitle(title, fontsize=12, fontweight="bold")
    draw_hourly(figure.add_subplot(), incoming, outgoing)
    figure.tight_layout(pad=1.2)
    return render(figure, fmt)


def _table(ax: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    if not rows:
        ax.text(0, 0.5, "no data for this period", fontsize=10)
        return
    table = ax.table(cellText=rows, colLabels=header, loc="upper left", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.4)


@plain_text
def report_pdf(
    title: str,
    subtitle: str,
    summary: Sequence[tuple[str, str]],
    days: Sequence[dict[str, Any]],
    platforms: Sequence[dict[str, Any]],
) -> bytes:
    """A two-page A4 PDF: summary and per-platform tables, then the charts."""
    buffer = io.BytesIO()
    with (
        rc_context({"pdf.fonttype": 42, **PLAIN_TEXT}),
        PdfPages(
            buffer,
            metadata={
                "Title": title,
                "Subject": subtitle,
                "Creator": "cahts",
                "CreationDate": None,
            },
        ) as pdf,
    ):
        first = Figure(figsize=A4)
        first.suptitle(title, x=0.08, ha="left", fontsize=16, fontweight="bold")
        first.text(0.08, 0.935, subtitle, fontsize=10)
        top, bottom = first.subplots(2, 1, gridspec_kw={"height_ratios": [1, 1]})
        _table(top, "Summary", ("figure", "value"), [list(pair) for pair in summary])
        _table(
            bottom,
            "Per platform",
            ("platform", "messages", "in", "out", "new conv.", "share"),
            [
                [
                    p["platform"],
                    str(p["total_messages"]),
                    str(p["messages_in"]),
                    str(p["messages_out"]),
                    str(p["new_conversations"]),
                    f"{p['share'] * 100:.0f}%",
                ]
                for p in platforms
            ],
        )
        pdf.savefig(first)
        second = Figure(figsize=A4)
        upper, lower = second.subplots(2, 1)
        draw_daily(upper, days)
        draw_platforms(lower, platforms)
        second.tight_layout(pad=3)
        pdf.savefig(second)
    return buffer.getvalue()
