"""What an outgoing message is, the reply window, and Graph errors in an agent's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One platform send: text, one attachment by URL (optional caption), or a template."""

    recipient_id: str
    text: str | None = None
    attachment_type: str | None = None
    attachment_url: str | None = None
    tag: str | None = None
    # WhatsApp's `template` object ({name, language{code}, components}) past the window.
    template: dict[str, Any] | None = None


def split_text(text: str, max_chars: int, max_bytes: int | None = None) -> list[str]:
    """Cut text into pieces a platform accepts, preferring line and word breaks."""

    def fits(piece: str) -> bool:
        return len(piece) <= max_chars and (max_bytes is None or len(piece.encode()) <= max_bytes)

    pieces: list[str] = []
    rest = text
    while rest and not fits(rest):
        cut = max_chars
        while cut > 1 and not fits(rest[:cut]):
            cut -= max(1, cut // 16)
        window = rest[:cut]
        for sep in ("\n", " "):
            at = window.rfind(sep)
            if at > cut // 2:
                cut = at + 1
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


@dataclass(frozen=True, slots=True)
class WindowDecision:
    """Whether a reply may be sent now, with which tag, or why not."""

    allowed: bool
    tag: str | None = None
    reason: str | None = None


def reply_window(
    last_incoming_at: datetime | None,
    now: datetime,
    extended: timedelta | None,
    window: timedelta | None = STANDARD_WINDOW,
) -> WindowDecision:
    """24 h after the customer's last message; up to `extended` with the HUMAN_AGENT tag.

    A platform without a window (`window` None) always allows a reply once the customer wrote.
    """
    if last_incoming_at is None:
        return WindowDecision(False, reason="the customer has not written yet")
    if window is None:
        return WindowDecision(True)
    age = now - last_incoming_at
    if age <= STANDARD_WINDOW:
        return WindowDecision(True)
    if extended is not None and age <= extended:
        return WindowDecision(True, tag="HUMAN_AGENT")
    limit = "7 days" if extended is not None else "24 hours"
    return WindowDecision(
        False,
        reason=f"the reply window is closed: the customer last wrote more than {limit} ago",
    )


class SendErrorKind(StrEnum):
    """What a failed send means for the agent and for retrying."""

    WINDOW_CLOSED = "window_closed"
    TOKEN_INVALID = "token_invalid"  # noqa: S105 - a kind of error, not a secret
    USER_UNAVAILABLE = "user_unavailable"
    RATE_LIMITED = "rate_limited"
    UNSUPPORTED = "unsupported"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    TEMPLATE_PARAMETERS = "template_parameters"
    TEMPLATE_MISSING = "template_missing"
    TEMPLATE_FORMAT = "template_format"
    TEMPLATE_PAUSED = "template_paused"
    TEMPLATE_DISABLED = "template_disabled"
    MARKETING_LIMIT = "marketing_limit"


_BY_CODE: dict[int, SendErrorKind] = {
    10: SendErrorKind.WINDOW_CLOSED,
    131047: SendErrorKind.WINDOW_CLOSED,
    551: SendErrorKind.USER_UNAVAILABLE,
    190: SendErrorKind.TOKEN_INVALID,
    4: SendErrorKind.RATE_LIMITED,
    17: SendErrorKind.RATE_LIMITED,
    32: SendErrorKind.RATE_LIMITED,
    613: SendErrorKind.RATE_LIMITED,
    130429: SendErrorKind.RATE_LIMITED,
    131056: SendErrorKind.RATE_LIMITED,
    131051: SendErrorKind.UNSUPPORTED,
    132000: SendErrorKind.TEMPLATE_PARAMETERS,
    132001: SendErrorKind.TEMPLATE_MISSING,
    132012: SendErrorKind.TEMPLATE_FORMAT,
    132015: SendErrorKind.TEMPLATE_PAUSED,
    132016: SendErrorKind.TEMPLATE_DISABLED,
    131049: SendErrorKind.MARKETING_LIMIT,
    1: SendErrorKind.TRANSIENT,
    2: SendErrorKind.TRANSIENT,
}

EXPLANATIONS: dict[SendErrorKind, str] = {
    SendErrorKind.WINDOW_CLOSED: "the reply window is closed (the customer must write again first)",
    SendErrorKind.TOKEN_INVALID: "the account's access token expired or was revoked: reconnect it",
    SendErrorKind.USER_UNAVAILABLE: "this person isn't available right now (blocked or left)",
    SendErrorKind.RATE_LIMITED: "the platform is rate limiting us; it will be retried",
    SendErrorKind.UNSUPPORTED: "the platform does not support this kind of message",
    SendErrorKind.TRANSIENT: "the platform had a temporary problem; it will be retried",
    SendErrorKind.PERMANENT: "the platform refused the message",
    SendErrorKind.TEMPLATE_PARAMETERS: (
        "the values do not match the template's variables (it was changed at Meta?): "
        "refresh the templates and fill it again"
    ),
    SendErrorKind.TEMPLATE_MISSING: (
        "this template does not exist in that language (any more): pick another one"
    ),
    SendErrorKind.TEMPLATE_FORMAT: (
        "a value is not in the form the template expects (no new lines, tabs or long spaces)"
    ),
    SendErrorKind.TEMPLATE_PAUSED: (
        "this template is paused by Meta for low quality; use another one or wait until it "
        "is active again"
    ),
    SendErrorKind.TEMPLATE_DISABLED: (
        "this template is disabled by Meta for low quality and cannot be sent; pick another one"
    ),
    SendErrorKind.MARKETING_LIMIT: (
        "Meta held back this marketing message: the customer has had their share of marketing "
        "messages for now; send a utility template or wait a day before trying again"
    ),
}

RETRYABLE = frozenset({SendErrorKind.RATE_LIMITED, SendErrorKind.TRANSIENT})
# Failures where sending the same thing again cannot help: no Retry button for them.
RETRY_USELESS = frozenset(
    {
        SendErrorKind.TEMPLATE_PARAMETERS,
        SendErrorKind.TEMPLATE_MISSING,
        SendErrorKind.TEMPLATE_FORMAT,
        SendErrorKind.TEMPLATE_DISABLED,
        SendErrorKind.MARKETING_LIMIT,
        SendErrorKind.WINDOW_CLOSED,
    }
)


def classify(status: int, code: int | None) -> SendErrorKind:
    """Branch on the Graph error code (not the subcode), then on the HTTP status."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if status == 0 or status == 429 or status >= 500:
        return SendErrorKind.TRANSIENT
    return SendErrorKind.PERMANENT
