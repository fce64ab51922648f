"""Ingest on real PostgreSQL: exactly-once storage, true instants, statuses that never go back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from inbox.bus import InProcessBus
from inbox.models import Conversation, Message, PlatformAccount, WebhookLog
from inbox.platforms.events import PayloadError
from inbox.services.ingest.pipeline import UnknownPlatformError, ingest
from inbox.settings import Settings
from tests.factories import FIXTURE_ACCOUNTS, connect_fixture_accounts
from tests.helpers import load_fixture

MESSENGER_ECHO_MID = "mid.1457764197618:41d102a3e1ae206a38"  # Meta's echo sample
DELIVERED_MID = "mid.1458668856218:ed81099e15d3f4f233"  # Meta's delivery sample
PSID = "<PSID>"  # Meta's samples keep their placeholders
BT_USER = "1423587017700273"  # bottender's samples
WA_SENT_ID = "wamid.xyzxyz"  # the id of pywa's samples (tests/fixtures/SOURCES.md)
WA_CUSTOMER = "972987654321"


@pytest.fixture
async def accounts(database: Settings) -> dict[str, PlatformAccount]:
    """The three fixture accounts, connected in one workspace."""
    _, connected = await connect_fixture_accounts(database.token_encryption_keys[0])
    return connected


async def _outgoing(account: PlatformAccount, mid: str, participant: str, at: datetime) -> Message:
    """An outgoing message as the send path stores it (status sent)."""
    conversation, _ = await Conversation.get_or_create(
        platform_account=account,
        participant_id=participant,
        defaults={"workspace_id": account.workspace_id},  # type: ignore[attr-defined]
    )
    return await Message.create(
        workspace_id=account.workspace_id,  # type: ignore[attr-defined]
        platform_account=account,
        conversation=conversation,
        platform_message_id=mid,
        content="Sure, it ships tomorrow.",
        is_incoming=False,
        is_read=True,
        status="sent",
        received_at=at,
    )


async def test_messenger_text_is_stored_once_with_the_true_instant(
    accounts: dict[str, PlatformAccount],
) -> None:
    body = load_fixture("messenger", "text")
    first = await ingest("messenger", body)
    again = await ingest("messenger", body)
    assert (first.stored, first.duplicates) == (1, 0)
    assert (again.stored, again.duplicates) == (0, 1)
    message = await Message.get()
    assert message.content == "Sharp tools make good work."
    assert message.is_incoming is True
    assert message.received_at == datetime(2017, 4, 10, 3, 52, 43, 181000, tzinfo=UTC)
    conversation = await Conversation.get()
    assert conversation.participant_id == BT_USER
    assert conversation.unread_count == 1
    assert conversation.last_message_at == message.received_at
    assert await WebhookLog.filter(processed=True).count() == 2


async def test_whatsapp_timestamp_is_string_seconds_and_name_from_contacts(
    accounts: dict[str, PlatformAccount],
) -> None:
    await ingest("whatsapp", load_fixture("whatsapp", "text"))
    message = await Message.get()
    assert message.received_at == datetime(2023, 10, 11, 16, 53, 43, tzinfo=UTC)
    assert message.sender_name == "Test Name"
    conversation = await Conversation.get()
    assert conversation.participant_name == "Test Name"
    assert conversation.platform_account_id == accounts["whatsapp"].id  # type: ignore[attr-defined]


async def test_echo_is_stored_as_outgoing_and_not_counted_unread(
    accounts: dict[str, PlatformAccount],
) -> None:
    await ingest("messenger", load_fixture("messenger", "echo"))
    message = await Message.get()
    assert message.is_incoming is False
    assert message.status == "sent"
    assert message.sender_name == "Shop"
    conversation = await Conversation.get()
    assert conversation.participant_id == PSID
    assert conversation.unread_count == 0


async def test_echo_of_our_own_send_does_not_double(accounts: dict[str, PlatformAccount]) -> None:
    sent_at = datetime(2016, 3, 12, 6, 29, 57, 627000, tzinfo=UTC)
    await _outgoing(accounts["messenger"], MESSENGER_ECHO_MID, PSID, sent_at)
    result = await ingest("messenger", load_fixture("messenger", "echo"))
    assert (result.stored, result.duplicates) == (0, 1)
    assert await Message.all().count() == 1


async def test_whatsapp_status_moves_forward_and_never_back(
    accounts: dict[str, PlatformAccount],
) -> None:
    at = datetime(2026, 7, 29, 8, 8, 19, tzinfo=UTC)
    message = await _outgoing(accounts["whatsapp"], WA_SENT_ID, WA_CUSTOMER, at)
    for name, expected in [
        ("status_sent", "sent"),
        ("status_read", "read"),
        ("status_delivered", "read"),  # late delivered after read: read stays
        ("status_sent", "read"),
    ]:
        await ingest("whatsapp", load_fixture("whatsapp", name))
        await message.refresh_from_db()
        assert message.status == expected, name


async def test_whatsapp_billing_is_kept_once_and_a_late_status_only_adds_facts(
    accounts: dict[str, PlatformAccount],
) -> None:
    message = await _outgoing(accounts["whatsapp"], WA_SENT_ID, WA_CUSTOMER, datetime.now(UTC))
    facts = {
        "category": "service",
        "pricing_model": "CBP",
        "billable": True,
        "conversation_id": "7270432eae37498234f4444b35ffc5",
        "origin": "service",
    }
    await ingest("whatsapp", load_fixture("whatsapp", "status_read"))
    await message.refresh_from_db()
    assert message.attachments == [{"type": "billing", "details": facts}]
    # The late "sent" brings the window's end: added, nothing else moves (read stays read).
    await ingest("whatsapp", load_fixture("whatsapp", "status_sent"))
    await message.refresh_from_db()
    expires = {"expires_at": "2023-10-26T17:05:00+00:00"}
    assert message.attachments == [{"type": "billing", "details": {**facts, **expires}}]
    assert message.status == "read"
    for name in ("status_delivered", "status_sent", "status_failed"):
        await ingest("whatsapp", load_fixture("whatsapp", name))
    await message.refresh_from_db()
    assert message.attachments == [{"type": "billing", "details": {**facts, **expires}}]
    assert message.status == "read"


async def test_whatsapp_failed_status_keeps_the_error(accounts: dict[str, PlatformAccount]) -> None:
    message = await _outgoing(accounts["whatsapp"], WA_SENT_ID, WA_CUSTOMER, datetime.now(UTC))
    result = await ingest("whatsapp", load_fixture("whatsapp", "status_failed"))
    await message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == 130472
    assert message.error_message == (
        "User's number is part of an experiment: Failed to send message because this user's "
        "phone number is part of an experiment"
    )
    assert result.events[0].type == "message_status"


async def test_messenger_read_watermark_marks_only_older_outgoing(
    accounts: dict[str, PlatformAccount],
) -> None:
    account = accounts["messenger"]
    older = await _outgoing(account, "m_old", PSID, datetime(2016, 3, 22, 17, 0, tzinfo=UTC))
    newer = await _outgoing(account, "m_new", PSID, datetime(2016, 3, 22, 18, 0, tzinfo=UTC))
    await ingest("messenger", load_fixture("messenger", "read"))
    await older.refresh_from_db()
    await newer.refresh_from_db()
    assert (older.status, newer.status) == ("read", "sent")


async def test_messenger_delivery_by_mid(accounts: dict[str, PlatformAccount]) -> None:
    """Meta's own sample carries no `timestamp`: it still moves the reply to delivered."""
    sent = await _outgoing(accounts["messenger"], DELIVERED_MID, PSID, datetime.now(UTC))
    result = await ingest("messenger", load_fixture("messenger", "delivery"))
    await sent.refresh_from_db()
    assert sent.status == "delivered"
    assert result.skipped == []


