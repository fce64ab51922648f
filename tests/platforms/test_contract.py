"""Every adapter honours the PlatformAdapter contract, and the fixtures cover every event type."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from inbox.platforms.base import PlatformAdapter
from inbox.platforms.events import Event, Ignored, Note
from inbox.platforms.registry import adapters, get_adapter, platform_names
from tests.helpers import FIXTURES, load_fixture, routed_account

PLATFORMS = platform_names()
FIXTURE_FILES = sorted(
    (platform, path.stem)
    for platform in PLATFORMS
    for path in Path(FIXTURES, platform).glob("*.json")
)


def test_registry_lists_each_platform_once_sorted() -> None:
    assert PLATFORMS == tuple(sorted(set(PLATFORMS)))
    assert sorted(adapters()) == list(PLATFORMS)
    assert {"instagram", "messenger", "whatsapp"} <= set(PLATFORMS)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_adapter_satisfies_protocol(platform: str) -> None:
    adapter = get_adapter(platform)
    assert isinstance(adapter, PlatformAdapter)
    assert adapter.name == platform


def test_fixture_set_is_complete() -> None:
    """Every registered platform has webhook fixtures, and no fixture folder lacks a platform."""
    with_fixtures = {platform for platform, _ in FIXTURE_FILES}
    assert with_fixtures == set(PLATFORMS)
    folders = {p.name for p in Path(FIXTURES).iterdir() if p.is_dir()} - {"graph"}
    assert folders == set(PLATFORMS)


@pytest.mark.parametrize(("platform", "name"), FIXTURE_FILES)
def test_every_fixture_parses(platform: str, name: str) -> None:
    adapter = get_adapter(platform)
    assert adapter is not None
    events = adapter.parse(load_fixture(platform, name), routed_account(platform))
    assert events
    assert all(event.platform == platform for event in events)


def test_every_event_type_is_produced_by_some_fixture() -> None:
    produced: set[type] = set()
    for platform, name in FIXTURE_FILES:
        adapter = get_adapter(platform)
        assert adapter is not None
        parsed = adapter.parse(load_fixture(platform, name), routed_account(platform))
        produced.update(type(event) for event in parsed)
    # Notes are made by ingest (an undated item), not by a fixture.
    assert set(typing.get_args(Event)) - {Ignored, Note} <= produced
