"""Telegram: the adapter, its Bot API calls and its update parser."""

from __future__ import annotations

from inbox.platforms.telegram.adapter import ADAPTER, TelegramAdapter

__all__ = ["ADAPTER", "TelegramAdapter"]
