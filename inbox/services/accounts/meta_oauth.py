"""Facebook Login for Messenger and Instagram: the dialog URL, the `state`, the code exchange."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from inbox.graph import GraphClient, GraphError
from inbox.models import OAuthState, User
from inbox.platforms.registry import adapters
from inbox.settings import Settings

STATE_TTL = timedelta(minutes=10)
DIALOG_HOST = "https://www.facebook.com"
CALLBACK_PATH = "/api/platforms/callback"
START_PATH = "/api/platforms/start"
# Platforms connected through Facebook Login, and the scopes each asks for (their adapters say).
OAUTH_PLATFORMS = tuple(n for n, a in adapters().items() if a.connect_method == "oauth")
SCOPES = {name: adapters()[name].oauth_scopes for name in OAUTH_PLATFORMS}
PAGE_FIELDS = "id,name,access_token,instagram_business_account{id,username,name}"
_VERSION = re.compile(r"^v\d+\.\d+$")
_STATE = re.compile(r"^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$")
_BROWSER = re.compile(r"^[A-Za-z0-9_-]{43}$")


class StateError(Exception):
    """The `state` of a callback is forged, unknown, already used or expired."""


class BrowserError(StateError):
    """The callback came to a browser that did not start the connection."""


class OAuthError(Exception):
    """The code exchange or the Page listing failed; the message is for the user."""


@dataclass(frozen=True, slots=True)
class Page:
    """A Facebook Page the user granted, with its token and linked Instagram account."""

    id: str
    name: str
    token: str
    instagram_id: str | None = None
    instagram_name: str | None = None


def redirect_uri(settings: Settings) -> str:
    """Where Facebook sends the browser back: PUBLIC_URL + the callback route."""
    return settings.public_url + CALLBACK_PATH


def start_url(settings: Settings, ticket: str) -> str:
    """`/inbox connect`'s link: a cahts URL that binds the ticket to the browser opening it."""
    return f"{settings.public_url}{START_PATH}?{urlencode({'ticket': ticket})}"


def graph_version(graph_url: str) -> str:
    """The Graph API version in META_GRAPH_URL (the dialog must use the same), default v21.0."""
    last = urlsplit(graph_url).path.rstrip("/").rsplit("/", 1)[-1]
    return last if _VERSION.match(last) else "v21.0"


def dialog_url(settings: Settings, platform: str, state: str) -> str:
    """The Facebook Login dialog URL for connecting Pages (Messenger) or IG accounts."""
    params = {
        "client_id": settings.meta_app_id or "",
        "redirect_uri": redirect_uri(settings),
        "state": state,
        "scope": ",".join(SCOPES[platform]),
        "response_type": "code",
    }
    return (
        f"{DIALOG_HOST}/{graph_version(settings.meta_graph_url)}/dialog/oauth?{urlencode(params)}"
    )


def new_browser() -> str:
    """A random browser nonce: the cookie that ties a `state` to the browser that started."""
    return secrets.token_urlsafe(32)


def valid_browser(value: str | None) -> bool:
    """True when a cookie value looks like one new_browser() gave."""
    return value is not None and _BROWSER.match(value) is not None


def _signature(nonce: str, secret: str, browser: str | None) -> str:
    # A Slack ticket (browser None) and a browser's state are signed for different purposes:
    # neither can stand for the other.
    bound = f"browser={browser}" if browser is not None else "slack-ticket"
    message = f"cahts-oauth-state:{bound}:{nonce}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def _issue(secret: str, now: datetime | None, browser: str | None, **binding: Any) -> str:
    """A signed, random `state`, stored hashed with what it is bound to, valid for STATE_TTL."""
    now = now or datetime.now(UTC)
    nonce = secrets.token_urlsafe(32)
    state = f"{nonce}.{_signature(nonce, secret, browser)}"
    await OAuthState.create(state_hash=_hash(state), expires_at=now + STATE_TTL, **binding)
    return state


async def create_state(
    user: User, platform: str, secret: str, browser: str, now: datetime | None = None
) -> str:
    """A signed, random, single-use `state` bound to this user and browser, for STATE_TTL."""
    return await _issue(
        secret,
        now,
        browser,
        user=user,
        workspace_id=user.workspace_id,
        platform=platform,
    )


@dataclass(frozen=True, slots=True)
class SlackOrigin:
    """Who ran `/inbox connect`, and where: the callback answers them there."""

    team: str
    user: str
    channel: str


async def create_slack_ticket(
    workspace_id: uuid.UUID,
    platform: str,
    origin: SlackOrigin,
    secret: str,
    now: datetime | None = None,
) -> str:
    """A single-use ticket for `/inbox connect`'s link, bound to the workspace and Slack user.

    No browser is known yet: the browser that opens the link redeems the ticket for a state
    bound to itself (redeem_ticket); the callback accepts no ticket.
    """
    return await _issue(
        secret,
        now,
        None,
        workspace_id=workspace_id,
        platform=platform,
        slack_team=origin.team[:32],
        slack_user=origin.user[:32],
        slack_channel=origin.channel[:64],
    )


