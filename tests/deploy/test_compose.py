"""The production shape as files: no Docker engine runs here, so their structure is checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from inbox.settings import TUNABLES
from web.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml, parsed."""
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _cli_commands() -> set[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return set(actions[0].choices)  # type: ignore[attr-defined]


def test_services_of_the_production_shape(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= {
        "postgres", "redis", "migrate", "server", "worker", "scheduler", "proxy",
    }  # fmt: skip


@pytest.mark.parametrize("name", ["postgres", "redis", "server", "proxy"])
def test_long_running_services_have_healthchecks(compose: dict[str, Any], name: str) -> None:
    check = compose["services"][name]["healthcheck"]
    assert check["test"]
    assert check["interval"]


def test_cahts_services_run_commands_that_exist(compose: dict[str, Any]) -> None:
    commands = _cli_commands()
    for name in ("migrate", "server", "worker", "scheduler"):
        service = compose["services"][name]
        assert service["image"] == "cahts:latest"
        assert service["command"][0] in commands, name


def test_migration_runs_once_before_the_rest(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("server", "worker", "scheduler"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_servers_scale_behind_the_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "ports" not in services["server"], "a fixed host port would stop --scale server=3"
    assert services["server"]["environment"]["REDIS_URL"].startswith("redis://")
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_pass $upstream" in nginx
    assert "resolver 127.0.0.11" in nginx
    assert "Upgrade $http_upgrade" in nginx
    assert services["scheduler"]["deploy"]["replicas"] == 1


def test_data_lives_in_volumes(compose: dict[str, Any]) -> None:
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}


def test_dockerfile_is_slim_and_not_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert 'ENTRYPOINT ["cahts"]' in dockerfile
    # The image runs the installed package (migrations and static files are package data),
    # never a source tree copied beside it.
    runtime = dockerfile.rsplit("FROM ", 1)[1]
    assert "COPY --from=build /install /usr/local" in runtime
    assert not re.search(r"^COPY (?!--from=build)", runtime, re.M)
    assert "PYTHONPATH" not in dockerfile


def test_env_example_lists_every_variable() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    read_by_code: set[str] = set()
    code = [p for top in ("inbox", "bridge", "bot", "web") for p in (ROOT / top).rglob("*.py")]
    for path in code:
        text = path.read_text()
        read_by_code |= set(re.findall(r'_(?:clean|flag)\(env, "([A-Z_]+)"', text))
        read_by_code |= set(re.findall(r'environ\.get\(\s*"([A-Z_]+)"', text))
        read_by_code |= set(re.findall(r'_url\(env, "([A-Z_]+)"', text))
        read_by_code |= set(re.findall(r'(?:tunable|option|every)\(\s*"([A-Z_]+)"', text))
    read_by_code |= set(TUNABLES)
    assert read_by_code, "found no variables in the code"
    assert read_by_code <= documented, sorted(read_by_code - documented)
    assert "DATABASE_URL" in read_by_code


def test_env_example_sets_each_variable_once() -> None:
    names = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    assert sorted({n for n in names if names.count(n) > 1}) == []  # a later line would win


def test_forwarded_addresses_are_trusted_only_behind_the_compose_proxy(
    compose: dict[str, Any],
) -> None:
    """Copied anywhere, .env.example ignores X-Forwarded-For; compose trusts its own nginx,
    which appends the real peer, and the server has no port a client could reach directly."""
    example = (ROOT / ".env.example").read_text()
    assert re.findall(r"^TRUSTED_PROXY_HOPS=(.*)$", example, re.M) == ["0"]
    server = compose["services"]["server"]
    assert server["environment"]["TRUSTED_PROXY_HOPS"] == "1"
    assert "ports" not in server
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
