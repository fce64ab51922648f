"""Conversation state, reading and the workspace-scoped listings."""
