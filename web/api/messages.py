"""`/api/messages` and `/api/conversations`: browse, read, mark read, send."""

from __future__ import annotations

import uuid

from aiohttp import web

from inbox.appkeys import BUS
from inbox.events import NewMessage
from inbox.models import Conversation, Message, PlatformAccount
from inbox.pagination import Page
from inbox.serialize import conversation_dict, message_dict
from inbox.services.conversations import listing
from inbox.services.conversations import state as conversations
from inbox.services.conversations.reading import mark_read
from inbox.services.sending.outbox import ReplyAttachment, SendRefused, queue_reply
from inbox.tasks.sending import enqueue_sends
from web.api import schemas
from web.api.common import (
    USER,
    ApiError,
    authenticated,
    not_found,
    paging,
    path_id,
    query_bool,
    query_platform,
    query_text,
    query_uuid,
    read_json,
    workspace_id,
)
from web.api.schemas import ref
from web.api.spec import (
    ACCOUNT,
    ID,
    PAGING,
    PLATFORM,
    UNREAD,
    Paths,
    json_answer,
    operation,
    query,
)
from web.api.templates import send_template


async def _platform_of(account_id: uuid.UUID) -> str | None:
    account = await PlatformAccount.get_or_none(id=account_id)
    return account.platform if account is not None else None


def _messages_json(page: Page[Message], platforms: dict[uuid.UUID, str]) -> web.Response:
    items = [message_dict(m, platforms.get(m.platform_account_id)) for m in page.items]
    return web.json_response({"items": items, "next_cursor": page.next_cursor})


@authenticated
async def list_messages(request: web.Request) -> web.Response:
    """Messages newest first, filtered by platform, account, conversation, unread or text."""
    limit, cursor = paging(request)
    where = listing.MessageFilter(
        platform=query_platform(request),
        account_id=query_uuid(request, "account"),
        conversation_id=query_uuid(request, "conversation"),
        unread=query_bool(request, "unread"),
        q=query_text(request, "q"),
    )
    wid = workspace_id(request)
    page = await listing.messages(wid, where, limit, cursor)
    return _messages_json(page, await listing.platforms_by_account(wid))


async def _message(request: web.Request) -> Message:
    message = await Message.get_or_none(
        id=path_id(request, "id", "message"), workspace_id=workspace_id(request)
    )
    if message is None:
        raise not_found("message")
    return message


@authenticated
async def get_message(request: web.Request) -> web.Response:
    """One message."""
    message = await _message(request)
    platform = await _platform_of(message.platform_account_id)
    return web.json_response(message_dict(message, platform))


@authenticated
async def read_message(request: web.Request) -> web.Response:
    """Mark a message read (idempotent); the conversation's unread count follows."""
    message_id = path_id(request, "id", "message")
    message = await mark_read(workspace_id(request), message_id, request.app[BUS])
    if message is None:
        raise not_found("message")
    platform = await _platform_of(message.platform_account_id)
    return web.json_response(message_dict(message, platform))


@authenticated
async def send_message(request: web.Request) -> web.Response:
    """Reply in a conversation through the durable send path (outbox, then the worker)."""
    body = await read_json(request, schemas.SEND)
    if "template" in body:
        return await send_template(request, body)
    text = (body.get("text") or "").strip()
    attachments = [
        ReplyAttachment(a["type"], a["url"], a.get("name") or None)
        for a in body.get("attachments", [])
    ]
    if not text and not attachments:
        raise ApiError(422, "invalid", "text: text or attachments is required", field="text")
    conversation = await Conversation.get_or_none(
        id=uuid.UUID(body["conversation_id"]), workspace_id=workspace_id(request)
    )
    if conversation is None:
        raise ApiError(
            404, "not_found", "conversation_id: no such conversation", field="conversation_id"
        )
    user = request[USER]
    try:
        queued = await queue_reply(
            conversation,
            text=text or None,
            attachments=attachments,
            agent=user.name or user.email,
            source="api",
        )
    except SendRefused as exc:
        raise ApiError(409, "send_refused", str(exc)) from exc
    await enqueue_sends(queued)
    platform = await _platform_of(conversation.platform_account_id)
    fresh = await Conversation.get(id=conversation.id)
    for message in queued:
        await request.app[BUS].publish(NewMessage.of(message, fresh, platform))
    dicts = [message_dict(m, platform) for m in queued]
    return web.json_response(
        {**dicts[0], "messages": dicts},
        status=201,
        headers={"Location": f"/api/messages/{queued[0].id}"},
    )


@authenticated
async def list_conversations(request: web.Request) -> web.Response:
    """Conversations by latest activity, with unread counts."""
    limit, cursor = paging(request)
    where = listing.ConversationFilter(
        platform=query_platform(request),
        account_id=query_uuid(request, "account"),
        unread=query_bool(request, "unread"),
        q=query_text(request, "q"),
    )
    wid = workspace_id(request)
    page = await listing.conversations(wid, where, limit, cursor)
    platforms = await listing.platforms_by_account(wid)
    items = [conversation_dict(c, platforms.get(c.platform_account_id)) for c in page.items]
    return web.json_response({"items": items, "next_cursor": page.next_cursor})


