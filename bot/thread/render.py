"""How a stored message reads in its Slack thread: pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.thread import context
from bot.thread.text import escape, snippet
from inbox import display
from inbox.platforms import parts
from inbox.platforms.events import MessageKind
from inbox.platforms.registry import get_adapter

DEFAULT_ICON = ":speech_balloon:"
ATTACHMENT_WORDS = {
    "image": "a photo",
    "video": "a video",
    "audio": "a voice message",
    "file": "a file",
    "document": "a document",
    "sticker": "a sticker",
    "template": "a template",
    "fallback": "a link",
    "share": "a shared post",
    "ig_reel": "a reel",
    "reel": "a reel",
    "location": "a location",
}
USERNAME_LIMIT = 80
AGENT_SUFFIX = "(via cahts)"
# What marks our own posts: "(via cahts)", "(from the X app)" and any bracketed "via …"/"from …".
_IMITATION = re.compile(r"[(\[{<]\s*(?:via|from)\b[^)\]}>]*[)\]}>]?|\bvia\s+cahts\b", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def platform_label(platform: str) -> str:
    """The platform's own label ("WhatsApp"), or the name capitalised when unknown."""
    adapter = get_adapter(platform)
    return adapter.label if adapter is not None else platform.title()


def platform_icon(platform: str) -> str:
    """The Slack emoji that stands for the platform."""
    adapter = get_adapter(platform)
    return adapter.icon if adapter is not None else DEFAULT_ICON


def customer_name(name: str, platform: str, participant_id: str) -> str:
    """The customer's name, or a stand-in when the platform gave none."""
    return name.strip() or f"{platform_label(platform)} customer …{participant_id[-4:]}"


def attachment_words(kind: str) -> str:
    """An attachment type in words ("a photo")."""
    return ATTACHMENT_WORDS.get(kind, "an attachment")


@dataclass(frozen=True, slots=True)
class Author:
    """Who a post appears to come from (chat:write.customize)."""

    username: str
    icon_emoji: str

    def args(self) -> dict[str, Any]:
        """chat.postMessage arguments."""
        return {"username": self.username[:USERNAME_LIMIT], "icon_emoji": self.icon_emoji}


@dataclass(frozen=True, slots=True)
class Copied:
    """What became of one attachment on its way to Slack."""

    kind: str
    uploaded: bool
    problem: str | None = None
    caption: str | None = None
    link: str | None = None
    words: str | None = None  # "an animated sticker", "a document “invoice.pdf”"


@dataclass(slots=True)
class MessageView:
    """The facts render needs about one message (built from the rows by the mirror)."""

    platform: str
    customer: str
    account_name: str
    is_incoming: bool
    kind: str
    content: str
    source: str
    agent: str | None = None
    is_deleted: bool = False
    reply_to_text: str | None = None
    copied: list[Copied] = field(default_factory=list)
    # An outgoing WhatsApp template: "name · language · category".
    template: str | None = None
    # The stored attachment entries: structured parts (inbox/display.py), a story, edits.
    attachments: list[dict[str, Any]] = field(default_factory=list)


def neutral_name(name: str) -> str:
    """A customer's name that cannot pass for one of our posts: the agents' suffix and any
    bracketed "via …"/"from …" are removed (look-alike characters folded first)."""
    visible = " ".join(_INVISIBLE.sub("", name).split())
    folded = unicodedata.normalize("NFKC", visible)
    if not _IMITATION.search(folded):
        return visible
    previous = None
    while previous != folded:
        previous, folded = folded, _IMITATION.sub(" ", folded)
    return " ".join(folded.split())


def customer_author(name: str, platform: str) -> Author:
    """A customer's post: "Alice · Instagram customer", the mark never cut by the length cap."""
    mark = f"{platform_label(platform)} customer"
    clean = neutral_name(name)
    if not clean or clean.startswith(mark):  # the stand-in of a nameless customer
        return Author((clean or mark)[:USERNAME_LIMIT], platform_icon(platform))
    room = USERNAME_LIMIT - len(mark) - 3
    if len(clean) > room:
        clean = clean[: room - 1].rstrip() + "…"
    return Author(f"{clean} · {mark}", platform_icon(platform))


