"""Typed aiohttp application state shared by bridge, bot and web."""

from __future__ import annotations

from aiohttp import web

from inbox.bus import EventBus
from inbox.services.ingest.writer import IngestWriter
from inbox.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
BUS = web.AppKey("bus", EventBus)
WRITER = web.AppKey("ingest_writer", IngestWriter)
