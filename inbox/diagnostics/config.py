"""Rules about a configuration alone (no network): integrations that are off, and what a
production deployment must not run with. Shared by `cahts serve`'s start report and doctor."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from inbox.diagnostics.findings import Finding
from inbox.platforms.registry import adapters
from inbox.settings import Settings, option

LOCAL_HOSTS = ("localhost", "localhost.localdomain", "0.0.0.0")  # noqa: S104 (a name, not a bind)


def webhook_urls(settings: Settings) -> dict[str, str]:
    """The Meta callback URL of every platform in the registry, by platform name."""
    return {name: f"{settings.public_url}/api/webhooks/{name}" for name in adapters()}


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def public_url_findings(settings: Settings) -> list[Finding]:
    """PUBLIC_URL reachability: Meta and Slack call only public https URLs."""
    parts = urlsplit(settings.public_url)
    host = parts.hostname or ""
    production = not settings.is_embedded
    problems: list[str] = []
    if parts.scheme != "https":
        problems.append("is not https (Meta and Slack call only https:// URLs)")
    if _is_local(host):
        problems.append(f"points at {host}, which Meta and Slack cannot reach")
    if parts.path not in ("", "/"):
        problems.append("has a path; cahts serves from the root of its host")
    if not problems:
        return [Finding("PUBLIC_URL", "ok", settings.public_url)]
    return [
        Finding(
            "PUBLIC_URL",
            "fail" if production else "warn",
            f"{settings.public_url} " + "; ".join(problems),
            "set PUBLIC_URL to the https:// address the internet reaches this server at"
            + ("" if production else " (fine for trying cahts locally)"),
        )
    ]


def integration_findings(settings: Settings) -> list[Finding]:
    """Which integrations are off, and why."""
    found: list[Finding] = []
    if settings.meta_app_secret:
        found.append(Finding("Meta webhooks", "ok", "signatures checked with META_APP_SECRET"))
    else:
        found.append(
            Finding(
                "Meta webhooks",
                "fail",
                "META_APP_SECRET is not set: every webhook POST is refused (503)",
                "set META_APP_SECRET to the app secret (Meta app → Settings → Basic)",
            )
        )
    if not settings.meta_verify_token:
        found.append(
            Finding(
                "Meta verify token",
                "fail",
                "META_VERIFY_TOKEN is not set: Meta's webhook verification is refused (403)",
                "set META_VERIFY_TOKEN and type the same value into the Meta app's webhook page",
            )
        )
    if not settings.meta_app_id:
        found.append(
            Finding(
                "Meta login",
                "off",
                "META_APP_ID is not set: the dashboard's Connect buttons and token checks "
                "(debug_token) are off",
                "set META_APP_ID (Meta app → Settings → Basic)",
            )
        )
    found.extend(_slack_findings(settings))
    return found


def _slack_findings(settings: Settings) -> list[Finding]:
    if not settings.slack_enabled:
        return [
            Finding(
                "Slack",
                "off",
                "no SLACK_BOT_TOKEN (or SLACK_CLIENT_ID/SECRET): nothing is posted to Slack; "
                "messages wait unposted until Slack is configured",
                "create the app with `cahts slack-manifest` and set SLACK_BOT_TOKEN",
            )
        ]
    found: list[Finding] = []
    if not (settings.slack_signing_secret or settings.slack_app_token):
        found.append(
            Finding(
                "Slack events",
                "fail",
                "neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN is set: thread replies, "
                "buttons and /inbox never reach cahts",
                "set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)",
            )
        )
    if settings.slack_bot_token and not settings.slack_channel:
        found.append(
            Finding(
                "Slack channel",
                "warn",
                "SLACK_CHANNEL is not set: only accounts with their own --slack-channel "
                "get threads",
                "set SLACK_CHANNEL to a channel id (C…) the bot is in",
            )
        )
    return found


def production_findings(settings: Settings) -> list[Finding]:
    """What a production deployment (PostgreSQL, Redis) must not run with."""
    if settings.is_embedded:
        return [
            Finding(
                "mode",
                "warn",
                "embedded (SQLite, tasks in this process): for trying cahts, not for production",
                "set DATABASE_URL=postgres://… and REDIS_URL=redis://… for production",
            )
        ]
    found: list[Finding] = []
    if settings.is_sqlite:
        found.append(
            Finding(
                "database",
                "warn",
                "SQLite with REDIS_URL: separate processes share one SQLite file",
                "use PostgreSQL (DATABASE_URL=postgres://…) with Redis",
            )
        )
    if not settings.metrics_token:
        found.append(
            Finding(
                "metrics",
                "warn",
                "METRICS_TOKEN is not set: /metrics is public",
                "set METRICS_TOKEN and give it to the scraper",
            )
        )
    if (option("LOG_MESSAGE_TEXT") or "").lower() in ("1", "true", "yes"):
        found.append(
            Finding(
                "logs",
                "warn",
                "LOG_MESSAGE_TEXT is on: customers' words can reach the logs",
                "unset LOG_MESSAGE_TEXT",
            )
        )
    if (option("LOG_LEVEL") or "").upper() == "DEBUG":
        found.append(Finding("logs", "warn", "LOG_LEVEL=DEBUG in production", "set LOG_LEVEL=INFO"))
    return found


def config_findings(settings: Settings) -> list[Finding]:
    """Every rule that needs nothing but the settings."""
    return [
        *production_findings(settings),
        *public_url_findings(settings),
        *integration_findings(settings),
    ]
