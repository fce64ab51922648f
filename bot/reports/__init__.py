"""Reports in Slack: `/inbox stats`, the daily digest and their worker tasks."""