def author(view: MessageView) -> Author:
    """Customer posts under the customer's name, marked as such; ours under the agent or the
    account."""
    icon = platform_icon(view.platform)
    if view.is_incoming:
        return customer_author(view.customer, view.platform)
    if view.source in ("webhook", "sync"):
        return Author(f"{view.account_name} (from the {platform_label(view.platform)} app)", icon)
    return Author(f"{view.agent or view.account_name} {AGENT_SUFFIX}", ":incoming_envelope:")


def unsent_text(customer: str) -> str:
    """What a message the customer unsent becomes."""
    return f"_{escape(customer)} unsent this message._"


def _attachment_lines(view: MessageView) -> list[str]:
    lines: list[str] = []
    for item in view.copied:
        words = item.words or attachment_words(item.kind)
        if item.caption:
            lines.append(escape(item.caption))
        if item.problem:
            lines.append(f"_sent {words} (not copied to Slack: {escape(item.problem)})_")
        elif item.link and not item.uploaded:
            lines.append(f"_sent {words}:_ {escape(item.link)}")
        else:
            lines.append(f"_sent {words}_")
    return lines


def message_text(view: MessageView) -> str:
    """The mrkdwn text of a message post; the customer's words are escaped, never formatted."""
    if view.is_deleted:
        return unsent_text(view.customer)
    body = escape(view.content) if view.content else ""
    lines: list[str] = []
    if view.reply_to_text is not None:
        quoted = escape(snippet(view.reply_to_text)) if view.reply_to_text else "a message"
        lines.append(f"_↩ in reply to “{quoted}”_" if view.reply_to_text else "_↩ in reply_")
    kind = view.kind
    if kind == MessageKind.STORY_MENTION:
        lines.append(f"_mentioned {escape(view.account_name)} in their story_")
    elif kind == MessageKind.STORY_REPLY:
        lines.append("_replied to your story_")
    elif kind == MessageKind.POSTBACK:
        lines.append(f"_tapped the button “{body}”_" if body else "_tapped a button_")
        body = ""
    elif kind == MessageKind.TEMPLATE and view.template is not None:
        lines.append(body)
        lines.append(f"_:page_facing_up: WhatsApp template {escape(view.template)}_")
        body = ""
    elif kind == MessageKind.TEMPLATE:
        lines.append("_sent a template message_")
    if body:
        lines.append(body + (" _(quick reply)_" if kind == MessageKind.QUICK_REPLY else ""))
    if body and context.is_edited(view.attachments):
        lines[-1] += " _(edited)_"
    lines.extend(context.slack_lines(view.attachments))
    lines.extend(_attachment_lines(view))
    lines.extend(part_lines(view))
    return "\n".join(lines) or "_(empty message)_"


def slack_line(line: display.Line) -> str:
    """One display line as mrkdwn: escaped, linked when it has a link, italic when context."""
    text = escape(line.text)
    if line.url:
        text = f"<{line.url}|{text}>"
    return f"_{text}_" if line.context else text


def part_lines(view: MessageView) -> list[str]:
    """The message's structured parts (location, contacts, order, ad, unsupported) as mrkdwn.
    Billing is left out: a status only adds a mark to the post, never a line."""
    shown = [a for a in view.attachments if a.get("type") != parts.BILLING]
    return [slack_line(line) for line in display.lines(view.kind, shown, view.customer)]


def reaction_text(emoji: str | None, target_content: str) -> str:
    """A customer's reaction (or its removal) in words."""
    quoted = f"“{escape(snippet(target_content))}”" if target_content else "a message"
    if emoji:
        return f"_reacted {escape(emoji)} to {quoted}_"
    return f"_removed their reaction from {quoted}_"


def metadata(event_type: str, **payload: Any) -> dict[str, Any]:
    """Slack message metadata that lets a crashed run find what it posted."""
    return {"event_type": event_type, "event_payload": payload}
