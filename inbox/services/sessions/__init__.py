"""Dashboard and API users: registration, login, passwords, API tokens, throttling."""
