"""Files on disk: the task database (TinyDB JSON), its event log, and the lock between them.

TinyDB's default JSONStorage keeps the file open, rewrites it in place and caches per process;
two processes on one server lose changes with it. Here every write happens inside a file lock
on a fresh read, is written to a temporary file, fsynced and renamed over the database, so a
reader or a crash sees the old file or the new one, never half of one.

The event log is an append-only JSON-lines file beside the database. A change appends its event
(fsynced) before the task file is replaced, so the log is a write-ahead log: a task file that
lags behind the log is rolled forward on read (see `db.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from .errors import DatabaseError, LockTimeout

LOCK_TIMEOUT = 10.0  # seconds: long enough for a 100k-task write, short enough not to look hung
FILE_MODE = 0o660  # owner and group: colleagues in the same group share the database


def events_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".events.jsonl")


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def locked(db_path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the database's exclusive lock (filelock: flock on POSIX, released if we die)."""
    from filelock import FileLock, Timeout

    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(db_path)), timeout=timeout, mode=FILE_MODE)
    try:
        with lock:
            yield
    except Timeout:
        raise LockTimeout(
            f"数据库 {db_path} 正被其他人写入，等待 {timeout:.0f} 秒仍未释放，请稍后再试。"
        ) from None


def read_json(path: Path) -> dict[str, Any] | None:
    """The database as a dict, None when the file does not exist; DatabaseError if unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise DatabaseError(f"数据库路径 {path} 是一个目录，不是文件。") from None
    except OSError as exc:
        raise DatabaseError(f"无法读取数据库 {path}：{exc.strerror}。") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise DatabaseError(f"数据库 {path} 已损坏（不是有效的 JSON），未做任何修改。") from None
    if not isinstance(data, dict):
        raise DatabaseError(f"数据库 {path} 的内容不是 zwgk 数据库，未做任何修改。")
    return data


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write to a temp file in the same directory, fsync, rename over `path`, fsync the dir."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def dump_json(data: dict[str, Any]) -> bytes:
    # ensure_ascii=False keeps Chinese readable in the file; compact separators keep it small.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class TransactionStorage(Storage):
    """A TinyDB storage for one locked transaction: read once, write once, atomically.

    TinyDB calls read()/write() around every table operation; buffering them here means a
    transaction that touches many documents still costs one read and one fsynced rename.
    """

    def __init__(self, path: Path, initial: dict[str, Any] | None) -> None:
        self.path = path
        self._data: dict[str, Any] | None = initial
        self.dirty = False

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True

    def flush(self) -> None:
        if self.dirty and self._data is not None:
            atomic_write_bytes(self.path, dump_json(self._data))
            self.dirty = False

    @property
    def data(self) -> dict[str, Any] | None:
        return self._data


def append_events(path: Path, lines: list[dict[str, Any]]) -> int:
    """Append events as JSON lines, fsynced; returns the file size afterwards.

    A torn last line left by a crash is cut off first, so the log stays line-aligned.
    """
    payload = b"".join(dump_json(rec) + b"\n" for rec in lines)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                size = _last_newline(fd, size)
                os.ftruncate(fd, size)
        os.lseek(fd, size, os.SEEK_SET)
        os.write(fd, payload)
        os.fsync(fd)
        return size + len(payload)
    finally:
        os.close(fd)


def _last_newline(fd: int, size: int) -> int:
    """Offset just past the last newline before `size` (0 if none)."""
    pos = size
    while pos > 0:
        step = min(65536, pos)
        os.lseek(fd, pos - step, os.SEEK_SET)
        chunk = os.read(fd, step)
        idx = chunk.rfind(b"\n")
        if idx >= 0:
            return pos - step + idx + 1
        pos -= step
    return 0


def read_events(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Complete event lines from `offset` on, and the offset just past the last one read."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            raw = fh.read()
    except FileNotFoundError:
        return [], offset
    end = raw.rfind(b"\n") + 1  # an unterminated tail is a write in progress or a torn crash
    out: list[dict[str, Any]] = []
    for line in raw[:end].splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # a damaged line is skipped; `zwgk doctor` reports it
        if isinstance(rec, dict):
            out.append(rec)
    return out, offset + end
