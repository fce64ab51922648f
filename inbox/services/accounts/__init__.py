"""Platform accounts: connecting, Facebook Login, tokens at rest and their care."""
