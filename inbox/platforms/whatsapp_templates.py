"""WhatsApp message templates as Meta describes them: the list answer, variables, sends.

Pure: `GET /{waba-id}/message_templates` pages in, templates out; a template and the agent's
values in, the Cloud API's `template` object and the rendered text out; the
`message_template_status_update` webhook in, status changes out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inbox.platforms.common import as_list, str_at

# `{{1}}` (positional) or `{{first_name}}` (named: lowercase letters, digits, underscores).
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")
_STATUSES = (
    "APPROVED",
    "IN_APPEAL",
    "PENDING",
    "REJECTED",
    "PENDING_DELETION",
    "DELETED",
    "DISABLED",
    "PAUSED",
    "LIMIT_EXCEEDED",
    "REINSTATED",
    "FLAGGED",
)
STATUS_FIELD = "message_template_status_update"
VALUE_LIMIT = 1024  # Meta's limit for one text parameter
_VARIABLE_COMPONENTS = ("HEADER", "BODY")


class TemplateError(ValueError):
    """A template or a set of values Meta would refuse; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Variable:
    """One placeholder to fill: in the header or the body, by number or by name."""

    component: str  # "header" | "body"
    key: str  # "1", "2", … or "first_name"
    example: str | None = None

    @property
    def field(self) -> str:
        """The name the API and the forms use for it: `body.1`, `header.order_type`."""
        return f"{self.component}.{self.key}"


