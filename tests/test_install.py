"""cahts built as a wheel and installed into a fresh virtualenv outside the source tree: the
migrations and dashboard files come with it, and it migrates, serves and stores a webhook."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from inbox.schema import migration_files
from tests.conftest import PG_URL, _recreate_database, cahts_env
from tests.helpers import fixture_bytes
from tests.processes import count_rows, post_webhook, serving

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "inbox", "bridge", "bot", "web")
INSTALL_DB = PG_URL + "_install"


def _check(args: list[str], cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding only the cahts wheel; its dependencies are the test venv's (a .pth
    line), so nothing is downloaded. Returns the venv's bin folder."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **_ignore(name))  # type: ignore[operator]
    _check(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(work / "wheels"), str(source)],
        work,
    )  # fmt: skip
    [wheel] = (work / "wheels").glob("cahts-*.whl")
    venv = work / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    python = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(_check([str(python), "-c", where], work).strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _check(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        work,
    )  # fmt: skip
    shutil.rmtree(source)
    return venv / "bin"


def _ignore(name: str) -> dict[str, object]:
    if name in ("inbox", "bridge", "bot", "web"):
        return {"ignore": shutil.ignore_patterns("__pycache__")}
    return {}


def test_the_wheel_carries_migrations_and_dashboard_files(installed: Path, tmp_path: Path) -> None:
    where = _check(
        [str(installed / "python"), "-c",
         "import inbox, web.dashboard as d; from inbox.schema import migration_files as m;"
         "print(inbox.__file__); print(d.INDEX.is_file()); print(len(m()))"],
        tmp_path,
    ).split()  # fmt: skip
    assert Path(where[0]).is_relative_to(installed.parent), "imported from the install"
    assert not Path(where[0]).is_relative_to(ROOT)
    assert where[1:] == ["True", str(len(migration_files()))]


def test_installed_cahts_migrates_serves_registers_and_stores_a_webhook(
    installed: Path, tmp_path: Path
) -> None:
    asyncio.run(_recreate_database(INSTALL_DB))
    env = {**cahts_env(INSTALL_DB), "HOME": str(tmp_path)}
    cahts = str(installed / "cahts")
    migrated = subprocess.run(
        [cahts, "migrate"], env={**env, "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    assert f"applied {len(migration_files())} migration(s)" in migrated.stdout
    with serving(env, tmp_path, cahts=cahts) as base:
        with urlopen(f"{base}/readyz", timeout=10) as ready:  # noqa: S310
            assert json.load(ready)["checks"]["database"] == "ok"
        with urlopen(f"{base}/", timeout=10) as page:  # noqa: S310
            assert b"<html" in page.read().lower()
        body = json.dumps({"email": "owner@example.com", "password": "correct horse battery"})
        register = Request(  # noqa: S310
            f"{base}/api/auth/register", data=body.encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urlopen(register, timeout=10) as created:  # noqa: S310
            assert created.status == 201
        added = subprocess.run(
            [cahts, "account", "add", "--platform", "messenger", "--external-id", "104578291736452",
             "--name", "Shop", "--token", "EAA-shop-token"],
            env={**env, "PATH": "/usr/bin:/bin"}, cwd=tmp_path, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert post_webhook(base, "messenger", fixture_bytes("messenger", "text")) == 200
    assert count_rows(INSTALL_DB, "users") == 1
    assert count_rows(INSTALL_DB, "messages") == 1


def test_an_install_without_migrations_refuses_to_migrate(installed: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(installed.parent, broken, symlinks=True)
    site = next(broken.glob("lib/python*/site-packages"))
    shutil.rmtree(site / "inbox" / "migrations" / "models")
    asyncio.run(_recreate_database(INSTALL_DB))
    result = subprocess.run(
        [str(broken / "bin" / "python"), "-c", "import sys, web.cli; web.cli.main(sys.argv[1:])",
         "migrate"],
        env={**cahts_env(INSTALL_DB), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout
    assert "no migration files found" in result.stderr
    assert "nothing to apply" not in result.stdout
    assert count_tables(INSTALL_DB) == 0


def count_tables(url: str) -> int:
    """Tables in the public schema."""
    import asyncpg

    async def count() -> int:
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            return int(await conn.fetchval(sql))
        finally:
            await conn.close()

    return asyncio.run(count())
