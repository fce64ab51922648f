"""The emoji Telegram accepts as a reaction (Bot API, ReactionTypeEmoji), without VS16."""

from __future__ import annotations

import re

# Variation selector 16 and skin tones: Telegram lists the plain emoji only.
_MODIFIERS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")

_LISTED = (
    "👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤\u200d🔥 🌚 🌭 💯 "
    "🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨\u200d💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 "
    "🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷\u200d♂ 🤷 🤷\u200d♀ 😡"
)
REACTIONS = frozenset(_LISTED.split())


def telegram_emoji(emoji: str) -> str | None:
    """The form Telegram lists (no variation selector), or None when it is not a reaction."""
    bare = _MODIFIERS.sub("", emoji)
    return bare if bare in REACTIONS else None
