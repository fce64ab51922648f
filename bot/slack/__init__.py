"""Slack Web API plumbing: the client, its retries, error sorting, user names, signed links."""
