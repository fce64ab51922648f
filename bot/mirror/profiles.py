"""The customer's name when the webhook gave none (Messenger and Instagram profile APIs)."""

from __future__ import annotations

import logging

from inbox.graph import GraphClient, GraphError

log = logging.getLogger(__name__)

PROFILE_FIELDS = {"messenger": "first_name,last_name", "instagram": "name,username"}


async def lookup_name(
    graph: GraphClient, platform: str, participant_id: str, token: str
) -> str | None:
    """The name the platform shows for this customer, or None (unsupported, refused)."""
    fields = PROFILE_FIELDS.get(platform)
    if fields is None:
        return None
    try:
        data = await graph.get(participant_id, token=token, params={"fields": fields})
    except GraphError as exc:
        log.info("no %s profile for %s: %s", platform, participant_id, exc.message)
        return None
    if platform == "messenger":
        parts = [data.get("first_name"), data.get("last_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p).strip()
    else:
        full, handle = data.get("name"), data.get("username")
        name = full if isinstance(full, str) and full else ""
        if not name and isinstance(handle, str) and handle:
            name = f"@{handle}"
    return name[:200] or None
