"""Take the template screenshots in docs/screenshots/.

Run: `.venv/bin/python docs/template_screenshots.py`.

The dashboard picture is the real dashboard in Debian's Chromium (/usr/bin/chromium) against cahts
on a temporary SQLite database, with Meta's documented templates served by the fake Graph API.

The Slack pictures are NOT captures of Slack's client (there is no Slack workspace here): they
are the Block Kit and text cahts sends — built by the same functions the bot uses — drawn as
HTML in a Slack-like frame by `_slack_page` below and photographed in the same Chromium.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
os.environ.pop("REDIS_URL", None)

from cryptography.fernet import Fernet  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from bot.templates.blocks import Choice, template_modal  # noqa: E402
from bot.templates.card import window_blocks  # noqa: E402
from bot.thread.blocks import conversation_card, window_text  # noqa: E402
from bot.thread.panel import panel_blocks  # noqa: E402
from bot.thread.render import MessageView, message_text  # noqa: E402
from inbox.graph import GraphClient  # noqa: E402
from inbox.models import Conversation, Message, PlatformAccount, Workspace  # noqa: E402
from inbox.platforms import whatsapp_templates as wt  # noqa: E402
from inbox.services.accounts.crypto import TokenCipher  # noqa: E402
from inbox.services.templates.catalog import refresh_account  # noqa: E402
from tests.browser import BrowserApp, launch, serving, sign_in  # noqa: E402
from tests.factories import FIXTURE_ACCOUNTS, make_owner  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402

EMAIL = "ana@acme.example"
WABA = "102290129340398"
NAMED = "jaspers_market_order_delivery_update_named_us"
VALUES = {"header.order_type": "Order", "body.order_id": "4821", "body.customer_name": "Oliver"}


async def seed(app: BrowserApp, key: str) -> str:
    """A workspace with a WhatsApp number, its templates, and a customer quiet for 30 hours."""
    now = datetime.now(UTC)
    workspace = await Workspace.create(name="Acme Outdoor")
    await make_owner(workspace, EMAIL)
    account = await PlatformAccount.create(
        workspace=workspace,
        platform="whatsapp",
        external_id=FIXTURE_ACCOUNTS["whatsapp"],
        parent_external_id=WABA,
        name="Acme Support",
        access_token=TokenCipher([key]).encrypt("demo-token"),
    )
    app.graph.serve_templates(
        WABA,
        load_fixture("graph", "whatsapp_message_templates_page1"),
        load_fixture("graph", "whatsapp_message_templates_page2"),
    )
    graph = GraphClient(app.graph.url)
    await refresh_account(graph, TokenCipher([key]), account)
    await graph.close()
    wrote = now - timedelta(hours=30)
    conversation = await Conversation.create(
        workspace=workspace,
        platform_account=account,
        participant_id="16505551234",
        participant_name="Oliver Brown",
        last_message_at=wrote,
        last_incoming_at=wrote,
    )
    for when, incoming, text in (
        (wrote - timedelta(minutes=3), True, "Is my order #4821 ready for pickup?"),
        (wrote - timedelta(minutes=1), False, "Not yet, we'll let you know as soon as it is!"),
        (wrote, True, "Thanks!"),
    ):
        await Message.create(
            workspace=workspace,
            platform_account=account,
            conversation=conversation,
            platform_message_id=f"wamid.{uuid.uuid4().hex}",
            sender_id="16505551234" if incoming else account.external_id,
            sender_name="Oliver Brown" if incoming else "",
            content=text,
            is_incoming=incoming,
            is_read=True,
            status="received" if incoming else "read",
            agent=None if incoming else "Ana",
            received_at=when,
        )
    return str(conversation.id)


def dashboard(browser: Browser, app: BrowserApp, conversation_id: str) -> None:
    """The chat past the window: the picker filled in, its preview complete."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, app.base_url, EMAIL)
    page.goto(f"{app.base_url}/#/chats/{conversation_id}")
    page.get_by_label("Template", exact=True).select_option(label=f"{NAMED} (en) · utility")
    page.get_by_label("Header {{order_type}}").fill(VALUES["header.order_type"])
    page.get_by_label("Body {{order_id}}").fill(VALUES["body.order_id"])
    page.get_by_label("Body {{customer_name}}").fill(VALUES["body.customer_name"])
    page.get_by_text("Thank you for your order, Oliver!").wait_for()
    page.screenshot(path=str(OUT / "template-dashboard.png"))
    page.close()


# --- Block Kit drawn as HTML -------------------------------------------------------------------

EMOJI = {
    "speech_balloon": "💬", "large_green_circle": "🟢", "hourglass_flowing_sand": "⏳",
    "page_facing_up": "📄", "no_entry": "⛔", "white_check_mark": "✅", "iphone": "📱",
    "ballot_box_with_check": "☑️", "incoming_envelope": "📨", "warning": "⚠️",
}  # fmt: skip


