"""inbox.settings: defaults, generated secrets, validation, and the CLI's config errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from inbox.settings import ConfigError, load_settings

PG = "postgres://postgres@127.0.0.1:5432/cahts_test"
JWT = "j" * 48


def test_defaults_with_empty_environment(tmp_cwd: Path) -> None:
    settings = load_settings({}, read_dotenv=False)
    home = Path(os.environ["XDG_DATA_HOME"]) / "cahts"
    assert settings.data_dir == home
    assert settings.database_url == f"sqlite://{home / 'cahts.db'}"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.is_embedded is True
    assert len(settings.jwt_secret) >= 32
    assert len(settings.token_encryption_keys) == 1
    Fernet(settings.token_encryption_keys[0])
    assert settings.meta_verify_token


def test_generated_secrets_are_stable_across_loads(tmp_cwd: Path) -> None:
    first = load_settings({}, read_dotenv=False)
    second = load_settings({}, read_dotenv=False)
    assert second.jwt_secret == first.jwt_secret
    assert second.token_encryption_keys == first.token_encryption_keys
    assert second.meta_verify_token == first.meta_verify_token


def test_secrets_file_is_next_to_the_db_in_the_data_dir_and_private(
    tmp_cwd: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    settings = load_settings({"CAHTS_DATA_DIR": str(home)}, read_dotenv=False)
    path = home / "cahts.db.secrets.json"
    assert settings.secrets_file == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(Path(tmp_cwd).iterdir()) == [], "nothing is written to the working directory"


def test_relative_sqlite_path_is_inside_the_data_dir(
    tmp_cwd: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    env = {"CAHTS_DATA_DIR": str(home), "DATABASE_URL": "sqlite://data/x.db"}
    settings = load_settings(env, read_dotenv=False)
    assert settings.database_url == f"sqlite://{home / 'data' / 'x.db'}"
    assert settings.secrets_file == home / "data" / "x.db.secrets.json"
    assert settings.secrets_file.exists()
    assert list(Path(tmp_cwd).iterdir()) == []


def test_absolute_sqlite_path_is_kept(tmp_cwd: Path, tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path / 'elsewhere' / 'x.db'}"
    settings = load_settings({"DATABASE_URL": url}, read_dotenv=False)
    assert settings.database_url == url
    assert settings.secrets_file == tmp_path / "elsewhere" / "x.db.secrets.json"


def test_in_memory_database_keeps_its_secrets_in_the_data_dir(
    tmp_cwd: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    env = {"CAHTS_DATA_DIR": str(home), "DATABASE_URL": "sqlite://:memory:"}
    settings = load_settings(env, read_dotenv=False)
    assert settings.database_url == "sqlite://:memory:"
    assert settings.secrets_file == home / "cahts.secrets.json"


def test_env_values_override_generated_secrets(tmp_cwd: Path) -> None:
    key = Fernet.generate_key().decode()
    env = {"JWT_SECRET": JWT, "TOKEN_ENCRYPTION_KEYS": key, "META_VERIFY_TOKEN": "mine"}
    settings = load_settings(env, read_dotenv=False)
    assert settings.jwt_secret == JWT
    assert settings.token_encryption_keys == (key,)
    assert settings.meta_verify_token == "mine"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
        ("TOKEN_ENCRYPTION_KEYS", "notakey"),
        ("JWT_SECRET", "short"),
        ("SLACK_BOT_TOKEN", "xoxp-123"),
        ("SLACK_APP_TOKEN", "xoxb-123"),
        ("META_GRAPH_URL", "ftp://x"),
        ("MAX_BODY_BYTES", "abc"),
        ("ALLOW_SIGNUP", "maybe"),
    ],
)
def test_bad_variable_is_named(tmp_cwd: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value}, read_dotenv=False)


@pytest.mark.parametrize("name", ["PORT", "MAX_BODY_BYTES"])
def test_unicode_digit_is_a_config_error(tmp_cwd: Path, name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: "²²²²"}, read_dotenv=False)


def test_signup_is_invite_only_unless_allowed(tmp_cwd: Path) -> None:
    assert load_settings({}, read_dotenv=False).allow_signup is False
    for value, allowed in (("true", True), ("1", True), ("False", False), ("off", False)):
        assert load_settings({"ALLOW_SIGNUP": value}, read_dotenv=False).allow_signup is allowed
    named = load_settings({"SLACK_WORKSPACE": " Acme "}, read_dotenv=False)
    assert named.slack_workspace == "Acme"


def test_postgres_requires_jwt_secret(tmp_cwd: Path) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_settings({"DATABASE_URL": PG}, read_dotenv=False)


def test_postgres_requires_token_encryption_keys(tmp_cwd: Path) -> None:
    with pytest.raises(ConfigError, match="TOKEN_ENCRYPTION_KEYS"):
        load_settings({"DATABASE_URL": PG, "JWT_SECRET": JWT}, read_dotenv=False)


def test_postgres_writes_no_secrets_file(tmp_cwd: Path) -> None:
    key = Fernet.generate_key().decode()
    env = {"DATABASE_URL": PG, "JWT_SECRET": JWT, "TOKEN_ENCRYPTION_KEYS": key}
    settings = load_settings(env, read_dotenv=False)
    assert settings.secrets_file is None
    assert settings.is_embedded is False
    assert list(Path(tmp_cwd).iterdir()) == []


def test_secret_values_lists_every_secret(tmp_cwd: Path) -> None:
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    env = {
        "DATABASE_URL": PG,
        "JWT_SECRET": JWT,
        "TOKEN_ENCRYPTION_KEYS": ",".join(keys),
        "META_APP_SECRET": "app-secret",
        "META_VERIFY_TOKEN": "verify-token",
        "SLACK_BOT_TOKEN": "xoxb-bot",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_APP_TOKEN": "xapp-app",
    }
    values = load_settings(env, read_dotenv=False).secret_values()
    for secret in [JWT, *keys, "app-secret", "verify-token", "xoxb-bot", "signing-secret"]:
        assert secret in values
    assert "xapp-app" in values


def test_cli_reports_config_error(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "cahts"
    env = {"PORT": "abc", "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(script), "account", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PORT" in result.stderr
    assert "Traceback" not in result.stderr
