"""Identifiers made on the hot path without a system call each."""

from __future__ import annotations

import os
import random
import uuid

# A generator of this module's own: tests that seed the global `random` (hypothesis does)
# must not make these ids repeat. Seeded from the kernel, and again in every forked child.
_RANDOM = random.Random()  # noqa: S311  # ids, not secrets
os.register_at_fork(after_in_child=_RANDOM.seed)


def fresh_uuid() -> uuid.UUID:
    """A random (version 4) UUID from this process's generator.

    uuid.uuid4() asks the kernel for 16 bytes per call, which on the ingest path cost as much
    as a query's parsing. These ids are keys and correlation ids, never secrets.
    """
    return uuid.UUID(int=_RANDOM.getrandbits(128), version=4)
