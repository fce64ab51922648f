"""Pruning sign-in state: only rows that can no longer matter go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.models import LoginAttempt, OAuthState, RefreshToken
from inbox.services.accounts.meta_oauth import create_state, new_browser
from inbox.services.sessions.api_tokens import start_session
from inbox.settings import Settings
from inbox.tasks.sessions import prune, prune_sessions
from tests.factories import make_user, make_workspace


async def test_prune_keeps_what_still_counts(database: Settings) -> None:
    now = datetime.now(UTC)
    user = await make_user(await make_workspace())
    await start_session(user, database.jwt_secret)
    await start_session(user, database.jwt_secret)
    old_token = await RefreshToken.first()
    assert old_token is not None
    await RefreshToken.filter(id=old_token.id).update(expires_at=now - timedelta(seconds=1))
    recent = await LoginAttempt.create(email="a@example.com", address="1.2.3.4", succeeded=False)
    stale = await LoginAttempt.create(email="a@example.com", address="1.2.3.4", succeeded=False)
    await LoginAttempt.filter(id=stale.id).update(created_at=now - timedelta(hours=2))
    await create_state(user, "messenger", database.jwt_secret, new_browser())
    await create_state(
        user, "messenger", database.jwt_secret, new_browser(), now=now - timedelta(days=2)
    )

    assert await prune(now) == {"login_attempts": 1, "refresh_tokens": 1, "oauth_states": 1}
    assert [a.id for a in await LoginAttempt.all()] == [recent.id]
    assert await RefreshToken.all().count() == 1
    assert await OAuthState.all().count() == 1


def test_prune_is_scheduled() -> None:
    assert prune_sessions.labels["schedule"] == [{"cron": "41 * * * *"}]
