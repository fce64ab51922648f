"""Telegram's label, icon and colour reach Slack, charts and /inbox from its adapter alone."""

from __future__ import annotations

from bot.listeners.commands.connect import USAGE as CONNECT_USAGE
from bot.listeners.commands.stats import USAGE as STATS_USAGE
from bot.thread.render import customer_author, platform_icon, platform_label
from inbox.charts import platform_color
from inbox.platforms.telegram import ADAPTER


def test_slack_posts_carry_telegrams_label_and_icon() -> None:
    assert (platform_label("telegram"), platform_icon("telegram")) == ("Telegram", ":airplane:")
    author = customer_author("Nic Pottier (@nicpottier)", "telegram")
    assert author.args() == {
        "username": "Nic Pottier (@nicpottier) · Telegram customer",
        "icon_emoji": ":airplane:",
    }


def test_charts_draw_telegram_in_its_colour() -> None:
    assert platform_color("telegram") == ADAPTER.color == "#229ed9"


def test_inbox_commands_offer_telegram() -> None:
    assert "telegram" in CONNECT_USAGE.split()[1].split("|")
    assert "telegram" in STATS_USAGE