@authenticated
async def update_conversation(request: web.Request) -> web.Response:
    """Resolve or reopen a conversation, or assign it; the Slack root follows."""
    wid = workspace_id(request)
    conversation_id = path_id(request, "id", "conversation")
    if not await Conversation.exists(id=conversation_id, workspace_id=wid):
        raise not_found("conversation")
    body = await read_json(request, schemas.CONVERSATION_UPDATE)
    user = request[USER]
    actor = user.name or user.email
    bus = request.app[BUS]
    try:
        if "status" in body:
            await conversations.set_status(
                wid, conversation_id, body["status"], actor=actor, bus=bus
            )
        if "assignee_id" in body:
            await conversations.assign(
                wid, conversation_id, user_id=body["assignee_id"], actor=actor, bus=bus
            )
    except conversations.ConversationNotFound as exc:
        raise not_found("conversation") from exc
    except conversations.ChangeRefused as exc:
        field = "assignee_id" if "assignee" in str(exc) or "user" in str(exc) else "status"
        raise ApiError(422, "invalid", f"{field}: {exc}", field=field) from exc
    fresh = await Conversation.get(id=conversation_id)
    platform = await _platform_of(fresh.platform_account_id)
    return web.json_response(conversation_dict(fresh, platform))


@authenticated
async def conversation_messages(request: web.Request) -> web.Response:
    """One conversation's messages, newest first."""
    wid = workspace_id(request)
    conversation = await Conversation.get_or_none(
        id=path_id(request, "id", "conversation"), workspace_id=wid
    )
    if conversation is None:
        raise not_found("conversation")
    limit, cursor = paging(request)
    where = listing.MessageFilter(conversation_id=conversation.id)
    page = await listing.messages(wid, where, limit, cursor)
    return _messages_json(page, await listing.platforms_by_account(wid))


def setup(app: web.Application) -> None:
    """Mount the message and conversation routes."""
    app.router.add_get("/api/messages", list_messages, allow_head=False)
    app.router.add_post("/api/messages", send_message)
    app.router.add_get("/api/messages/{id}", get_message, allow_head=False)
    app.router.add_patch("/api/messages/{id}/read", read_message)
    app.router.add_get("/api/conversations", list_conversations, allow_head=False)
    app.router.add_get("/api/conversations/{id}/messages", conversation_messages, allow_head=False)
    app.router.add_patch("/api/conversations/{id}", update_conversation)


def operations() -> Paths:
    """The OpenAPI description of these routes."""
    text = {"type": "string", "maxLength": 200}
    return {
        "/api/messages": {
            "get": operation(
                "listMessages",
                "Messages, newest first",
                "messages",
                {200: json_answer(ref("MessagePage"), "A page of messages")},
                params=[
                    *PAGING,
                    PLATFORM,
                    ACCOUNT,
                    query("conversation", {"type": "string", "format": "uuid"}, "one conversation"),
                    UNREAD,
                    query("q", text, "text contains (any case)"),
                ],
            ),
            "post": operation(
                "sendMessage",
                "Reply in a conversation, or send a WhatsApp template past the window "
                "(queued, then sent by the worker)",
                "messages",
                {
                    201: json_answer(ref("SendResult"), "Queued for sending"),
                    200: json_answer(
                        ref("SendResult"), "This idempotency_key was sent before: that send"
                    ),
                },
                body=schemas.SEND,
                errors=(404, 409),
            ),
        },
        "/api/messages/{id}": {
            "get": operation(
                "getMessage",
                "One message",
                "messages",
                {200: json_answer(ref("Message"), "The message")},
                params=[ID],
                errors=(404,),
            )
        },
        "/api/messages/{id}/read": {
            "patch": operation(
                "markMessageRead",
                "Mark read (idempotent); the unread count follows",
                "messages",
                {200: json_answer(ref("Message"), "The message")},
                params=[ID],
                errors=(404,),
            )
        },
        "/api/conversations": {
            "get": operation(
                "listConversations",
                "Conversations by latest activity, with unread counts",
                "messages",
                {200: json_answer(ref("ConversationPage"), "A page of conversations")},
                params=[*PAGING, PLATFORM, ACCOUNT, UNREAD, query("q", text, "name contains")],
            )
        },
        "/api/conversations/{id}": {
            "patch": operation(
                "updateConversation",
                "Resolve or reopen, assign or unassign (the Slack thread's root follows)",
                "messages",
                {200: json_answer(ref("Conversation"), "The conversation")},
                params=[ID],
                body=schemas.CONVERSATION_UPDATE,
                errors=(404,),
            )
        },
        "/api/conversations/{id}/messages": {
            "get": operation(
                "conversationMessages",
                "A conversation's messages, newest first",
                "messages",
                {200: json_answer(ref("MessagePage"), "A page of messages")},
                params=[ID, *PAGING],
                errors=(404,),
            )
        },
    }
