"""Settings from the environment (12-factor), validated at start."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from platformdirs import user_data_dir

DEFAULT_DATABASE_URL = "sqlite://cahts.db"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
_DB_SCHEMES = ("sqlite", "postgres", "postgresql")
_HTTP = ("http", "https")
GENERATED_SECRETS = ("JWT_SECRET", "TOKEN_ENCRYPTION_KEYS", "META_VERIFY_TOKEN")


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything cahts reads from its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    jwt_secret: str = ""
    token_encryption_keys: tuple[str, ...] = ()
    meta_app_id: str | None = None
    meta_app_secret: str | None = None
    meta_verify_token: str | None = None
    meta_graph_url: str = DEFAULT_GRAPH_URL
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_channel: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    max_body_bytes: int = 4 * 1024 * 1024
    metrics_token: str | None = None
    allow_signup: bool = False
    slack_workspace: str | None = None
    # Without Redis, `cahts serve` sends the periodic tasks itself (no `cahts scheduler` runs).
    in_process_scheduler: bool = True
    secrets_file: Path | None = field(default=None, compare=False)
    data_dir: Path | None = field(default=None, compare=False)

    @property
    def api_urls(self) -> dict[str, str]:
        """Base URLs of the platform APIs that are not the Graph API, by API name."""
        return {"telegram": self.telegram_api_url}

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file (or memory)."""
        return self.database_url.startswith("sqlite://")

    @property
    def is_embedded(self) -> bool:
        """True for the one-process default: SQLite and no Redis."""
        return self.is_sqlite and not self.redis_url

    @property
    def slack_oauth(self) -> bool:
        """True when Slack OAuth (multi-workspace install) is configured."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_enabled(self) -> bool:
        """True when Slack is on: a single-workspace bot token, OAuth installs, or both."""
        return bool(self.slack_bot_token) or self.slack_oauth

    def secret_values(self) -> list[str]:
        """Every configured secret, so logs and tests can check none leaks."""
        values = [
            self.jwt_secret,
            *self.token_encryption_keys,
            self.meta_app_secret,
            self.meta_verify_token,
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.slack_client_secret,
            self.metrics_token,
        ]
        return [v for v in values if v]


def _clean(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _url(env: Mapping[str, str], name: str, default: str | None, schemes: tuple[str, ...]) -> str:
    value = _clean(env, name) or default
    if value is None:
        raise ConfigError(f"{name} is required")
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        raise ConfigError(f"{name} must start with one of {', '.join(s + '://' for s in schemes)}")
    if parts.scheme not in ("sqlite",) and not parts.netloc:
        raise ConfigError(f"{name} has no host: {parts.scheme}://<host>…")
    return value


def _port(env: Mapping[str, str]) -> int:
    raw = _clean(env, "PORT") or "8000"
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 65536:
        raise ConfigError(f"PORT must be a number between 1 and 65535, not {raw!r}")
    return int(raw)


def _fernet_keys(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEYS: key {index} is not a Fernet key "
                "(32 url-safe base64 bytes; make one with `cahts genkey`)"
            ) from exc
    return keys


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = (_clean(env, name) or str(default)).lower()
    if raw not in _TRUE + _FALSE:
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    return raw in _TRUE


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a sqlite:// URL, or None for an in-memory database."""
    rest = database_url.removeprefix("sqlite://").split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


def data_dir(env: Mapping[str, str]) -> Path:
    """Where the embedded data lives: CAHTS_DATA_DIR, else the platform's user data folder.

    Never the working directory, so every command finds the same database wherever it is run.
    """
    raw = _clean(env, "CAHTS_DATA_DIR")
    if raw:
        return Path(raw).expanduser().absolute()
    return Path(user_data_dir("cahts", appauthor=False))


def _in_data_dir(database_url: str, home: Path) -> str:
    """A relative SQLite path is taken inside the data folder; other URLs are kept as given."""
    db_path = sqlite_path(database_url) if database_url.startswith("sqlite://") else None
    if db_path is None or db_path.is_absolute():
        return database_url
    query = database_url.partition("?")[2]
    return f"sqlite://{home / db_path}" + (f"?{query}" if query else "")


