"""One account's day for the Slack digest, from the messages, on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import date

from inbox.services.analytics.daily import account_day
from inbox.settings import Settings
from tests.factories import make_account, make_workspace
from tests.services.test_analytics import at, backend, talk

__all__ = ["backend"]  # the fixture of both databases

DAY, NEXT = date(2026, 3, 2), date(2026, 3, 3)


async def test_an_accounts_day_in_figures(backend: Settings) -> None:
    key = backend.token_encryption_keys[0]
    workspace = await make_workspace()
    shop = await make_account(workspace, "messenger", key=key)
    other = await make_account(workspace, "whatsapp", key=key)
    # Answered after 4 and 10 minutes; a failed reply does not count as an answer.
    await talk(
        shop, "a", ("in", at(DAY, "09:00:00"), "received"), ("out", at(DAY, "09:04:00"), "sent")
    )
    await talk(
        shop,
        "b",
        ("in", at(DAY, "13:00:00"), "received"),
        ("out", at(DAY, "13:01:00"), "failed"),
        ("out", at(DAY, "13:10:00"), "read"),
        ("in", at(DAY, "23:30:00"), "received"),  # after the answer: waiting again
    )
    # Started the day before; asked again today and answered the next morning.
    await talk(
        shop,
        "c",
        ("in", at(date(2026, 3, 1), "20:00:00"), "received"),
        ("in", at(DAY, "10:15:00"), "received"),
        ("out", at(NEXT, "08:15:00"), "sent"),
    )
    await talk(shop, "d", ("out", at(DAY, "11:00:00"), "pending"))  # never left
    await talk(other, "e", ("in", at(DAY, "09:30:00"), "received"))  # another account

    figures = await account_day(shop.id, DAY)

    assert (figures.messages_in, figures.messages_out) == (4, 2)
    assert figures.new_conversations == 2  # a and b; c began before, d's message never left
    assert figures.unanswered == 1  # b's last message; c was answered the next day
    assert figures.median_first_response_seconds == 600.0  # of 4 min, 10 min, 22 h
    assert figures.hourly_in[9] == 1 and figures.hourly_in[13] == 1
    assert figures.hourly_in[10] == 1 and figures.hourly_in[23] == 1
    assert figures.hourly_out[9] == 1 and figures.hourly_out[13] == 1
    assert sum(figures.hourly_in) == 4 and sum(figures.hourly_out) == 2
    assert not figures.quiet
    assert (await account_day(other.id, NEXT)).quiet
