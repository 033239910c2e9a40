"""The TinyDB storage of one locked transaction: read once, written once, atomically.

TinyDB's default JSONStorage keeps the file open, rewrites it in place and caches per process;
two processes on one server lose changes with it. A custom `Storage` is TinyDB's extension
point for that: this one serves the database already read (under the lock) from memory,
buffers TinyDB's writes, and `flush` replaces the file atomically (`dbfile`) after keeping the
version it replaces (`backup`). TinyDB calls read()/write() around every table operation, so
a transaction that touches many documents still costs one read and one fsynced rename.

Only transactions that need the whole file import this (and TinyDB): `zwgk mark` does not.
"""

from __future__ import annotations

from pathlib import Path

from tinydb.storages import Storage

from .backup import keep_previous
from .dbfile import MAX_DB_BYTES, atomic_write_bytes, dump_db, remove_stale_tmp
from .errors import DatabaseError

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


class TaskFileStorage(Storage):
    """TinyDB's view of the task file at `path`, holding `initial` until `flush`."""

    def __init__(self, path: Path, initial: dict[str, Any] | None) -> None:
        self.path = path
        self._data: dict[str, Any] | None = initial
        self.dirty = False

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True

    def close(self) -> None:
        pass  # nothing is open: the file is read and written whole

    def flush(self, payload: list[bytes] | None = None) -> None:
        """Write what changed to disk: atomically, with a backup of the version replaced.

        `payload`: the data already dumped (`dbfile.Dumped.pieces`), so a commit dumps it once."""
        if self.dirty and self._data is not None:
            pieces = payload if payload is not None else [dump_db(self._data)]
            if sum(map(len, pieces)) > MAX_DB_BYTES:  # loading would refuse it: never write it
                raise DatabaseError(
                    f"这次修改会使数据库超过 {MAX_DB_BYTES // 1024 // 1024} MB 的上限，"
                    "已取消，未做任何修改。"
                )
            remove_stale_tmp(self.path)
            atomic_write_bytes(self.path, pieces, before_replace=keep_previous)
            self.dirty = False

    @property
    def data(self) -> dict[str, Any] | None:
        return self._data