def _mrkdwn(text: str) -> str:
    out = html.escape(html.unescape(text), quote=False)
    out = re.sub(r"&lt;!date\^\d+\^[^|]*\|([^&]*)&gt;", r"\1", out)
    out = re.sub(r"&lt;(https?://[^|&]*)\|([^&]*)&gt;", r'<a href="#">\2</a>', out)
    out = re.sub(r"&lt;@([^&]+)&gt;", r'<span class="mention">@\1</span>', out)
    out = re.sub(r":([a-z_]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), out)
    out = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w{])_([^_\n][^\n]*?)_(?![\w}])", r"<i>\1</i>", out)
    lines = []
    for line in out.split("\n"):
        quoted = line.startswith("&gt; ") or line == "&gt;"
        body = line[5:] if line.startswith("&gt; ") else ("" if quoted else line)
        lines.append(f'<div class="quote">{body or "&nbsp;"}</div>' if quoted else body)
    return "<br>".join(lines).replace("</div><br>", "</div>")


def _element(e: dict[str, Any]) -> str:
    if e["type"] == "button":
        style = " primary" if e.get("style") == "primary" else ""
        return f'<span class="btn{style}">{html.escape(e["text"]["text"])}</span>'
    if e["type"] == "static_select":
        shown = (e.get("initial_option") or {}).get("text", {}).get("text")
        text = shown or e["placeholder"]["text"]
        return f'<div class="field select">{html.escape(text)} ▾</div>'
    if e["type"] == "plain_text_input":
        value = e.get("initial_value") or ""
        return f'<div class="field">{html.escape(value) or "&nbsp;"}</div>'
    return ""


