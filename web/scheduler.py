"""The scheduler's composition root: `cahts scheduler` runs taskiq on `web.scheduler:scheduler`."""

from __future__ import annotations

from inbox.settings import redis_url_from_env
from web.wiring import TASK_MODULES, build_scheduler

__all__ = ["TASK_MODULES", "scheduler"]

scheduler = build_scheduler(redis_url_from_env())
