"""The Slack mirror: conversations into threads, in order, once; sweeps and leases."""
