"""What `cahts serve` says when it starts and stops: where to go next, what is off, and what
a production deployment must not run with."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator

from aiohttp import web

from inbox.appkeys import SETTINGS
from inbox.diagnostics.config import config_findings, webhook_urls
from inbox.diagnostics.findings import Finding
from inbox.models import User
from inbox.settings import Settings, describe_database

log = logging.getLogger("cahts")


def start_report(settings: Settings, users: int) -> list[tuple[int, str]]:
    """The start lines with their log level; the verify token only where it may be shown."""
    base = settings.public_url
    lines: list[tuple[int, str]] = [
        (logging.INFO, f"dashboard: {base}/"),
        (logging.INFO, f"database: {describe_database(settings)}"),
    ]
    if users:
        lines.append((logging.INFO, f"users: {users}"))
    else:
        lines.append(
            (
                logging.WARNING,
                f"no dashboard user yet: open {base}/ to register the first one, "
                "or run `cahts createuser EMAIL`",
            )
        )
    lines.append((logging.INFO, "Meta webhook callback URLs:"))
    lines += [(logging.INFO, f"  {name}: {url}") for name, url in webhook_urls(settings).items()]
    if settings.meta_verify_token:
        where = f"kept in {settings.secrets_file}" if settings.secrets_file else "META_VERIFY_TOKEN"
        lines.append((logging.INFO, f"webhook verify token: {{verify_token}} ({where})"))
    for finding in config_findings(settings):
        if finding.status != "ok":
            lines.append((_LEVELS[finding.status], _one_line(finding)))
    lines.append((logging.INFO, "check everything, Meta and Slack included: `cahts doctor`"))
    return lines


_LEVELS = {"warn": logging.WARNING, "fail": logging.WARNING, "off": logging.INFO}


def _one_line(finding: Finding) -> str:
    label = "off" if finding.status == "off" else "warning"
    fix = f" (fix: {finding.fix})" if finding.fix else ""
    return f"{label}: {finding.name}: {finding.detail}{fix}"


async def announce(app: web.Application) -> AsyncIterator[None]:
    """Log the start report (embedded mode also prints it plainly); log the stop."""
    settings = app[SETTINGS]
    report = start_report(settings, await User.all().count())
    for level, text in report:
        # The log hides the token (it is a secret); a person at the terminal needs to see it.
        log.log(level, text.replace("{verify_token}", "the value of META_VERIFY_TOKEN"))
    if settings.is_embedded:
        token = settings.meta_verify_token or ""
        plain = "\n".join(text.replace("{verify_token}", token) for _, text in report)
        print(f"\ncahts is running.\n{plain}\n", file=sys.stdout, flush=True)
    yield
    log.info("cahts stopping: closing sockets, finishing requests and tasks")
