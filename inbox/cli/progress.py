"""A progress bar for long commands: redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """`[#####-----]  50% text` on a TTY; elsewhere (logs, CI) a line per 10% step."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stdout
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._drawn_at = 0.0
        self._step: int | None = None
        self._open = False

    def show(self, fraction: float | None, text: str, *, force: bool = False) -> None:
        """Report progress (`fraction` in [0, 1], or None when unknown) with a short text."""
        share = None if fraction is None else min(max(fraction, 0.0), 1.0)
        percent = "" if share is None else f"{round(share * 100):3d}% "
        if self.tty:
            now = time.monotonic()
            if not force and now - self._drawn_at < 0.1:
                return
            self._drawn_at = now
            filled = 0 if share is None else round(share * self.width)
            bar = f"[{'#' * filled}{'-' * (self.width - filled)}] " if share is not None else ""
            self.stream.write(f"\r{bar}{percent}{text}\x1b[K")
            self._open = True
        else:
            step = None if share is None else int(share * 10)
            if not force and share is not None and step == self._step:
                return
            self._step = step
            self.stream.write(f"{percent}{text}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.tty and self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
