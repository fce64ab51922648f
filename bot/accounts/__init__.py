"""Platform accounts from Slack: connecting and `/inbox status`."""
