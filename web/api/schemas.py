"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them): request bodies are validated with the
same dicts the OpenAPI document publishes, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
GRAPH_ID = {"type": "string", "pattern": "^[0-9]{1,64}$"}
ATTACHMENT_TYPES = ["image", "video", "audio", "file"]


def _text(low: int, high: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": low, "maxLength": high, **extra}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


REGISTER = _object(
    ["email", "password"],
    email=_text(3, 254, description="the login; compared case-insensitively"),
    password=_text(8, 1024),
    name=_text(0, 200),
    invite_code=_text(1, 64, description="join the workspace that issued this code"),
    workspace_name=_text(1, 200, description="name of the new workspace (without invite)"),
)
LOGIN = _object(["email", "password"], email=_text(1, 254), password=_text(1, 1024))
REFRESH = _object(["refresh"], refresh=_text(1, 512))
INVITE = _object(
    [],
    max_uses={"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
    expires_in_days={"type": "integer", "minimum": 1, "maximum": 30, "default": 7},
)
WHATSAPP_CONNECT = _object(
    ["phone_number_id", "access_token"],
    phone_number_id={**GRAPH_ID, "description": "the WhatsApp phone-number id"},
    access_token=_text(
        1,
        4096,
        pattern="^[!-~]+$",
        description="a system-user token with whatsapp_business_messaging",
    ),
    waba_id={**GRAPH_ID, "description": "the WhatsApp Business Account to subscribe"},
    name=_text(1, 200),
)
SEND = _object(
    ["conversation_id"],
    conversation_id={"type": "string", "pattern": UUID_PATTERN},
    text=_text(1, 20000, description="long text is split as the platform requires"),
    attachments={
        "type": "array",
        "maxItems": 10,
        "items": _object(
            ["type", "url"],
            type={"type": "string", "enum": ATTACHMENT_TYPES},
            url=_text(
                8,
                2048,
                pattern="^https?://[^\\s]+$",
                description="a public link Meta fetches; cahts never downloads it (Slack shows it)",
            ),
            name=_text(0, 200),
        ),
    },
    template=_object(
        ["name", "language"],
        name=_text(1, 512, description="an APPROVED template of the number's WABA"),
        language=_text(1, 16, description="its language code, e.g. en_US"),
        parameters={
            "type": "object",
            "maxProperties": 100,
            "additionalProperties": {"type": "string", "maxLength": 1024},
            "description": (
                "one value per variable, keyed `header.<n|name>` / `body.<n|name>` "
                "as GET /api/platforms/{id}/templates lists them"
            ),
        },
    ),
    idempotency_key=_text(
        1, 64, description="the same key again gives back the first send (templates only)"
    ),
)

CONVERSATION_UPDATE = _object(
    [],
    status={"type": "string", "enum": ["open", "resolved"]},
    assignee_id={
        "type": ["string", "null"],
        "pattern": UUID_PATTERN,
        "description": "a user of this workspace, or null to unassign",
    },
)

_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
_TIME = {"type": "string", "format": "date-time"}
_ID = {"type": "string", "format": "uuid"}
_STR = {"type": "string"}
_NULL_STR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_NULL_NUM = {"type": ["number", "null"]}


def _shape(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict[str, Any]:
    """The cursor-paginated list shape of a component."""
    return _shape(
        items={"type": "array", "items": ref(name)},
        next_cursor={"type": ["string", "null"], "description": "pass as ?cursor= for more"},
    )


_COUNTS = {
    "total_messages": _INT,
    "messages_in": _INT,
    "messages_out": _INT,
    "new_conversations": _INT,
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": _shape(
        error={
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": _STR, "message": _STR, "field": _STR},
        }
    ),
    "User": _shape(
        id=_ID,
        email=_STR,
        name=_STR,
        role={"type": "string", "enum": ["owner", "member"]},
        workspace_id=_ID,
        created_at=_NULLABLE_TIME,
    ),
    "Tokens": _shape(
        access=_STR,
        refresh=_STR,
        token_type={"type": "string", "enum": ["bearer"]},
        expires_in={"type": "integer", "description": "seconds the access token lives"},
    ),
    "Invite": _shape(
        id=_ID, code=_STR, max_uses=_INT, uses=_INT, expires_at=_TIME, created_at=_NULLABLE_TIME
    ),
    "Account": _shape(
        id=_ID,
        platform=_STR,
        external_id=_STR,
        name=_STR,
        is_active=_BOOL,
        slack_channel=_NULL_STR,
        token_expires_at=_NULLABLE_TIME,
        last_webhook_at=_NULLABLE_TIME,
        last_synced_at=_NULLABLE_TIME,
        subscription_ok=_BOOL,
        needs_attention=_BOOL,
        attention_reason=_NULL_STR,
        created_at=_NULLABLE_TIME,
    ),
    "ConnectUrl": _shape(
        url={"type": "string", "description": "open it in the browser (Facebook Login)"},
        expires_at=_TIME,
    ),
    "SyncQueued": _shape(status={"type": "string", "enum": ["queued"]}, account_id=_ID),
    "Message": _shape(
        id=_ID,
        conversation_id=_ID,
        platform_account_id=_ID,
        platform=_NULL_STR,
        platform_message_id=_STR,
        sender_id=_STR,
        sender_name=_STR,
        content=_STR,
        kind=_STR,
        attachments={"type": "array", "items": {"type": "object"}},
        display={
            "type": "array",
            "description": "structured content (location, contacts, order, ad, unsupported) "
            "as lines for people; `context` lines describe the message",
            "items": _shape(text=_STR, url=_NULL_STR, context=_BOOL),
        },
        is_incoming=_BOOL,
        is_read=_BOOL,
        is_deleted=_BOOL,
        status=_STR,
        error_code={"type": ["integer", "null"]},
        error_message=_NULL_STR,
        reply_to=_NULL_STR,
        reaction=_NULL_STR,
        agent=_NULL_STR,
        received_at=_NULLABLE_TIME,
    ),
    "Conversation": _shape(
        id=_ID,
        platform_account_id=_ID,
        platform=_NULL_STR,
        participant_id=_STR,
        participant_name=_STR,
        last_message_at=_NULLABLE_TIME,
        last_incoming_at=_NULLABLE_TIME,
        unread_count=_INT,
        slack_channel=_NULL_STR,
        slack_thread_ts=_NULL_STR,
        status={"type": "string", "enum": ["open", "resolved"]},
        assignee_id={"type": ["string", "null"], "format": "uuid"},
        assignee_slack_user=_NULL_STR,
        template_sent_at={
            **_NULLABLE_TIME,
            "description": "a WhatsApp template went out then; waiting for the customer",
        },
    ),
    "DailyItem": _shape(date={"type": "string", "format": "date"}, **_COUNTS),
    "PlatformItem": _shape(
        platform=_STR,
        **_COUNTS,
        share={"type": "number", "description": "fraction of all messages in the period"},
        median_first_response_seconds=_NULL_NUM,
        p90_first_response_seconds=_NULL_NUM,
    ),
}
COMPONENTS["User"]["properties"]["workspace"] = _shape(id=_ID, name=_STR)
COMPONENTS["MessagePage"] = page_of("Message")
COMPONENTS["ConversationPage"] = page_of("Conversation")
COMPONENTS["AccountPage"] = page_of("Account")
COMPONENTS["InvitePage"] = page_of("Invite")
COMPONENTS["TemplateVariable"] = _shape(
    field={"type": "string", "description": "the key to use in `parameters`"},
    component={"type": "string", "enum": ["header", "body"]},
    key={"type": "string", "description": "the number (positional) or the name (named)"},
    example={"type": ["string", "null"]},
)
COMPONENTS["Template"] = _shape(
    id=_ID,
    name=_STR,
    language=_STR,
    category={"type": "string", "description": "MARKETING, UTILITY or AUTHENTICATION"},
    status=_STR,
    parameter_format={"type": "string", "enum": ["POSITIONAL", "NAMED"]},
    variables={"type": "array", "items": ref("TemplateVariable")},
    components={"type": "array", "items": {"type": "object"}},
    preview={"type": "string", "description": "the text with its variables unfilled"},
)
COMPONENTS["TemplateList"] = _shape(items={"type": "array", "items": ref("Template")})
COMPONENTS["SendResult"] = {
    "allOf": [ref("Message")],
    "description": "the first message queued; `messages` lists every piece (long text splits)",
    "properties": {"messages": {"type": "array", "items": ref("Message")}},
    "required": ["messages"],
}
_PERIOD = {
    "days": _INT,
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
}
COMPONENTS["DailyReport"] = _shape(**_PERIOD, items={"type": "array", "items": ref("DailyItem")})
COMPONENTS["PlatformReport"] = _shape(
    **_PERIOD, items={"type": "array", "items": ref("PlatformItem")}
)
COMPONENTS["Stats"] = _shape(
    **_PERIOD,
    **_COUNTS,
    median_first_response_seconds=_NULL_NUM,
    p90_first_response_seconds=_NULL_NUM,
    busiest_day={"oneOf": [ref("DailyItem"), {"type": "null"}]},
    conversations=_INT,
    unread_conversations=_INT,
    unread_messages=_INT,
    active_accounts=_INT,
)
