"""Slack installs: OAuth, the installation store, which team serves which workspace."""
