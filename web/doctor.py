"""`cahts doctor`: the whole configuration checked, as a checklist with a fix for each failure."""

from __future__ import annotations

import argparse

from bot.diagnostics import slack_findings
from inbox import db
from inbox.diagnostics import probes
from inbox.diagnostics.config import config_findings, webhook_urls
from inbox.diagnostics.findings import Finding
from inbox.settings import Settings, dotenv_path


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check, in the order an operator fixes things."""
    found = list(config_findings(settings))
    found.append(await probes.redis_finding(settings))
    connected = await probes.open_database(settings)
    found.append(connected)
    if connected.status != "ok":
        return found
    try:
        schema = await probes.schema_finding()
        found.append(schema)
        if schema.status == "ok":
            found.append(await probes.users_finding())
            found.extend(await probes.account_findings(settings))
            found.extend(await slack_findings(settings))
    finally:
        await db.close()
    return found


def report(settings: Settings, findings: list[Finding]) -> str:
    """The checklist as printed."""
    env = dotenv_path()
    lines = [
        f"cahts doctor — configuration from the environment"
        f"{f' and {env}' if env.is_file() else ''}",
        "",
        *(finding.line() for finding in findings),
        "",
        "Meta webhook callback URLs:",
        *(f"  {name}: {url}" for name, url in webhook_urls(settings).items()),
    ]
    failed = sum(1 for f in findings if f.status == "fail")
    warned = sum(1 for f in findings if f.status == "warn")
    lines += ["", f"{failed} failed, {warned} warning(s)" if failed or warned else "all good"]
    return "\n".join(lines)


def _doctor(args: argparse.Namespace, settings: Settings) -> None:
    import asyncio

    findings = asyncio.run(run_checks(settings))
    print(report(settings, findings))
    if any(f.status == "fail" for f in findings):
        raise SystemExit(1)


def register(commands: argparse._SubParsersAction) -> None:
    """Add `cahts doctor`."""
    parser = commands.add_parser(
        "doctor", help="check the configuration, database, Redis, Meta and Slack; list fixes"
    )
    parser.set_defaults(handler=_doctor)
