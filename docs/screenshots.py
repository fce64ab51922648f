"""Take the dashboard screenshots in docs/screenshots/: `.venv/bin/python docs/screenshots.py`.

Serves cahts on an embedded SQLite database in a temporary directory, seeds a demo
workspace (accounts, conversations, a week of messages, the hourly analytics run), and drives
Debian's Chromium (/usr/bin/chromium) with Playwright. Nothing is downloaded.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
os.environ.pop("REDIS_URL", None)  # the in-process broker and bus, whatever the shell says

from cryptography.fernet import Fernet  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from inbox.models import Conversation, Message, PlatformAccount, Workspace  # noqa: E402
from inbox.services import analytics  # noqa: E402
from inbox.services.accounts.crypto import TokenCipher  # noqa: E402
from tests.browser import launch, serving, sign_in  # noqa: E402
from tests.factories import FIXTURE_ACCOUNTS, make_owner  # noqa: E402

EMAIL = "ana@acme.example"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# (platform, customer, [(minutes ago, incoming?, text, status)], unread)
CHATS = [
    (
        "messenger",
        "Jordan Smith",
        [
            (130, True, "Hi! Is the blue Trailhead 40 backpack still available?", "received"),
            (118, False, "Yes! We have three left in blue. Shall I hold one for you?", "read"),
            (9, True, "Yes please! Can I pick it up on Saturday morning?", "received"),
        ],
        1,
    ),
    (
        "instagram",
        "maya.lens",
        [
            (47, True, "Do you ship to Canada?", "received"),
            (46, True, "Also, how long is the return window?", "received"),
        ],
        2,
    ),
    (
        "whatsapp",
        "Oliver Brown",
        [
            (300, True, "My order #4821 hasn't arrived yet", "received"),
            (
                290,
                False,
                "Sorry, Oliver! It left on Tuesday, tracking 1Z 999 AA1",
                "delivered",
            ),
            (280, True, "Found it, thanks!", "received"),
        ],
        0,
    ),
    (
        "messenger",
        "Priya Patel",
        [
            (60 * 30, True, "Are the rain jackets back in stock?", "received"),
            (60 * 27, False, "They are! Sizes S to XL.", "failed"),
        ],
        0,
    ),
]
HISTORY = [5, 8, 6, 11, 9, 14, 7]  # customer messages per day, oldest first


async def seed(key: str) -> None:
    """The demo workspace: three accounts, live chats and a week of history."""
    now = datetime.now(UTC)
    workspace = await Workspace.create(name="Acme Outdoor")
    owner = await make_owner(workspace, EMAIL)
    owner.name = "Ana"
    await owner.save(update_fields=["name"])
    cipher = TokenCipher([key])
    facts = {
        "messenger": ("Acme Outdoor", timedelta(days=52)),
        "instagram": ("@acme.outdoor", timedelta(days=5)),
        "whatsapp": ("Acme Support", None),
    }
    accounts = {}
    for platform, (name, expires) in facts.items():
        accounts[platform] = await PlatformAccount.create(
            workspace=workspace,
            platform=platform,
            external_id=FIXTURE_ACCOUNTS[platform],
            name=name,
            access_token=cipher.encrypt("demo-token"),
            token_expires_at=now + expires if expires else None,
            last_webhook_at=now - timedelta(minutes=9),
            last_synced_at=now - timedelta(minutes=3),
        )
    for n, (platform, person, lines, unread) in enumerate(CHATS):
        await _chat(accounts[platform], f"90000000{n}", person, lines, unread, now)
    for day, count in enumerate(HISTORY):
        for k in range(count):
            platform = ("messenger", "instagram", "whatsapp", "messenger")[k % 4]
            when = now - timedelta(days=len(HISTORY) - day, hours=k % 9, minutes=k)
            reply = (2 + 7 * (k % 5)) * (2 if platform == "instagram" else 1)
            lines = [(0, True, "Hello!", "received"), (-reply, False, "Hi there!", "read")]
            await _chat(accounts[platform], f"7{day}{k:03d}", f"Customer {day}{k}", lines, 0, when)
    await analytics.aggregate(now.date() - timedelta(days=8), now.date() + timedelta(days=1))


async def _chat(
    account: PlatformAccount,
    participant: str,
    person: str,
    lines: list[tuple[int, bool, str, str]],
    unread: int,
    now: datetime,
) -> None:
    times = [now - timedelta(minutes=ago) for ago, *_ in lines]
    incoming = [t for t, (_, inc, *_) in zip(times, lines, strict=True) if inc]
    conversation = await Conversation.create(
        workspace_id=account.workspace_id,  # type: ignore[attr-defined]
        platform_account=account,
        participant_id=participant,
        participant_name=person,
        last_message_at=max(times),
        last_incoming_at=max(incoming) if incoming else None,
        unread_count=unread,
    )
    unread_left = unread
    for when, (_, inc, text, status) in sorted(zip(times, lines, strict=True), reverse=True):
        is_read = not inc or unread_left == 0
        unread_left -= 0 if is_read else 1
        await Message.create(
            workspace_id=account.workspace_id,  # type: ignore[attr-defined]
            platform_account=account,
            conversation=conversation,
            platform_message_id=f"m_{participant}_{when.timestamp()}",
            sender_id=participant if inc else account.external_id,
            sender_name=person if inc else "",
            content=text,
            is_incoming=inc,
            is_read=is_read,
            status=status,
            error_message="The 24-hour reply window has closed." if status == "failed" else None,
            agent=None if inc else "Ana",
            received_at=when,
            slack_posted=True,
        )


def _shoot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"docs/screenshots/{name}.png")


def main() -> None:
    """Serve, seed, sign in, and save one PNG per page."""
    OUT.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    with tempfile.TemporaryDirectory(prefix="cahts-shots-") as tmp:
        env = {
            "DATABASE_URL": f"sqlite://{tmp}/cahts.db",
            "JWT_SECRET": "s" * 48,
            "TOKEN_ENCRYPTION_KEYS": key,
            "META_APP_ID": "1234567890",
            "META_APP_SECRET": "demo-app-secret",
        }
        with serving(env) as app, sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport=DESKTOP)
            page.goto(f"{app.base_url}/")
            page.get_by_role("button", name="Sign in").wait_for()
            _shoot(page, "login")
            app.run(seed(key))
            sign_in(page, app.base_url, EMAIL)
            page.locator("figure[data-chart] img[src^='blob:']").first.wait_for()
            _shoot(page, "overview")
            page.get_by_role("link", name="Chats", exact=True).click()
            page.get_by_role("link", name="Jordan Smith").click()
            page.get_by_text("Can I pick it up on Saturday").wait_for()
            page.locator("textarea").fill("Of course! It will be at the front desk from 9 am.")
            _shoot(page, "chats")
            page.get_by_role("link", name="Platforms", exact=True).click()
            page.get_by_role("heading", name="WhatsApp", exact=True).wait_for()
            _shoot(page, "platforms")
            phone = browser.new_page(viewport=PHONE, device_scale_factor=2)
            sign_in(phone, app.base_url, EMAIL)
            phone.goto(f"{app.base_url}/#/chats")
            phone.get_by_role("link", name="maya.lens").click()
            phone.get_by_text("return window").wait_for()
            _shoot(phone, "chats-phone")
            browser.close()


if __name__ == "__main__":
    main()