@dataclass(frozen=True, slots=True)
class Template:
    """One template in one language, as listed by Meta."""

    external_id: str
    name: str
    language: str
    status: str
    category: str
    parameter_format: str  # "POSITIONAL" | "NAMED"
    components: tuple[dict[str, Any], ...]

    @property
    def variables(self) -> list[Variable]:
        """The placeholders of the header and the body, in the order they appear."""
        return variables_of(self.components)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A `message_template_status_update`: which template of which WABA is now what."""

    waba_id: str
    template_id: str | None
    name: str | None
    language: str | None
    status: str
    reason: str | None


def _component(components: Sequence[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    for component in components:
        if str(component.get("type", "")).upper() == kind:
            return component
    return None


def _examples(component: Mapping[str, Any], kind: str) -> dict[str, str]:
    example = component.get("example")
    if not isinstance(example, dict):
        return {}
    prefix = "header" if kind == "HEADER" else "body"
    named = example.get(f"{prefix}_text_named_params")
    found: dict[str, str] = {}
    for item in as_list(named):
        name, value = str_at(item, "param_name"), str_at(item, "example")
        if name and value is not None:
            found[name] = value
    positional = example.get(f"{prefix}_text")
    if kind == "BODY" and isinstance(positional, list) and positional:
        positional = positional[0]
    for index, value in enumerate(as_list(positional), start=1):
        if isinstance(value, str):
            found[str(index)] = value
    return found


def variables_of(components: Sequence[Mapping[str, Any]]) -> list[Variable]:
    """Placeholders of the text header and the body, each once, in order of appearance."""
    found: list[Variable] = []
    for kind in _VARIABLE_COMPONENTS:
        component = _component(components, kind)
        if component is None:
            continue
        if kind == "HEADER" and str(component.get("format", "TEXT")).upper() != "TEXT":
            continue  # media / location headers take no text variable
        text = component.get("text")
        if not isinstance(text, str):
            continue
        examples = _examples(component, kind)
        seen: set[str] = set()
        for key in _PLACEHOLDER.findall(text):
            if key not in seen:
                seen.add(key)
                found.append(Variable(kind.lower(), key, examples.get(key)))
    return found


def parse_template(item: Any) -> Template | None:
    """One entry of the list answer; None when it lacks what a send needs."""
    name, language = str_at(item, "name"), str_at(item, "language")
    status, template_id = str_at(item, "status"), item.get("id") if isinstance(item, dict) else None
    if not name or not language or not status or template_id is None:
        return None
    components = tuple(c for c in as_list(item.get("components")) if isinstance(c, dict))
    fmt = (str_at(item, "parameter_format") or "POSITIONAL").upper()
    return Template(
        external_id=str(template_id),
        name=name[:512],
        language=language[:16],
        status=status.upper()[:32],
        category=(str_at(item, "category") or "").upper()[:32],
        parameter_format="NAMED" if fmt == "NAMED" else "POSITIONAL",
        components=components,
    )


def parse_page(body: Any) -> tuple[list[Template], str | None]:
    """A list answer: its templates and the `after` cursor when Meta says there is more."""
    data = body.get("data") if isinstance(body, dict) else None
    templates = [t for item in as_list(data) if (t := parse_template(item)) is not None]
    after = str_at(body, "paging", "cursors", "after")
    # Graph pages say `next` when there is more; Meta's own samples sometimes give only the
    # cursors, so a non-empty page is followed too (the page after the last one is empty).
    more = str_at(body, "paging", "next") is not None or bool(as_list(data))
    return templates, after if (after and more) else None


def check_values(variables: Sequence[Variable], values: Mapping[str, Any]) -> dict[str, str]:
    """Every variable filled with text Meta accepts, and nothing else; TemplateError if not."""
    wanted = {v.field for v in variables}
    for field in values:
        if field not in wanted:
            known = ", ".join(sorted(wanted)) or "none"
            raise TemplateError(
                field, f"{field} is not a variable of this template (it has {known})"
            )
    cleaned: dict[str, str] = {}
    for variable in variables:
        value = values.get(variable.field)
        if not isinstance(value, str) or not value.strip():
            raise TemplateError(variable.field, f"{variable.field} needs a value")
        value = value.strip()
        if len(value) > VALUE_LIMIT:
            raise TemplateError(variable.field, f"{variable.field} is longer than {VALUE_LIMIT}")
        if "\n" in value or "\t" in value or "    " in value:
            # Meta refuses new lines, tabs and more than four spaces in a parameter (132012).
            raise TemplateError(
                variable.field, f"{variable.field} may not hold new lines, tabs or long spaces"
            )
        cleaned[variable.field] = value
    return cleaned


def send_components(template: Template, values: Mapping[str, str]) -> list[dict[str, Any]]:
    """The `components` of a Cloud API template send: one text parameter per variable."""
    named = template.parameter_format == "NAMED"
    components: list[dict[str, Any]] = []
    for part in ("header", "body"):
        parameters: list[dict[str, Any]] = []
        for variable in template.variables:
            if variable.component != part:
                continue
            parameter: dict[str, Any] = {"type": "text", "text": values[variable.field]}
            if named:
                parameter["parameter_name"] = variable.key
            parameters.append(parameter)
        if parameters:
            components.append({"type": part, "parameters": parameters})
    return components


def send_template(template: Template, values: Mapping[str, str]) -> dict[str, Any]:
    """The `template` object of a Cloud API send."""
    return {
        "name": template.name,
        "language": {"code": template.language},
        "components": send_components(template, values),
    }


def _fill(text: str, part: str, values: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        return values.get(f"{part}.{match.group(1)}") or match.group(0)

    return _PLACEHOLDER.sub(one, text)


def render(template: Template, values: Mapping[str, str]) -> str:
    """The message as the customer will read it; unfilled variables stay as `{{…}}`."""
    lines: list[str] = []
    header = _component(template.components, "HEADER")
    if header is not None:
        fmt = str(header.get("format", "TEXT")).upper()
        if fmt == "TEXT" and isinstance(header.get("text"), str):
            lines.append(_fill(header["text"], "header", values))
        elif fmt:
            lines.append(f"[{fmt.lower()}]")
    body = _component(template.components, "BODY")
    if body is not None and isinstance(body.get("text"), str):
        lines.append(_fill(body["text"], "body", values))
    footer = _component(template.components, "FOOTER")
    if footer is not None and isinstance(footer.get("text"), str):
        lines.append(footer["text"])
    buttons = _component(template.components, "BUTTONS")
    if buttons is not None:
        labels = [str_at(b, "text") for b in as_list(buttons.get("buttons"))]
        shown = [f"[{label}]" for label in labels if label]
        if shown:
            lines.append(" ".join(shown))
    return "\n".join(lines)


def status_changes(payload: Any) -> list[StatusChange]:
    """The template status changes in a WhatsApp webhook body (none when it holds none)."""
    found: list[StatusChange] = []
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return found
    for entry in as_list(payload.get("entry")):
        waba_id = str_at(entry, "id")
        for change in as_list(entry.get("changes") if isinstance(entry, dict) else None):
            if str_at(change, "field") != STATUS_FIELD:
                continue
            value = change.get("value") if isinstance(change, dict) else None
            event = (str_at(value, "event") or "").upper()
            if waba_id is None or event not in _STATUSES:
                continue
            template_id = value.get("message_template_id") if isinstance(value, dict) else None
            found.append(
                StatusChange(
                    waba_id=waba_id,
                    template_id=str(template_id) if template_id is not None else None,
                    name=str_at(value, "message_template_name"),
                    language=str_at(value, "message_template_language"),
                    status="APPROVED" if event == "REINSTATED" else event,
                    reason=str_at(value, "reason"),
                )
            )
    return found
