"""The progress bar: redrawn in place on a terminal, a line per 10 % step elsewhere."""

from __future__ import annotations

import io

from inbox.cli.progress import ProgressBar


class Terminal(io.StringIO):
    """A stream that says it is a TTY."""

    def isatty(self) -> bool:
        """Yes."""
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    screen = Terminal()
    bar = ProgressBar(screen, width=10)
    bar.show(0.5, "half", force=True)
    bar.show(1.0, "done", force=True)
    bar.close()
    assert screen.getvalue() == ("\r[#####-----]  50% half\x1b[K\r[##########] 100% done\x1b[K\n")


def test_elsewhere_one_plain_line_per_ten_percent() -> None:
    log = io.StringIO()
    bar = ProgressBar(log)
    for step in range(0, 21):
        bar.show(step / 20, f"step {step}")
    bar.show(None, "unknown share")
    bar.close()
    lines = log.getvalue().splitlines()
    assert lines[0] == "  0% step 0"
    assert lines[-2] == "100% step 20"
    assert lines[-1] == "unknown share"
    assert len(lines) == 12
    assert "\r" not in log.getvalue()