async def test_messenger_delivery_by_watermark(accounts: dict[str, PlatformAccount]) -> None:
    """Older clients send only the watermark: every earlier reply to that customer is delivered."""
    account = accounts["messenger"]
    older = await _outgoing(account, "m_old", PSID, datetime(2016, 3, 22, 17, 0, tzinfo=UTC))
    newer = await _outgoing(account, "m_new", PSID, datetime(2016, 3, 22, 18, 0, tzinfo=UTC))
    body = load_fixture("messenger", "delivery")
    del body["entry"][0]["messaging"][0]["delivery"]["mids"]
    await ingest("messenger", body)
    await older.refresh_from_db()
    await newer.refresh_from_db()
    assert (older.status, newer.status) == ("delivered", "sent")


async def test_reaction_then_unreaction(accounts: dict[str, PlatformAccount]) -> None:
    await ingest("messenger", load_fixture("messenger", "text"))  # the message reacted to
    await ingest("messenger", load_fixture("messenger", "reaction"))
    assert (await Message.get()).reaction == "❤️"
    await ingest("messenger", load_fixture("messenger", "unreaction"))
    assert (await Message.get()).reaction is None


async def test_deleted_message_keeps_the_row_but_not_the_words(
    accounts: dict[str, PlatformAccount],
) -> None:
    body = load_fixture("instagram", "share")
    body["entry"][0]["messaging"][0]["message"]["mid"] = "message-id-to-delete"
    await ingest("instagram", body)
    await ingest("instagram", load_fixture("instagram", "deleted"))
    message = await Message.get()
    assert message.is_deleted is True
    assert message.content == ""


