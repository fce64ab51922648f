"""Draw the README's Slack chart examples: `.venv/bin/python docs/slack_charts.py`.

Seeds two weeks of demo traffic into an embedded SQLite database in a temporary directory,
runs the analytics aggregation, and renders what `/inbox stats 14d` uploads and what the
daily digest posts, through the same code (bot/reports/stats.py, bot/reports/digest.py) into
docs/screenshots/slack-stats.png and slack-digest.png; prints the texts that go with them.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from bot.reports.digest import digest_text  # noqa: E402
from bot.reports.stats import StatsAsk, report  # noqa: E402
from inbox import charts, db, schema  # noqa: E402
from inbox.models import PlatformAccount, Workspace  # noqa: E402
from inbox.services import analytics  # noqa: E402
from inbox.settings import load_settings  # noqa: E402
from tests.factories import make_account, make_conversation, make_message, make_workspace  # noqa: E402

DAYS = 14
TODAY = date(2026, 11, 25)
# platform → (customers a day, minutes to the first reply)
TRAFFIC = {"messenger": (9, 6), "instagram": (6, 14), "whatsapp": (12, 4)}


async def seed(key: str, rng: random.Random) -> tuple[Workspace, dict[str, PlatformAccount]]:
    """Two weeks of conversations on three accounts; the workspace and its accounts."""
    workspace = await make_workspace("Acme")
    names = {"messenger": "Acme Shop", "instagram": "acme.shop", "whatsapp": "Acme WhatsApp"}
    accounts = {p: await make_account(workspace, p, key=key, name=names[p]) for p in TRAFFIC}
    serial = 0
    for back in range(DAYS - 1, -1, -1):
        day = TODAY - timedelta(days=back)
        weekend = day.weekday() >= 5
        for platform, (per_day, reply_minutes) in TRAFFIC.items():
            for _ in range(max(1, rng.randint(per_day // 2, per_day) - (3 if weekend else 0))):
                serial += 1
                hour = min(22, max(7, int(rng.gauss(14, 3.5))))
                asked = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=UTC)
                conversation = await make_conversation(accounts[platform], f"{serial:08d}")
                for n in range(rng.randint(1, 3)):
                    await make_message(conversation, "hi", received_at=asked + timedelta(minutes=n))
                if rng.random() < 0.9:
                    wait = timedelta(minutes=rng.expovariate(1 / reply_minutes) + 1)
                    for n in range(rng.randint(1, 2)):
                        sent = asked + wait + timedelta(minutes=n * 2)
                        await make_message(conversation, "hello!", incoming=False, received_at=sent)
    await analytics.aggregate(TODAY - timedelta(days=DAYS), TODAY + timedelta(days=1))
    return workspace, accounts


async def main() -> None:
    """Seed, render, write the PNGs, print the texts."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite://{Path(tmp) / 'demo.db'}"
        key = Fernet.generate_key().decode()
        settings = load_settings(
            {"DATABASE_URL": url, "JWT_SECRET": "x" * 48, "TOKEN_ENCRYPTION_KEYS": key},
            read_dotenv=False,
        )
        await schema.migrate(url)
        await db.connect(settings)
        try:
            workspace, accounts = await seed(key, random.Random(7))  # noqa: S311 - demo data
            _, text, png = await report(StatsAsk(workspace.id, DAYS), TODAY)
            (OUT / "slack-stats.png").write_bytes(png)
            print(text, end="\n\n")
            shop = accounts["whatsapp"]
            yesterday = TODAY - timedelta(days=1)
            figures = await analytics.account_day(shop.id, yesterday)
            title = f"{shop.name} · {yesterday.strftime('%a %d %b %Y')}"
            digest = charts.digest_chart(title, figures.hourly_in, figures.hourly_out, "png")
            (OUT / "slack-digest.png").write_bytes(digest)
            print(digest_text(shop, yesterday, figures))
        finally:
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
