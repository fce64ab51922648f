"""Domain events: typed inside, today's exact dicts on the wire, browser flags on the classes."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest

from inbox import events
from inbox.services.sync.runner import SyncResult
from web import ws

WORKSPACE = uuid.uuid4()
ACCOUNT = uuid.uuid4()


def test_each_type_has_one_class_and_the_browsers_see_what_they_saw() -> None:
    names = [cls.type for cls in events.EVENT_TYPES]
    assert len(names) == len(set(names))
    assert (
        ws.FORWARDED
        == events.BROWSER_TYPES
        == {
            "new_message",
            "message_read",
            "message_status",
            "message_reaction",
            "message_deleted",
            "message_edited",
            "platform_connected",
            "sync_started",
            "sync_completed",
            "account_attention",
            "conversation_updated",
        }
    )


def test_events_are_frozen() -> None:
    event = events.MessageDeleted(WORKSPACE, uuid.uuid4(), uuid.uuid4())
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.workspace_id = ACCOUNT  # type: ignore[misc]
    assert not hasattr(event, "__dict__")


def test_sync_events_wire_the_result_as_it_was() -> None:
    since = datetime(2024, 5, 1, tzinfo=UTC)
    result = SyncResult(ACCOUNT, WORKSPACE, "messenger", since=since)
    started = events.SyncStarted.of(result)
    result.stored, result.status = 3, "failed"
    assert started.wire() == {
        "type": "sync_started",
        "account_id": str(ACCOUNT),
        "workspace_id": str(WORKSPACE),
        "platform": "messenger",
        "kind": "sync",
        "status": "ok",
        "conversations": 0,
        "stored": 0,
        "duplicates": 0,
        "pages": 0,
        "since": since.isoformat(),
        "error": None,
    }
    assert events.SyncCompleted.of(result).wire() == {"type": "sync_completed", **result.as_dict()}


def test_message_status_carries_the_message_only_for_a_send() -> None:
    mid = uuid.uuid4()
    event = events.MessageStatus.of(WORKSPACE, "delivered", [(mid, "m_1")])
    assert event.wire() == {
        "type": "message_status",
        "workspace_id": str(WORKSPACE),
        "status": "delivered",
        "error_code": None,
        "error_message": None,
        "message_ids": [str(mid)],
        "platform_message_ids": ["m_1"],
    }
    sent = dataclasses.replace(event, message={"id": str(mid)})
    assert sent.wire()["message"] == {"id": str(mid)}


def test_conversation_updated_and_account_attention_wire() -> None:
    conversation = uuid.uuid4()
    updated = events.ConversationUpdated(
        WORKSPACE, conversation, "resolved", None, "U1", ("status",), "api"
    )
    assert updated.wire() == {
        "type": "conversation_updated",
        "workspace_id": str(WORKSPACE),
        "conversation_id": str(conversation),
        "status": "resolved",
        "assignee_id": None,
        "assignee_slack_user": "U1",
        "changed": ["status"],
        "actor": "api",
    }
    attention = events.AccountAttention(WORKSPACE, ACCOUNT, "whatsapp", "Shop", False, None)
    assert list(attention.wire()) == [
        "type",
        "workspace_id",
        "account_id",
        "platform",
        "name",
        "needs_attention",
        "reason",
    ]


def test_new_message_wire_written_out_matches_the_field_order() -> None:
    event = events.NewMessage(WORKSPACE, uuid.uuid4(), {"id": "m"}, {"id": "c"})
    assert list(event.wire().items()) == list(events.Event.wire(event).items())
