"""The `cahts` console script, run as a user runs it: real processes, real databases."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import APP_SECRET, PG_URL, _recreate_database, cahts_env
from tests.helpers import fixture_bytes
from tests.processes import CAHTS, count_rows, free_port, post_webhook, run, serving

SUBCOMMANDS = [
    ["serve"],
    ["migrate"],
    ["worker"],
    ["scheduler"],
    ["genkey"],
    ["createuser"],
    ["account"],
    ["account", "add"],
    ["account", "list"],
    ["account", "remove"],
]


@pytest.fixture
def fresh_pg() -> str:
    """An empty, unmigrated PostgreSQL database."""
    import asyncio

    url = PG_URL + "_cli"
    asyncio.run(_recreate_database(url))
    return url


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=" ".join)
def test_every_subcommand_has_help(words: list[str], tmp_path: Path) -> None:
    result = run([*words, "--help"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: cahts" in result.stdout


def test_unknown_subcommand_is_a_usage_error(tmp_path: Path) -> None:
    result = run(["frobnicate"], {}, tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_embedded_sqlite_end_to_end_one_row_however_often_sent(tmp_path: Path) -> None:
    """Commands run from different folders share the one embedded database in the data dir."""
    env = {"META_APP_SECRET": APP_SECRET, "HOME": str(tmp_path)}
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    added = run(
        ["account", "add", "--platform", "messenger", "--external-id", "104578291736452",
         "--name", "Shop", "--token", "EAA-secret-token"],
        env, here,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    home = tmp_path / ".local" / "share" / "cahts"
    assert f"creating a new database: {home / 'cahts.db'}" in added.stderr
    listed = run(["account", "list"], env, there)
    assert "Shop" in listed.stdout, listed.stderr
    assert "creating a new database" not in listed.stderr
    body = fixture_bytes("messenger", "text")
    with serving(env, there) as base:
        statuses = [post_webhook(base, "messenger", body) for _ in range(5)]
    assert statuses == [200] * 5
    db = sqlite3.connect(home / "cahts.db")
    assert db.execute("SELECT count(*) FROM messages").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM webhook_logs").fetchone() == (5,)
    token = db.execute("SELECT access_token FROM platform_accounts").fetchone()[0]
    assert "EAA-secret-token" not in token
    assert (home / "cahts.db.secrets.json").exists()
    assert sorted(p.name for p in here.iterdir()) == []
    assert [p.name for p in there.iterdir() if not p.name.startswith("serve-")] == []


def test_data_dir_setting_moves_the_embedded_data(tmp_path: Path) -> None:
    env = {"CAHTS_DATA_DIR": str(tmp_path / "data")}
    result = run(["migrate"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"database: SQLite file {tmp_path / 'data' / 'cahts.db'}" in result.stdout
    assert (tmp_path / "data" / "cahts.db.secrets.json").exists()


def test_a_cahts_db_left_in_the_working_directory_is_pointed_out(tmp_path: Path) -> None:
    (tmp_path / "cahts.db").write_bytes(b"")
    result = run(["account", "list"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{tmp_path / 'cahts.db'} is not used" in result.stderr
    assert "CAHTS_DATA_DIR" in result.stderr


def test_dotenv_is_read_from_the_working_directory_and_the_environment_wins(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(f"CAHTS_DATA_DIR={tmp_path / 'from-dotenv'}\nPORT=eighty\n")
    bad = run(["account", "list"], {}, tmp_path)
    assert bad.returncode == 2 and "PORT" in bad.stderr, "the .env beside the user is read"
    fixed = run(["account", "list"], {"PORT": "8001"}, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert (tmp_path / "from-dotenv" / "cahts.db").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = run(["account", "list"], {"HOME": str(tmp_path)}, elsewhere)
    assert other.returncode == 0, "a .env in another folder is not read"
    assert (tmp_path / ".local" / "share" / "cahts" / "cahts.db").exists()


def test_postgres_migrate_add_serve_one_row(fresh_pg: str, tmp_path: Path) -> None:

    env = cahts_env(fresh_pg)
    first = run(["migrate"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    from inbox.schema import migration_files

    assert f"applied {len(migration_files())} migration(s)" in first.stdout
    second = run(["migrate"], env, tmp_path)
    assert second.returncode == 0
    assert "nothing to apply" in second.stdout
    added = run(
        ["account", "add", "--platform", "whatsapp", "--external-id", "106540352242922",
         "--name", "Support line", "--token", "EAAG-wa-token", "--slack-channel", "C0123"],
        env, tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    body = fixture_bytes("whatsapp", "text")
    with serving(env, tmp_path) as base:
        statuses = [post_webhook(base, "whatsapp", body) for _ in range(3)]
    assert statuses == [200] * 3
    assert count_rows(fresh_pg, "messages") == 1


def test_postgres_server_refuses_a_schema_that_is_behind(fresh_pg: str, tmp_path: Path) -> None:
    port = str(free_port())
    result = subprocess.run(
        [CAHTS, "serve", "--port", port],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **cahts_env(fresh_pg)},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cahts migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = cahts_env("postgres://postgres@127.0.0.1:1/nothing")
    result = run(["migrate"], env, tmp_path)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_configuration_names_the_variable(tmp_path: Path) -> None:
    result = run(["account", "list"], {"PORT": "eighty"}, tmp_path)
    assert result.returncode == 2
    assert "PORT" in result.stderr
    result = run(["migrate"], {"DATABASE_URL": "postgres://db/x"}, tmp_path)
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr


def test_createuser_and_accounts_in_workspaces(tmp_path: Path) -> None:
    made = run(
        ["createuser", "Owner@Example.com", "--password-stdin"], {}, tmp_path, "s3cret-pass\n"
    )
    assert made.returncode == 0, made.stderr
    assert "owner@example.com (owner)" in made.stdout
    again = run(
        ["createuser", "owner@example.com", "--password-stdin"], {}, tmp_path, "s3cret-pass\n"
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    short = run(["createuser", "b@example.com", "--password-stdin"], {}, tmp_path, "short\n")
    assert short.returncode == 1
    assert "at least 8" in short.stderr
    blank = run(["createuser", "b@example.com", "--password-stdin"], {}, tmp_path, " " * 12 + "\n")
    assert blank.returncode == 1
    assert "only whitespace" in blank.stderr
    second = run(
        ["createuser", "boss@other.com", "--password-stdin", "--workspace", "Other"],
        {}, tmp_path, "another-pass\n",
    )  # fmt: skip
    assert second.returncode == 0, second.stderr

    add = ["account", "add", "--platform", "instagram", "--external-id", "17841465123456789",
           "--name", "Insta", "--token", "IGQ-very-secret"]  # fmt: skip
    ambiguous = run(add, {}, tmp_path)
    assert ambiguous.returncode == 1
    assert "--owner" in ambiguous.stderr
    unknown = run([*add, "--owner", "nobody@example.com"], {}, tmp_path)
    assert unknown.returncode == 1
    assert "no user" in unknown.stderr
    owned = run([*add, "--owner", "boss@other.com"], {}, tmp_path)
    assert owned.returncode == 0, owned.stderr

    listing = run(["account", "list"], {}, tmp_path)
    assert listing.returncode == 0
    assert "17841465123456789" in listing.stdout
    assert "IGQ-very-secret" not in listing.stdout + listing.stderr

    removed = run(["account", "remove", "17841465123456789"], {}, tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert "deactivated" in removed.stdout
    listing = run(["account", "list"], {}, tmp_path)
    assert " no " in listing.stdout
    missing = run(["account", "remove", "nope"], {}, tmp_path)
    assert missing.returncode == 1


def test_account_add_rejects_bad_arguments(tmp_path: Path) -> None:
    base = ["account", "add", "--name", "X", "--token", "t"]
    bad_platform = run([*base, "--platform", "signal", "--external-id", "1"], {}, tmp_path)
    assert bad_platform.returncode == 2
    assert "invalid choice" in bad_platform.stderr
    no_id = run([*base, "--platform", "messenger"], {}, tmp_path)
    assert no_id.returncode == 1
    assert "--external-id must not be empty" in no_id.stderr
    not_a_bot_token = run([*base, "--platform", "telegram"], {}, tmp_path)
    assert not_a_bot_token.returncode == 1
    assert "not a bot token" in not_a_bot_token.stderr
    bad_id = run([*base, "--platform", "messenger", "--external-id", "1; drop"], {}, tmp_path)
    assert bad_id.returncode == 1
    assert "--external-id" in bad_id.stderr
    blank = run([*base[:-1], " ", "--platform", "messenger", "--external-id", "1"], {}, tmp_path)
    assert blank.returncode == 1
    assert "--token" in blank.stderr


def test_worker_without_redis_explains(tmp_path: Path) -> None:
    result = run(["worker"], {}, tmp_path)
    assert result.returncode == 1
    assert "REDIS_URL" in result.stderr