async def test_unconnected_account_is_skipped_and_the_rest_of_the_batch_stored(
    accounts: dict[str, PlatformAccount],
) -> None:
    body = load_fixture("messenger", "text")
    stranger = {**body["entry"][0], "id": "999999999"}
    stranger["messaging"] = [
        {**stranger["messaging"][0], "message": {"mid": "m_stranger", "text": "hi"}}
    ]
    body["entry"] = [stranger, *body["entry"]]
    result = await ingest("messenger", body)
    assert result.stored == 1
    assert result.skipped == ["account 999999999 is not connected"]
    assert await Message.filter(platform_message_id="m_stranger").count() == 0
    log = await WebhookLog.get()
    assert log.processed is True
    assert "999999999" in (log.error or "")


async def test_inactive_account_is_not_routed(accounts: dict[str, PlatformAccount]) -> None:
    await PlatformAccount.filter(platform="messenger").update(is_active=False)
    result = await ingest("messenger", load_fixture("messenger", "text"))
    assert result.stored == 0
    assert await Message.all().count() == 0


async def test_new_message_event_carries_fresh_conversation_after_commit(
    accounts: dict[str, PlatformAccount],
) -> None:
    bus = InProcessBus()
    with bus.subscribe() as subscription:
        await ingest("whatsapp", load_fixture("whatsapp", "text"), bus)
        await ingest("whatsapp", load_fixture("whatsapp", "text"), bus)
        event = subscription.queue.get_nowait()
        assert subscription.queue.empty(), "a retried webhook must not publish again"
    assert event["type"] == "new_message"
    assert event["workspace_id"] == str(accounts["whatsapp"].workspace_id)  # type: ignore[attr-defined]
    assert event["message"]["content"] == "Body Text"
    assert event["conversation"]["unread_count"] == 1
    stored = await Message.get()
    assert event["message"]["id"] == str(stored.id)


async def test_every_fixture_ingests_without_error(accounts: dict[str, PlatformAccount]) -> None:
    from tests.helpers import routed_account, webhook_fixture_paths

    for path in webhook_fixture_paths():
        platform = path.parent.name
        await ingest(platform, load_fixture(platform, path.stem), account=routed_account(platform))
    assert await Message.all().count() > 10
    assert await WebhookLog.all().count() == len(webhook_fixture_paths())


