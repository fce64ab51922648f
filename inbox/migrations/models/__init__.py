"""Migrations of the `models` app, oldest first by their number (read by aerich as files)."""
