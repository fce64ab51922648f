"""schemathesis against the live server and its own /api/openapi.json.

No generated request may get a 5xx; every status code and JSON body must also be the ones the
document declares (so the document stays true).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from inbox.models import Conversation, Workspace
from inbox.platforms.registry import platform_names
from tests.factories import (
    make_account,
    make_analytics,
    make_conversation,
    make_message,
    make_owner,
)
from tests.helpers import bearer
from tests.web.api.live import LiveApp, serving

# Bounded and repeatable in CI; to hunt locally, SCHEMATHESIS_EXAMPLES=300 (random seeds).
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
REPEATABLE = "SCHEMATHESIS_EXAMPLES" not in os.environ
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


async def _seed(app: LiveApp) -> dict[str, str]:
    """A workspace with accounts, conversations, messages and figures; the owner's header."""
    key = app.settings.token_encryption_keys[0]
    workspace = await Workspace.create(name="Fuzz")
    owner = await make_owner(workspace, "fuzz@example.com")
    for platform in platform_names():
        account = await make_account(workspace, platform, key=key)
        conversation: Conversation = await make_conversation(account, unread=1)
        await make_message(conversation, f"hello from {platform}")
        await make_message(conversation, "answer", incoming=False)
    today = datetime.now(UTC).date()
    for n in range(5):
        await make_analytics(workspace, today - timedelta(days=n), total_messages=n, messages_in=n)
    return await bearer(owner, app.settings.jwt_secret)


@pytest.fixture(scope="module")
def live(pg_database: str) -> Iterator[tuple[LiveApp, dict[str, str]]]:
    """The app on a free 127.0.0.1 port with seeded data and a valid bearer token."""
    with serving(
        pg_database, META_APP_ID="1234567890", PUBLIC_URL="https://inbox.example.com"
    ) as app:
        yield app, app.run(_seed(app))


def _operations(base_url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    live: tuple[LiveApp, dict[str, str]], mode: GenerationMode
) -> None:
    app, headers = live
    operations = _operations(app.base_url)
    assert len(operations) >= 25
    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=REPEATABLE,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            response = case.call(base_url=app.base_url, headers=headers, timeout=20)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except (FailureGroup, AssertionError) as exc:  # report every operation's failures
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
