"""Sync and backfill from the platforms' history APIs."""