def _secrets_file(database_url: str, home: Path) -> Path:
    db_path = sqlite_path(database_url)
    if db_path is None:
        return home / "cahts.secrets.json"
    return db_path.with_name(db_path.name + ".secrets.json")


def describe_database(settings: Settings) -> str:
    """The database in words for the operator: the SQLite file, or the URL without password."""
    db_path = sqlite_path(settings.database_url)
    if settings.is_sqlite:
        return f"SQLite file {db_path}" if db_path else "SQLite in memory"
    parts = urlsplit(settings.database_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"PostgreSQL {user}{host}{port}{parts.path}"


def dotenv_path() -> Path:
    """The `.env` file read at start: the one in the working directory."""
    return Path.cwd() / ".env"


def _read_dotenv() -> None:
    """Apply ./.env under the environment (a variable already set wins)."""
    from dotenv import load_dotenv

    path = dotenv_path()
    if path.is_file():
        load_dotenv(path, override=False)


def _load_or_generate_secrets(path: Path) -> dict[str, str]:
    """Read the embedded mode's generated secrets, creating them once (mode 0600)."""
    stored: dict[str, str] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read generated secrets from {path}: {exc}") from exc
    missing = {
        "JWT_SECRET": lambda: secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
        "META_VERIFY_TOKEN": lambda: secrets.token_urlsafe(24),
    }
    changed = False
    for name, make in missing.items():
        if not stored.get(name):
            stored[name] = make()
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle, indent=2)
    return stored


# Tunables: numbers an operator may adjust (documented in .env.example), with their defaults.
# They are read when used, not at start, so a process (or a test) sees the current value.
TUNABLES: dict[str, float] = {
    "SEND_LEASE_SECONDS": 60,
    "SEND_RETRY_BASE_SECONDS": 1,
    "SYNC_MAX_PAGES": 20,
    "WEBHOOK_LOG_RETENTION_DAYS": 30,
    "TASK_REDELIVERY_SECONDS": 120,
    "SCHEDULER_LOCK_SECONDS": 30,
    "SLACK_MAX_FILE_BYTES": 100 * 1024 * 1024,
    # Customer files moving (download or upload) at once in one process; each streams via disk.
    "SLACK_MEDIA_TRANSFERS": 3,
    "SLACK_RELINK_HISTORY": 20,
    "SLACK_SWEEP_GRACE_SECONDS": 30,
    "SLACK_MIRROR_MAX_AGE_DAYS": 7,
    "SLACK_LEASE_SECONDS": 120,
    "TRUSTED_PROXY_HOPS": 0,
    # After SIGTERM/SIGINT, how long a worker's running tasks (and the scheduler's send
    # under way) may take before they are given back; the process then closes and exits.
    "STOP_TIMEOUT_SECONDS": 5,
}

# Bounds on rendering (charts, PDF reports) and on exports per workspace.
TUNABLES.update({"RENDER_THREADS": 2, "EXPORTS_PER_WORKSPACE": 2})

# Request bodies: the time one may take to arrive, and the bytes all in flight may reserve.
TUNABLES.update({"BODY_READ_SECONDS": 30, "BODY_BUDGET_BYTES": 64 * 1024 * 1024})