async def test_nul_characters_and_oversized_ids_do_not_break_the_batch(
    accounts: dict[str, PlatformAccount],
) -> None:
    body = load_fixture("messenger", "text")
    item = body["entry"][0]["messaging"][0]
    body["entry"][0]["messaging"] = [
        {**item, "message": {"mid": "m_nul", "text": "a\x00b"}},
        {**item, "message": {"mid": "m_" + "x" * 300, "text": "too long id"}},
    ]
    result = await ingest("messenger", body)
    assert result.stored == 1
    assert (await Message.get()).content == "ab"
    assert any("longer than 255" in reason for reason in result.skipped)


async def test_wrong_shape_and_unknown_platform_store_nothing(
    accounts: dict[str, PlatformAccount],
) -> None:
    with pytest.raises(PayloadError):
        await ingest("messenger", {"object": "instagram", "entry": []})
    with pytest.raises(PayloadError):
        await ingest("whatsapp", ["not", "an", "object"])
    with pytest.raises(UnknownPlatformError):
        await ingest("signal", {"object": "page", "entry": []})
    assert await WebhookLog.all().count() == 0


async def test_conversations_are_per_account(accounts: dict[str, PlatformAccount]) -> None:
    await ingest("messenger", load_fixture("messenger", "text"))
    await ingest("messenger", load_fixture("messenger", "image"))
    conversations = await Conversation.all()
    messages = await Message.all().order_by("received_at")
    assert len(messages) == 2
    assert {c.platform_account_id for c in conversations} == {  # type: ignore[attr-defined]
        accounts["messenger"].id
    }
    assert uuid.UUID(str(messages[0].conversation_id)) in {c.id for c in conversations}  # type: ignore[attr-defined]
    assert FIXTURE_ACCOUNTS["messenger"] == accounts["messenger"].external_id


async def test_an_edit_replaces_the_text_once_and_keeps_the_old_one(
    accounts: dict[str, PlatformAccount],
) -> None:
    body = load_fixture("messenger", "quick_reply")
    body["entry"][0]["messaging"][0]["message"]["mid"] = "<MESSAGE_ID>"  # the edit's target
    await ingest("messenger", body)
    edit = load_fixture("messenger", "message_edit")
    first = await ingest("messenger", edit)
    again = await ingest("messenger", edit)
    message = await Message.get()
    assert message.content == "<TEXT>"
    assert message.attachments == [
        {
            "type": "edit",
            "count": 1,
            "previous": "hello, world!",
            "at": "2016-03-22T17:47:36.463000+00:00",
        }
    ]
    assert [e.type for e in first.events] == ["message_edited"]
    assert again.events == []


async def test_an_edit_of_an_unknown_message_is_logged_not_stored(
    accounts: dict[str, PlatformAccount],
) -> None:
    result = await ingest("messenger", load_fixture("messenger", "message_edit"))
    assert result.skipped == ["edit of unknown message <MESSAGE_ID>"]
    assert await Message.all().count() == 0
    assert "edit of unknown message" in ((await WebhookLog.get()).error or "")


async def test_new_billing_facts_carry_the_message_for_the_dashboard(
    accounts: dict[str, PlatformAccount],
) -> None:
    message = await _outgoing(accounts["whatsapp"], WA_SENT_ID, WA_CUSTOMER, datetime.now(UTC))
    # Our send already set "sent": Meta's "sent" status moves nothing but brings the billing.
    first = await ingest("whatsapp", load_fixture("whatsapp", "status_sent"))
    [event] = first.events
    assert event.type == "message_status"
    wire = event.wire()
    assert wire["status"] == "sent"
    assert wire["message"]["id"] == str(message.id)
    assert wire["message"]["display"] == [
        {"text": "billed by Meta as a service conversation", "url": None, "context": True}
    ]
    again = await ingest("whatsapp", load_fixture("whatsapp", "status_sent"))
    assert again.events == []