def _blocks(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for b in blocks:
        kind = b["type"]
        if kind == "section":
            parts.append(f'<div class="section">{_mrkdwn(b["text"]["text"])}</div>')
        elif kind == "context":
            bits = " · ".join(_mrkdwn(e["text"]) for e in b["elements"])
            parts.append(f'<div class="context">{bits}</div>')
        elif kind == "actions":
            parts.append(f'<div class="actions">{"".join(map(_element, b["elements"]))}</div>')
        elif kind == "input":
            label = html.escape(b["label"]["text"])
            parts.append(f'<div class="input"><label>{label}</label>{_element(b["element"])}</div>')
        elif kind == "divider":
            parts.append("<hr>")
    return "".join(parts)


STYLE = """
body { margin: 0; font: 15px/1.46 -apple-system, 'Segoe UI', Lato, sans-serif; color: #1d1c1d;
  background: #f8f8f8; }
.note { font-size: 12px; color: #616061; padding: 6px 16px; background: #fff8e1; }
.modal { width: 520px; margin: 24px auto; background: #fff; border-radius: 8px;
  box-shadow: 0 4px 24px rgba(0,0,0,.2); }
.modal h1 { font-size: 20px; margin: 0; padding: 18px 24px; border-bottom: 1px solid #ddd; }
.modal .content { padding: 8px 24px 16px; }
.modal footer { text-align: right; padding: 14px 24px; border-top: 1px solid #ddd; }
.section { margin: 8px 0; } .context { font-size: 13px; color: #616061; margin: 6px 0; }
.input { margin: 12px 0; } .input label { display: block; font-weight: 700; margin-bottom: 4px; }
.field { border: 1px solid #bbb; border-radius: 4px; padding: 8px 10px; }
.quote { border-left: 4px solid #ddd; padding-left: 10px; }
.btn { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 4px 12px;
  font-weight: 700; margin-right: 8px; background: #fff; }
.btn.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.actions { margin: 8px 0; } hr { border: 0; border-top: 1px solid #ddd; }
.thread { width: 640px; margin: 16px auto; background: #fff; border: 1px solid #ddd;
  border-radius: 8px; }
.thread h1 { font-size: 16px; margin: 0; padding: 12px 16px; border-bottom: 1px solid #ddd; }
.post { display: flex; gap: 10px; padding: 10px 16px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #e8f5e9; display: flex;
  align-items: center; justify-content: center; font-size: 20px; flex: none; }
.who { font-weight: 900; } .when { color: #616061; font-size: 12px; font-weight: 400; }
.marks span { display: inline-block; border: 1px solid #ddd; border-radius: 12px; padding: 0 8px;
  margin-top: 4px; font-size: 13px; background: #f8f8f8; }
.mention { color: #1264a3; background: #e8f5fa; padding: 0 2px; border-radius: 3px; }
.replies { font-size: 13px; color: #616061; padding: 4px 16px; border-top: 1px solid #eee; }
"""

NOTE = (
    "Drawn from the Block Kit and text cahts sends to Slack (docs/template_screenshots.py); "
    "not a capture of the Slack client."
)


def _post(icon: str, who: str, when: str, body: str, marks: str = "") -> str:
    return (
        f'<div class="post"><div class="avatar">{icon}</div><div><div class="who">'
        f'{html.escape(who)} <span class="when">{when}</span></div>{body}'
        f"{f'<div class=marks>{marks}</div>' if marks else ''}</div></div>"
    )


def slack_pages(conversation_id: str, templates: list[wt.Template]) -> tuple[str, str]:
    """The modal as Slack draws its blocks, and the thread after the template went out."""
    choices = [Choice(str(uuid.uuid4()), t) for t in templates]
    chosen = next(c for c in choices if c.template.name == NAMED)
    view = template_modal(
        conversation_id=conversation_id, customer="Oliver Brown", choices=choices,
        chosen=chosen, values=VALUES,
    )  # fmt: skip
    modal = (
        f'<div class="note">{NOTE}</div><div class="modal"><h1>{view["title"]["text"]}</h1>'
        f'<div class="content">{_blocks(view["blocks"])}</div><footer>'
        f'<span class="btn">{view["close"]["text"]}</span>'
        f'<span class="btn primary">{view["submit"]["text"]}</span></footer></div>'
    )
    now = datetime.now(UTC)
    wrote = now - timedelta(hours=30)
    conversation = Conversation(
        id=uuid.UUID(conversation_id), last_incoming_at=wrote, template_sent_at=now
    )
    panel = panel_blocks(
        conversation_id=conversation_id, status="open", assignee="<@Ana>", assigned=True
    )
    _, card = conversation_card(
        customer="Oliver Brown", platform="whatsapp", account_name="Acme Support",
        window=window_text(wrote, now, None), dashboard_url="https://cahts.example.com/",
        panel=[*window_blocks(conversation, "whatsapp", now), *panel],
    )  # fmt: skip
    sent = message_text(
        MessageView(
            platform="whatsapp", customer="Oliver Brown", account_name="Acme Support",
            is_incoming=False, kind="template",
            content=wt.render(chosen.template, VALUES), source="slack_template", agent="Ana",
            template=f"{NAMED} · en · utility",
        )
    )  # fmt: skip
    refusal = (
        ":no_entry: *Not sent to the customer:* the reply window is closed: the customer last "
        "wrote more than 24 hours ago"
    )
    thread = (
        f'<div class="note">{NOTE}</div><div class="thread"><h1># support · Thread</h1>'
        + _post("📱", "cahts", "yesterday 10:02", _blocks(card))
        + _post("📱", "Oliver Brown · WhatsApp customer", "yesterday 10:02",
                _mrkdwn("Thanks!"))
        + '<div class="replies">today</div>'
        + _post("👩", "Ana", "16:40", _mrkdwn("Your order is ready, come by any time!"),
                "<span>❌ 1</span>")
        + _post("📱", "cahts", "16:40", _blocks([
            {"type": "section", "text": {"type": "mrkdwn", "text": refusal}},
            {"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Send a template…"}}]},
        ]))
        + _post("📨", "Ana (via cahts)", "16:41", _mrkdwn(sent),
                "<span>✅ 1</span>")
        + "</div>"
    )  # fmt: skip
    return modal, thread


def slack(browser: Browser, conversation_id: str, templates: list[wt.Template]) -> None:
    """Photograph the two Slack drawings."""
    modal, thread = slack_pages(conversation_id, templates)
    shots = (("template-slack-modal", modal, 860), ("template-slack-thread", thread, 900))
    for name, body, height in shots:
        page = browser.new_page(viewport={"width": 760, "height": height})
        page.set_content(f"<!doctype html><meta charset=utf-8><style>{STYLE}</style>{body}")
        page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
        page.close()


def main() -> None:
    """Serve, seed, photograph the dashboard, then the Slack drawings."""
    OUT.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    templates = [
        t
        for n in (1, 2)
        for t in wt.parse_page(load_fixture("graph", f"whatsapp_message_templates_page{n}"))[0]
        if t.status == "APPROVED"
    ]
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
            page = browser.new_page()
            page.goto(f"{app.base_url}/")
            page.get_by_role("button", name="Sign in").wait_for()  # the schema is migrated
            page.close()
            conversation_id = app.run(seed(app, key))
            dashboard(browser, app, conversation_id)
            slack(browser, conversation_id, templates)
            browser.close()
    for name in ("template-dashboard", "template-slack-modal", "template-slack-thread"):
        print(f"docs/screenshots/{name}.png")


if __name__ == "__main__":
    main()
