"""`cahts rotate-keys`: re-encrypt every stored token with the newest TOKEN_ENCRYPTION_KEYS key.

Rotation: put a new key first in TOKEN_ENCRYPTION_KEYS (keeping the old ones after it) on
every process and restart them; tokens keep working, since any listed key decrypts. Then run
`cahts rotate-keys`; afterwards the old keys can be removed.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field

from tortoise.models import Model

from inbox.cli.common import CommandError, database
from inbox.models import PlatformAccount, SlackInstallation
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import Settings

# Every encrypted column: (model, field, how the report names a row).
ENCRYPTED: tuple[tuple[type[Model], str, str], ...] = (
    (PlatformAccount, "access_token", "platform account"),
    (SlackInstallation, "bot_token", "Slack installation"),
)
_ATTEMPTS = 5


@dataclass
class Rotation:
    """What a run re-encrypted, and what no configured key can read."""

    rotated: dict[str, int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


async def _rotate_row(model: type[Model], column: str, row_id: object, cipher: TokenCipher) -> bool:
    """Re-encrypt one row's token; False when no configured key decrypts it."""
    for _ in range(_ATTEMPTS):
        current = await model.filter(id=row_id).values_list(column, flat=True)
        if not current:
            return True  # deleted meanwhile: nothing left to protect
        try:
            fresh = cipher.rotate(str(current[0]))
        except TokenDecryptError:
            return False
        # Compare-and-set: a token refreshed meanwhile is re-read, never overwritten.
        if await model.filter(id=row_id, **{column: current[0]}).update(**{column: fresh}):
            return True
    raise CommandError(f"{model.__name__} {row_id}: the token kept changing; run again")


async def rotate_keys(settings: Settings) -> Rotation:
    """Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEYS."""
    cipher = TokenCipher(settings.token_encryption_keys)
    result = Rotation()
    async with database(settings):
        for model, column, label in ENCRYPTED:
            result.rotated[label] = 0
            for row_id in await model.all().order_by("id").values_list("id", flat=True):
                if await _rotate_row(model, column, row_id, cipher):
                    result.rotated[label] += 1
                else:
                    result.unreadable.append(f"{label} {row_id}")
    return result


def run(args: argparse.Namespace, settings: Settings) -> None:
    """Handle `cahts rotate-keys`."""
    if not settings.token_encryption_keys:
        raise CommandError("TOKEN_ENCRYPTION_KEYS is not set")
    result = asyncio.run(rotate_keys(settings))
    counts = ", ".join(f"{n} {label}(s)" for label, n in result.rotated.items())
    print(f"re-encrypted with the newest key: {counts}")
    if result.unreadable:
        listed = "; ".join(result.unreadable)
        raise CommandError(
            f"{len(result.unreadable)} token(s) cannot be decrypted with any key of "
            f"TOKEN_ENCRYPTION_KEYS and were left as they are: {listed}"
        )
    if len(settings.token_encryption_keys) > 1:
        print("every token now uses the first key; the others can be removed")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the rotate-keys subcommand."""
    parser = commands.add_parser(
        "rotate-keys",
        help="re-encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEYS",
        description=(
            "Put the new key first in TOKEN_ENCRYPTION_KEYS (old keys after it) on every "
            "process, then run this; afterwards the old keys can be removed."
        ),
    )
    parser.set_defaults(handler=run)
