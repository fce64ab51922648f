"""Text between Slack and customers: escaping, internal notes, Slack markup to plain text."""

from __future__ import annotations

import re
from collections.abc import Mapping

import emoji

NOTE_PREFIXES = ("note:", "//")

_ANGLED = re.compile(r"<([^<>]*)>")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_SKIN_TONE = re.compile(r":skin-tone-([2-6]):")
_SHORTCODE = re.compile(r":[a-z0-9_+\-']+:")


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and >."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def is_note_line(line: str) -> bool:
    """True for a line that stays internal (`note:` or `//` at its start)."""
    return line.lstrip().lower().startswith(NOTE_PREFIXES)


def strip_notes(text: str) -> str:
    """The text without its internal note lines, trimmed."""
    return "\n".join(line for line in text.split("\n") if not is_note_line(line)).strip()


def mentioned_users(text: str) -> list[str]:
    """Slack user ids mentioned as <@U…> in message text, in order, without repeats."""
    return list(dict.fromkeys(_MENTION.findall(text)))


def _angled(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (names.get(target[1:]) or label.lstrip("@") or "teammate")
    if target.startswith("#"):
        return "#" + (label or "channel")
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        if label:
            return label
        return "@" + special if special in ("here", "channel", "everyone") else ""
    if target.startswith(("mailto:", "tel:")):
        return label or target.split(":", 1)[1]
    if not label or label in (target, target.split("://", 1)[-1]):
        return target
    return f"{label} ({target})"


def _shortcode(match: re.Match[str]) -> str:
    code = match.group(0)
    for spelling in (code, code.replace("-", "_")):
        found = emoji.emojize(spelling, language="alias")
        if found != spelling:
            return found
    return code


def _emoji(text: str) -> str:
    text = _SKIN_TONE.sub(lambda m: chr(0x1F3FB + int(m.group(1)) - 2), text)
    return _SHORTCODE.sub(_shortcode, text)


def emoji_for(name: str) -> str | None:
    """The unicode emoji of a Slack reaction name ("+1::skin-tone-3"); None for custom ones."""
    base, _, tone = name.partition("::")
    found = _emoji(f":{base}:") + (_emoji(f":{tone}:") if tone else "")
    return None if ":" in found or not found else found


def reaction_name(char: str) -> str | None:
    """The Slack reaction name of a unicode emoji ("thumbsup::skin-tone-4"); None if unknown."""
    tones = [c for c in char if 0x1F3FB <= ord(c) <= 0x1F3FF]
    bare = "".join(c for c in char if c not in tones)
    name = emoji.demojize(bare, language="alias")
    if not _SHORTCODE.fullmatch(name):
        return None
    name = name.strip(":")
    return f"{name}::skin-tone-{ord(tones[0]) - 0x1F3FB + 2}" if tones else name


def to_customer_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack message text as a customer should read it: links, mentions and emoji resolved."""
    names = names or {}
    parts: list[str] = []
    last = 0
    for match in _ANGLED.finditer(text):
        parts.append(_emoji(text[last : match.start()]))
        parts.append(_angled(match.group(1), names))
        last = match.end()
    parts.append(_emoji(text[last:]))
    return unescape("".join(parts))


def snippet(text: str, limit: int = 80) -> str:
    """One line of at most `limit` characters, for quoting a message."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
