"""A request a service refuses, said the same way everywhere: status, code, words, field."""

from __future__ import annotations


class Refused(Exception):
    """A refused request: HTTP-ish status, a stable code, words for the user, the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