def tunable(name: str) -> float:
    """A tunable's current value (its default when unset); ConfigError when not a number."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return TUNABLES[name]
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc


def option(name: str) -> str | None:
    """A text option read when used (LOG_FORMAT, LOG_LEVEL, schedule intervals…); None if unset."""
    return (os.environ.get(name) or "").strip() or None


def redis_url_from_env() -> str | None:
    """REDIS_URL alone (with `.env`), for the broker that tasks are declared on at import."""
    _read_dotenv()
    return (os.environ.get("REDIS_URL") or "").strip() or None


def load_settings(
    environ: Mapping[str, str] | None = None, *, read_dotenv: bool = True
) -> Settings:
    """Build Settings from the environment (and `.env`); ConfigError names a bad variable."""
    if environ is None:
        if read_dotenv:
            _read_dotenv()
        environ = os.environ
    env = dict(environ)

    home = data_dir(env)
    database_url = _in_data_dir(_url(env, "DATABASE_URL", DEFAULT_DATABASE_URL, _DB_SCHEMES), home)
    redis_url = _clean(env, "REDIS_URL")
    if redis_url is not None:
        redis_url = _url(env, "REDIS_URL", None, ("redis", "rediss", "unix"))
    host = _clean(env, "HOST") or "127.0.0.1"
    port = _port(env)
    public_url = _url(env, "PUBLIC_URL", f"http://{host}:{port}", ("http", "https")).rstrip("/")

    secrets_file: Path | None = None
    if database_url.startswith("sqlite://"):
        secrets_file = _secrets_file(database_url, home)
        generated = _load_or_generate_secrets(secrets_file)
        for name in GENERATED_SECRETS:
            if not _clean(env, name):
                env[name] = generated[name]

    jwt_secret = _clean(env, "JWT_SECRET")
    if not jwt_secret:
        raise ConfigError("JWT_SECRET is required when DATABASE_URL is not SQLite")
    if len(jwt_secret) < 32:
        raise ConfigError("JWT_SECRET must be at least 32 characters")
    keys = _fernet_keys(_clean(env, "TOKEN_ENCRYPTION_KEYS"))
    if not keys:
        raise ConfigError("TOKEN_ENCRYPTION_KEYS is required when DATABASE_URL is not SQLite")

    slack_bot_token = _clean(env, "SLACK_BOT_TOKEN")
    if slack_bot_token and not slack_bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token (xoxb-…)")
    slack_app_token = _clean(env, "SLACK_APP_TOKEN")
    if slack_app_token and not slack_app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token (xapp-…)")

    slack_client_id = _clean(env, "SLACK_CLIENT_ID")
    slack_client_secret = _clean(env, "SLACK_CLIENT_SECRET")
    if bool(slack_client_id) != bool(slack_client_secret):
        raise ConfigError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together")

    max_body = _clean(env, "MAX_BODY_BYTES") or str(4 * 1024 * 1024)
    if not (max_body.isascii() and max_body.isdigit()) or int(max_body) < 1024:
        raise ConfigError("MAX_BODY_BYTES must be a number of bytes ≥ 1024")

    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        host=host,
        port=port,
        public_url=public_url,
        jwt_secret=jwt_secret,
        token_encryption_keys=keys,
        meta_app_id=_clean(env, "META_APP_ID"),
        meta_app_secret=_clean(env, "META_APP_SECRET"),
        meta_verify_token=_clean(env, "META_VERIFY_TOKEN"),
        meta_graph_url=_url(env, "META_GRAPH_URL", DEFAULT_GRAPH_URL, _HTTP).rstrip("/"),
        telegram_api_url=_url(env, "TELEGRAM_API_URL", DEFAULT_TELEGRAM_API_URL, _HTTP).rstrip("/"),
        slack_bot_token=slack_bot_token,
        slack_signing_secret=_clean(env, "SLACK_SIGNING_SECRET"),
        slack_app_token=slack_app_token,
        slack_api_url=_url(env, "SLACK_API_URL", DEFAULT_SLACK_API_URL, ("http", "https")),
        slack_channel=_clean(env, "SLACK_CHANNEL"),
        slack_client_id=slack_client_id,
        slack_client_secret=slack_client_secret,
        max_body_bytes=int(max_body),
        metrics_token=_clean(env, "METRICS_TOKEN"),
        allow_signup=_flag(env, "ALLOW_SIGNUP"),
        in_process_scheduler=_flag(env, "IN_PROCESS_SCHEDULER", default=True),
        slack_workspace=_clean(env, "SLACK_WORKSPACE"),
        secrets_file=secrets_file,
        data_dir=home,
    )
