"""Tokens at rest: a pg_dump holds no plaintext token; `cahts rotate-keys` end to end."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.install.workspaces import target_for
from inbox.models import PlatformAccount, SlackInstallation, Workspace
from inbox.services.accounts.crypto import TokenCipher, TokenDecryptError
from inbox.settings import Settings, load_settings
from tests.conftest import cahts_env
from tests.fakes.graph import FakeGraph, conversations_page
from tests.helpers import require_tool
from tests.processes import run_async

PAGE = "104578291736452"
CUSTOMER = "7349205816634201"
PAGE_TOKEN = "EAAGplaintextPageTokenThatMustNeverBeInADump0123"
BOT_TOKEN = "xoxb-1111-2222-plaintextBotTokenNeverInADump"
OLD, NEW, FOREIGN = (Fernet.generate_key().decode() for _ in range(3))


async def _cahts(settings: Settings, cwd: Path, keys: str, *args: str) -> tuple[int, str, str]:
    """The console script with these TOKEN_ENCRYPTION_KEYS (the loop serves the fakes meanwhile)."""
    env = cahts_env(settings.database_url, META_GRAPH_URL=settings.meta_graph_url)
    return await run_async(list(args), {**env, "TOKEN_ENCRYPTION_KEYS": keys}, cwd)


async def _dump(settings: Settings) -> str:
    """`pg_dump` of the whole test database, as an operator's backup would be."""
    pg_dump = shutil.which("pg_dump") or ""
    require_tool(bool(pg_dump), "pg_dump is not installed (apt-get install postgresql-client)")
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    proc = await asyncio.create_subprocess_exec(
        pg_dump, "--dbname", url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def _keys(*keys: str) -> Settings:
    return load_settings(cahts_env(TOKEN_ENCRYPTION_KEYS=",".join(keys)), read_dotenv=False)


async def _sync_uses_the_page_token(
    database: Settings, graph: FakeGraph, cwd: Path, keys: str
) -> None:
    status, out, err = await _cahts(database, cwd, keys, "sync", PAGE)
    assert status == 0, out + err
    assert graph.got("/conversations")[-1].authorization == f"Bearer {PAGE_TOKEN}"


async def test_tokens_stay_encrypted_and_survive_a_key_rotation(
    database: Settings, graph: FakeGraph, tmp_path: Path
) -> None:
    status, _, err = await _cahts(
        database, tmp_path, OLD,
        "account", "add", "--platform", "messenger", "--external-id", PAGE, "--name", "Shop",
        "--token", PAGE_TOKEN,
    )  # fmt: skip
    assert status == 0, err
    workspace = await Workspace.get()
    await SlackInstallation.create(
        workspace=workspace, team_id="T0ROTATE", bot_token=TokenCipher([OLD]).encrypt(BOT_TOKEN)
    )
    before = await PlatformAccount.get()

    dump = await _dump(database)
    assert before.access_token in dump  # the row is in the dump, encrypted
    assert PAGE_TOKEN not in dump and BOT_TOKEN not in dump

    # A new key first, the old one after it: every token keeps working before the rotation.
    graph.serve_pages("/conversations", conversations_page(PAGE, CUSTOMER, "m_ROTATE_1"))
    await _sync_uses_the_page_token(database, graph, tmp_path, f"{NEW},{OLD}")
    served = await target_for(_keys(NEW, OLD), workspace.id)
    assert served is not None and served.token == BOT_TOKEN

    status, out, err = await _cahts(database, tmp_path, f"{NEW},{OLD}", "rotate-keys")
    assert status == 0, err
    assert "1 platform account(s), 1 Slack installation(s)" in out
    assert "the others can be removed" in out

    # The old key can go: the new one alone reads everything, the old one alone nothing.
    after = await PlatformAccount.get()
    bot = await SlackInstallation.get()
    assert after.access_token != before.access_token
    assert TokenCipher([NEW]).decrypt(after.access_token) == PAGE_TOKEN
    assert TokenCipher([NEW]).decrypt(bot.bot_token) == BOT_TOKEN
    for stored in (after.access_token, bot.bot_token):
        with pytest.raises(TokenDecryptError):
            TokenCipher([OLD]).decrypt(stored)
    await _sync_uses_the_page_token(database, graph, tmp_path, NEW)
    served = await target_for(_keys(NEW), workspace.id)
    assert served is not None and served.token == BOT_TOKEN

    dump = await _dump(database)
    assert after.access_token in dump
    assert PAGE_TOKEN not in dump and BOT_TOKEN not in dump


async def test_a_token_no_key_can_read_is_reported_and_left_alone(
    database: Settings, tmp_path: Path
) -> None:
    workspace = await Workspace.create(name="Acme")
    readable = await PlatformAccount.create(
        workspace=workspace, platform="messenger", external_id="1",
        access_token=TokenCipher([OLD]).encrypt("token-one"),
    )  # fmt: skip
    lost = await PlatformAccount.create(
        workspace=workspace, platform="messenger", external_id="2",
        access_token=TokenCipher([FOREIGN]).encrypt("token-two"),
    )  # fmt: skip

    status, out, err = await _cahts(database, tmp_path, f"{NEW},{OLD}", "rotate-keys")

    assert status == 1
    assert "re-encrypted with the newest key: 1 platform account(s)" in out
    assert f"platform account {lost.id}" in err
    assert "cannot be decrypted with any key" in err
    await readable.refresh_from_db()
    assert TokenCipher([NEW]).decrypt(readable.access_token) == "token-one"
    unchanged = await PlatformAccount.get(id=lost.id)
    assert unchanged.access_token == lost.access_token
