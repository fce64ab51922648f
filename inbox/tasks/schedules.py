"""Schedule labels for periodic tasks: a cron by default, an interval when the environment says."""

from __future__ import annotations

from typing import Any

from inbox.settings import ConfigError, option


def every(variable: str, *, cron: str) -> list[dict[str, Any]]:
    """`[{"cron": cron}]`, or `[{"interval": n}]` when the variable holds n whole seconds ≥ 1."""
    raw = option(variable) or ""
    if not raw:
        return [{"cron": cron}]
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ConfigError(f"{variable} must be a whole number of seconds ≥ 1, not {raw!r}")
    return [{"interval": int(raw)}]
