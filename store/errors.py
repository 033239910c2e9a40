"""Errors that reach a person: each carries one Chinese sentence and an exit code."""

from __future__ import annotations


class ZwgkError(Exception):
    """A failure to report as one clear sentence, never as a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ZwgkError):
    """Bad input from a person or a file (unreadable table, unknown task, bad date)."""

    exit_code = 2


class DatabaseError(ZwgkError):
    """The database cannot be read or written safely; nothing was changed."""

    exit_code = 3


class LockTimeout(DatabaseError):
    """Another process held the database lock for too long."""


class PermissionDenied(ZwgkError):
    """The configured rules do not let this person make this change."""

    exit_code = 4

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq
        """The `refused` event logged for this refusal, so its author's app can own it."""
