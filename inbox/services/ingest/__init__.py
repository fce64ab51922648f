"""Webhook ingest: parse, store in one transaction, announce after commit."""
