"""`/inbox help` and what happens with words /inbox does not know: the usage, never a trace."""

from __future__ import annotations

import pytest

from inbox.models import OAuthState
from tests.bot.conftest import Loop
from tests.bot.slash import slash

SUBCOMMANDS = ("connect", "digest", "relink", "stats", "status", "template")


async def test_help_lists_every_subcommand_with_its_usage(loop: Loop) -> None:
    answer, _ = await slash(loop, "help")

    assert answer["response_type"] == "ephemeral"
    lines = answer["text"].splitlines()
    assert lines[0] == "What `/inbox` can do:"
    assert [line.split()[1].rstrip("`:") for line in lines[1:]] == list(SUBCOMMANDS)
    usage = "`/inbox stats [today|7d|30d] [instagram|messenger|telegram|whatsapp]`:"
    assert usage in answer["text"]


@pytest.mark.parametrize("text", ["", "frobnicate", "STATS!", "<@U123> hello", "\u202estats"])
async def test_unknown_words_get_the_list(loop: Loop, text: str) -> None:
    answer, _ = await slash(loop, text)

    assert "What `/inbox` can do:" in answer["text"]
    assert "Traceback" not in answer["text"]


async def test_without_a_meta_app_connect_says_what_is_missing(loop: Loop) -> None:
    answer, _ = await slash(loop, "connect instagram")

    assert "META_APP_ID" in answer["text"]
    assert await OAuthState.all().count() == 0
