"""Which event loop `cahts serve` runs on (EVENT_LOOP)."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from inbox.settings import ConfigError
from web import loops


@pytest.mark.parametrize(
    ("given", "chosen"), [("", "uvloop"), ("UVLOOP", "uvloop"), ("asyncio", "asyncio")]
)
def test_event_loop_names_the_loop(
    monkeypatch: pytest.MonkeyPatch, given: str, chosen: str
) -> None:
    monkeypatch.setenv("EVENT_LOOP", given)
    assert loops.loop_name() == chosen


def test_without_uvloop_installed_the_default_is_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loops.importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("EVENT_LOOP", raising=False)
    assert loops.loop_name() == "asyncio"
    monkeypatch.setenv("EVENT_LOOP", "uvloop")
    with pytest.raises(ConfigError, match="uvloop is not installed"):
        loops.loop_name()


def test_an_unknown_loop_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENT_LOOP", "trio")
    with pytest.raises(ConfigError, match="EVENT_LOOP must be one of uvloop, asyncio"):
        loops.loop_name()


@pytest.mark.parametrize(
    ("name", "kind"), [("uvloop", uvloop.Loop), ("asyncio", asyncio.BaseEventLoop)]
)
def test_each_name_makes_its_loop(name: str, kind: type) -> None:
    loop = loops.new_event_loop(name)
    try:
        assert isinstance(loop, kind)
        assert loop.run_until_complete(asyncio.sleep(0, result=name)) == name
    finally:
        loop.close()
