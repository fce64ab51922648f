"""The customer's name when the webhook gave none: the platform's adapter looks it up."""

from __future__ import annotations

from inbox.graph import GraphClient
from inbox.platforms.registry import get_adapter


async def lookup_name(
    graph: GraphClient, platform: str, participant_id: str, token: str
) -> str | None:
    """The name the platform shows for this customer, or None (unsupported, refused)."""
    adapter = get_adapter(platform)
    if adapter is None:
        return None
    return await adapter.lookup_name(graph, participant_id, token)