async def _take(state: str, now: datetime, used: str) -> OAuthState:
    """Mark a known, signed state used (once) and check it is still valid."""
    row = await OAuthState.get_or_none(state_hash=_hash(state))
    if row is None or row.platform not in OAUTH_PLATFORMS:
        raise StateError("the OAuth state is unknown")
    taken = await OAuthState.filter(id=row.id, used_at__isnull=True).update(used_at=now)
    if taken != 1:
        raise StateError(used)
    if row.expires_at <= now:
        raise StateError("the OAuth state has expired; start the connection again")
    user_id = row.user_id
    if user_id is None and not row.slack_user:
        raise StateError("the user who started this connection no longer exists")
    if user_id is not None and not await User.exists(id=user_id, is_active=True):
        raise StateError("the user who started this connection no longer exists")
    return row


async def redeem_ticket(
    ticket: str, secret: str, browser: str, now: datetime | None = None
) -> tuple[str, str]:
    """Use `/inbox connect`'s ticket once: (platform, a new state bound to this browser)."""
    now = now or datetime.now(UTC)
    if not _STATE.match(ticket):
        raise StateError("the connection link is malformed")
    nonce, signature = ticket.split(".")
    if not hmac.compare_digest(signature, _signature(nonce, secret, None)):
        raise StateError("the connection link was not issued by this server")
    row = await _take(
        ticket, now, "this connection link was already opened; run /inbox connect again"
    )
    state = await _issue(
        secret,
        now,
        browser,
        workspace_id=row.workspace_id,
        platform=row.platform,
        slack_team=row.slack_team,
        slack_user=row.slack_user,
        slack_channel=row.slack_channel,
    )
    return row.platform, state


async def consume_state(
    state: str, secret: str, browser: str | None, now: datetime | None = None
) -> OAuthState:
    """Use a `state` once, in the browser it was issued to: StateError (BrowserError) when
    forged, unknown, reused, expired, its user is gone, or this browser did not start it."""
    now = now or datetime.now(UTC)
    if not _STATE.match(state):
        raise StateError("the OAuth state is malformed")
    nonce, signature = state.split(".")
    if browser is None or not valid_browser(browser):
        raise BrowserError(
            "this browser did not start this connection (or blocks its cookie): "
            "start the connection again in this browser"
        )
    if not hmac.compare_digest(signature, _signature(nonce, secret, browser)):
        # Signed for another browser (or forged): burn it, so its code can never be used.
        burnt = await OAuthState.filter(state_hash=_hash(state), used_at__isnull=True).update(
            used_at=now
        )
        if burnt or await OAuthState.exists(state_hash=_hash(state)):
            raise BrowserError(
                "this connection was started in another browser: "
                "start the connection again in this browser"
            )
        raise StateError("the OAuth state was not issued by this server")
    return await _take(state, now, "the OAuth state was already used; start the connection again")


async def prune_states(now: datetime | None = None) -> int:
    """Delete states that can no longer be used."""
    now = now or datetime.now(UTC)
    return await OAuthState.filter(expires_at__lt=now - timedelta(days=1)).delete()


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise OAuthError(f"Meta's answer has no {key}")
    return value


async def exchange_code(graph: GraphClient, settings: Settings, code: str) -> str:
    """Code → short-lived user token → long-lived user token (about 60 days)."""
    app = {"client_id": settings.meta_app_id or "", "client_secret": settings.meta_app_secret or ""}
    try:
        short = await graph.get(
            "oauth/access_token",
            params={**app, "redirect_uri": redirect_uri(settings), "code": code},
        )
        long = await graph.get(
            "oauth/access_token",
            params={
                **app,
                "grant_type": "fb_exchange_token",
                "fb_exchange_token": _text(short, "access_token"),
            },
        )
    except GraphError as exc:
        raise OAuthError(f"Facebook refused the login code ({exc.message})") from exc
    return _text(long, "access_token")


def _page(item: Any) -> Page | None:
    if not isinstance(item, dict):
        return None
    page_id, name, token = item.get("id"), item.get("name"), item.get("access_token")
    if not (isinstance(page_id, str) and page_id.isdigit() and len(page_id) <= 64):
        return None
    if not isinstance(token, str) or not token:
        return None
    ig = item.get("instagram_business_account")
    ig_id = ig.get("id") if isinstance(ig, dict) else None
    ig_name = (ig.get("username") or ig.get("name")) if isinstance(ig, dict) else None
    valid_ig = isinstance(ig_id, str) and ig_id.isdigit() and len(ig_id) <= 64
    return Page(
        id=page_id,
        name=name if isinstance(name, str) else "",
        token=token,
        instagram_id=ig_id if valid_ig else None,
        instagram_name=ig_name if valid_ig and isinstance(ig_name, str) else None,
    )


async def list_pages(graph: GraphClient, user_token: str, max_pages: int = 10) -> list[Page]:
    """The Pages the user granted (following Graph paging), with Page tokens and IG accounts."""
    pages: list[Page] = []
    params: dict[str, str] = {"fields": PAGE_FIELDS, "limit": "100"}
    try:
        for _ in range(max_pages):
            body = await graph.get("me/accounts", token=user_token, params=params)
            data = body.get("data")
            if not isinstance(data, list):
                raise OAuthError("Meta's answer has no list of Pages")
            pages += [p for p in (_page(item) for item in data) if p is not None]
            paging = body.get("paging")
            after = paging.get("cursors", {}).get("after") if isinstance(paging, dict) else None
            if not (isinstance(paging, dict) and paging.get("next") and isinstance(after, str)):
                break
            params = {**params, "after": after}
    except GraphError as exc:
        raise OAuthError(f"could not list your Facebook Pages ({exc.message})") from exc
    return pages
