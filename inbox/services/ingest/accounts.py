"""The accounts a writer routes its batches to, kept between batches and checked at commit."""

from __future__ import annotations

from inbox.models import PlatformAccount

MAX_CACHED = 10_000


class AccountCache:
    """Active accounts by (platform, external id), kept between one writer's batches.

    An entry is trusted only until commit: the batch's statement reads each account it used
    under the row lock it takes, and a batch routed by an entry that no longer holds (switched
    off, renamed, moved, deleted) keeps nothing; the entries are dropped and the batch routed
    again from the table. Unknown ids are not kept.
    """

    def __init__(self, limit: int = MAX_CACHED) -> None:
        self._limit = limit
        self._found: dict[tuple[str, str], PlatformAccount] = {}

    def get(self, platform: str, external_id: str) -> PlatformAccount | None:
        """The kept account, if any."""
        return self._found.get((platform, external_id))

    def keep(self, accounts: list[PlatformAccount]) -> None:
        """Keep accounts just read from the table."""
        if len(self._found) + len(accounts) > self._limit:
            self._found.clear()
        for account in accounts:
            self._found[(account.platform, account.external_id)] = account

    def clear(self) -> None:
        """Drop every entry."""
        self._found.clear()
