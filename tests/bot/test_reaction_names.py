"""Slack reaction names ↔ unicode emoji, both ways."""

from __future__ import annotations

import pytest

from bot.thread.text import emoji_for, reaction_name


@pytest.mark.parametrize(
    ("name", "char"),
    [
        ("+1", "👍"),
        ("thumbsup", "👍"),
        ("heart", "❤️"),
        ("joy", "😂"),
        ("+1::skin-tone-2", "👍🏻"),
        ("wave::skin-tone-6", "👋🏿"),
        ("partyparrot", None),  # a custom emoji
        ("", None),
    ],
)
def test_slack_names_become_unicode(name: str, char: str | None) -> None:
    assert emoji_for(name) == char


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("👍", "thumbsup"),
        ("❤️", "heart"),
        ("❤", "heart"),
        ("🎉", "tada"),
        ("👍🏽", "thumbsup::skin-tone-4"),
        ("🇦🇦", None),  # not an emoji Slack (or anyone) knows
        ("ok", None),
    ],
)
def test_unicode_becomes_slack_names(char: str, name: str | None) -> None:
    assert reaction_name(char) == name


def test_names_survive_the_round_trip() -> None:
    for name in ("thumbsup", "heart", "tada", "joy", "fire", "pray", "thumbsup::skin-tone-3"):
        char = emoji_for(name)
        assert char is not None and reaction_name(char) == name
