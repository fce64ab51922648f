"""Outbound messages: the durable outbox and the platform send."""
