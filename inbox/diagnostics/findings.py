"""One line of a checklist: what was checked, how it went, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "off"]
MARKS: dict[Status, str] = {"ok": "[ok]  ", "warn": "[warn]", "fail": "[FAIL]", "off": "[off] "}


@dataclass(frozen=True, slots=True)
class Finding:
    """A checked item: ok, a warning, a failure, or an integration that is off; with its fix."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def line(self) -> str:
        """The finding as one checklist line (and its fix on the next)."""
        text = f"{MARKS[self.status]} {self.name}: {self.detail}"
        return f"{text}\n         fix: {self.fix}" if self.fix else text
