"""Prometheus metrics of this process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOKS = Counter(
    "cahts_webhooks_total",
    "Webhook requests by platform and outcome (accepted or the rejection reason).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
INGEST_SECONDS = Histogram(
    "cahts_ingest_seconds",
    "Time from receiving a verified webhook to its commit.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
MESSAGES_STORED = Counter(
    "cahts_messages_stored_total", "New messages stored.", ["platform", "source"], registry=REGISTRY
)
ITEMS_SKIPPED = Counter(
    "cahts_webhook_items_skipped_total",
    "Webhook items not stored, by reason: not_a_message (documented non-message items), "
    "malformed (no id or sender), unknown_account, oversized.",
    ["platform", "reason"],
    registry=REGISTRY,
)
UNSUPPORTED_STORED = Counter(
    "cahts_messages_unsupported_total",
    "Customer messages stored as unsupported (kept raw, shown as 'cannot show yet'), by type.",
    ["platform", "type"],
    registry=REGISTRY,
)
GRAPH_CALLS = Counter(
    "cahts_graph_calls_total", "Graph API calls by outcome.", ["outcome"], registry=REGISTRY
)
SLACK_CALLS = Counter(
    "cahts_slack_calls_total",
    "Slack Web API calls by method and outcome.",
    ["method", "outcome"],
    registry=REGISTRY,
)
WEBSOCKETS = Gauge("cahts_websocket_connections", "Open WebSocket connections.", registry=REGISTRY)
TASK_QUEUE_DEPTH = Gauge(
    "cahts_task_queue_depth", "Tasks waiting in the broker stream.", registry=REGISTRY
)
OUTBOX_PENDING = Gauge(
    "cahts_outbox_pending", "Sends not yet delivered or failed.", registry=REGISTRY
)
TOKEN_EXPIRY = Gauge(
    "cahts_token_expiry_seconds",
    "Seconds until a platform account's token expires (negative: expired).",
    ["account_id", "platform"],
    registry=REGISTRY,
)

BODIES_REFUSED = Counter(
    "cahts_request_bodies_refused_total",
    "Request bodies refused before any handler: too large, too slow, or over the budget.",
    ["reason"],
    registry=REGISTRY,
)
BODY_BYTES_HELD = Gauge(
    "cahts_request_body_bytes", "Bytes reserved by request bodies in flight.", registry=REGISTRY
)
