"""The two example configurations work as their comments say: .env.example for the quick start
(embedded mode, run locally), deploy/compose.env.example for Docker Compose."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from dotenv import dotenv_values

from inbox.settings import load_settings
from tests.processes import run

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_EXAMPLE = ROOT / "deploy" / "compose.env.example"


def _values(path: Path) -> dict[str, str]:
    return {k: v or "" for k, v in dotenv_values(path).items()}


def test_env_example_as_shipped_is_the_quick_start(tmp_path: Path) -> None:
    env = {**_values(ROOT / ".env.example"), "CAHTS_DATA_DIR": str(tmp_path / "data")}
    settings = load_settings(env, read_dotenv=False)
    assert settings.is_embedded
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.database_url == f"sqlite://{tmp_path / 'data' / 'cahts.db'}"


def test_copied_env_example_runs_from_its_folder(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = run(["migrate"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    data = tmp_path / ".local" / "share" / "cahts"
    assert f"database: SQLite file {data / 'cahts.db'}" in result.stdout


def test_compose_example_holds_what_compose_interpolates() -> None:
    compose_text = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", compose_text))
    example = _values(COMPOSE_EXAMPLE)
    assert interpolated <= set(example), sorted(interpolated - set(example))
    set_by_compose = {"DATABASE_URL", "REDIS_URL", "HOST"}
    assert not set_by_compose & set(example), "compose sets these itself"
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert set(example) - interpolated <= documented


def test_compose_example_filled_in_is_a_valid_production_configuration(tmp_path: Path) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    example = _values(COMPOSE_EXAMPLE)
    server_env = {
        k: str(v).replace("${POSTGRES_PASSWORD:-cahts}", example["POSTGRES_PASSWORD"])
        for k, v in compose["services"]["server"]["environment"].items()
    }
    filled = {
        **example,
        "JWT_SECRET": "j" * 48,
        "TOKEN_ENCRYPTION_KEYS": "0" * 43 + "=",
        **server_env,
    }
    settings = load_settings(filled, read_dotenv=False)
    assert not settings.is_embedded
    assert settings.database_url.startswith("postgres://cahts:change-me@postgres")
    assert settings.public_url.startswith("https://")
