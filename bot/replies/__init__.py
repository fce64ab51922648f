"""Slack → customer: thread replies, agent reactions, shared files, the Retry button."""
