"""Block Kit for templates: the button, the modal with its fields and live preview. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.thread.text import escape
from inbox.platforms import whatsapp_templates as wt

OPEN_ACTION = "template_open"
PICK_ACTION = "template_pick"
VALUE_ACTION = "template_value"
CALLBACK_ID = "send_template"
PICK_BLOCK = "template"
PREVIEW_BLOCK = "template_preview"
VARIABLE_BLOCK_PREFIX = "var:"
_OPTION_TEXT = 75  # Slack's limit for an option's text
CATEGORY_WORDS = {
    "MARKETING": "marketing",
    "UTILITY": "utility",
    "AUTHENTICATION": "authentication",
}


@dataclass(frozen=True, slots=True)
class Choice:
    """One approved template in the picker: our row id and what Meta calls it."""

    row_id: str
    template: wt.Template


def open_button(conversation_id: str) -> dict[str, Any]:
    """The "Send a template…" button that opens the modal for a conversation."""
    return {
        "type": "button",
        "action_id": OPEN_ACTION,
        "text": {"type": "plain_text", "text": "Send a template…"},
        "value": conversation_id,
    }


def category_words(category: str) -> str:
    """Meta's category as an agent reads it (Meta charges by category)."""
    return CATEGORY_WORDS.get(category.upper(), category.lower() or "uncategorised")


def _option(choice: Choice) -> dict[str, Any]:
    t = choice.template
    text = f"{t.name} ({t.language}) · {category_words(t.category)}"
    if len(text) > _OPTION_TEXT:
        text = text[: _OPTION_TEXT - 1] + "…"
    return {"text": {"type": "plain_text", "text": text}, "value": choice.row_id}


def _variable_block(variable: wt.Variable, value: str | None) -> dict[str, Any]:
    where = "Header" if variable.component == "header" else "Body"
    label = f"{where} {{{{{variable.key}}}}}"
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE_ACTION,
        "max_length": wt.VALUE_LIMIT,
        "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
    }
    if variable.example:
        element["placeholder"] = {"type": "plain_text", "text": f"e.g. {variable.example}"[:150]}
    if value:
        element["initial_value"] = value
    return {
        "type": "input",
        "block_id": f"{VARIABLE_BLOCK_PREFIX}{variable.field}",
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": label[:2000]},
        "element": element,
    }


def preview_text(template: wt.Template, values: Mapping[str, str]) -> str:
    """The rendered message as mrkdwn, quoted; what is still missing stays `{{…}}`."""
    rendered = escape(wt.render(template, values)) or "_(empty)_"
    return "\n".join(f"> {line}" if line else ">" for line in rendered.split("\n"))[:2900]


def template_modal(
    *,
    conversation_id: str,
    customer: str,
    choices: Sequence[Choice],
    chosen: Choice | None = None,
    values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The modal: the picker, a field per variable of the chosen template, its preview."""
    values = values or {}
    intro = (
        f"The reply window with *{escape(customer)}* is closed: only an approved WhatsApp "
        "template can reach them. They can answer it, and the window opens again."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": intro}},
    ]
    if not choices:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": (
                        ":warning: This number has no approved templates. Create one in "
                        "WhatsApp Manager; cahts lists them again every hour and at once "
                        "when Meta approves one."
                    ),
                },
            }
        )
        return _view(conversation_id, blocks, submit=False)
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": PICK_ACTION,
        "placeholder": {"type": "plain_text", "text": "Pick an approved template"},
        "options": [_option(c) for c in choices[:100]],
    }
    if chosen is not None:
        select["initial_option"] = _option(chosen)
    blocks.append(
        {
            "type": "input",
            "block_id": PICK_BLOCK,
            "dispatch_action": True,
            "label": {"type": "plain_text", "text": "Template"},
            "element": select,
        }
    )
    if chosen is not None:
        t = chosen.template
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": (
                            f"*{escape(t.name)}* · {escape(t.language)} · "
                            f"{category_words(t.category)} (Meta charges by category)"
                        ),
                    }
                ],
            }
        )
        blocks.extend(_variable_block(v, values.get(v.field)) for v in t.variables)
        blocks.append({"type": "divider"})
        blocks.append(
            {
                "type": "section",
                "block_id": PREVIEW_BLOCK,
                "text": {"type": "mrkdwn", "text": "*Preview*\n" + preview_text(t, values)},
            }
        )
    return _view(conversation_id, blocks, submit=chosen is not None)


def _view(conversation_id: str, blocks: list[dict[str, Any]], *, submit: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps({"conversation": conversation_id}),
        "title": {"type": "plain_text", "text": "Send a template"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }
    if submit:
        view["submit"] = {"type": "plain_text", "text": "Send"}
    return view


def read_state(view: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
    """The picked template's row id and the typed values by field, from a view's state."""
    values = (view.get("state") or {}).get("values") or {}
    picked: str | None = None
    typed: dict[str, str] = {}
    if not isinstance(values, dict):
        return None, typed
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        if block_id == PICK_BLOCK:
            option = (actions.get(PICK_ACTION) or {}).get("selected_option") or {}
            picked = option.get("value") if isinstance(option, dict) else None
        elif isinstance(block_id, str) and block_id.startswith(VARIABLE_BLOCK_PREFIX):
            value = (actions.get(VALUE_ACTION) or {}).get("value")
            if isinstance(value, str):
                typed[block_id[len(VARIABLE_BLOCK_PREFIX) :]] = value
    return (picked if isinstance(picked, str) else None), typed


def conversation_of(view: Mapping[str, Any]) -> str | None:
    """The conversation id the modal was opened for."""
    try:
        meta = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return None
    found = meta.get("conversation") if isinstance(meta, dict) else None
    return found if isinstance(found, str) else None


def field_block(field: str) -> str:
    """The block id of a variable's input (where Slack shows its error)."""
    return f"{VARIABLE_BLOCK_PREFIX}{field}"


def sent_notice(template: str, language: str, user_id: str) -> str:
    """An ephemeral word to the agent once the template is queued."""
    return f"Template *{escape(template)}* ({escape(language)}) queued by <@{user_id}>."
