"""The database's exclusive lock: one writer at a time, across processes and users.

`locked` holds flock(2) on `<db>.lock` for the length of a transaction; the kernel releases it
if the holder dies, so a killed writer never leaves the database locked.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import DatabaseError, LockTimeout
from .files import FILE_MODE, lock_path, set_mode, shown

LOCK_TIMEOUT = 10.0  # seconds: long enough for a 100k-task write, short enough not to look hung
LOCK_POLL = 0.005  # seconds between attempts while another process holds the lock


@contextlib.contextmanager
def locked(db_path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the database's exclusive lock: flock(2) on `<db>.lock`, released if we die.

    On POSIX this is the kernel's flock, polled without blocking until `timeout` — the same
    thing filelock's UnixFileLock does, without the ~35 imported modules that filelock 4
    costs every `zwgk mark` at start-up. Elsewhere filelock itself is used.
    """
    if timeout is None:
        timeout = LOCK_TIMEOUT
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"无法创建目录 {shown(db_path.parent)}（{exc.strerror}）。") from None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        with _filelock(db_path, timeout):
            yield
        return
    try:
        fd = os.open(
            lock_path(db_path), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE
        )
    except OSError as exc:
        raise DatabaseError(
            f"无法打开锁文件 {shown(lock_path(db_path))}（{exc.strerror}），未做任何修改。"
        ) from None
    try:
        set_mode(fd)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _lock_timeout(db_path, timeout) from None
                time.sleep(LOCK_POLL)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _lock_timeout(db_path: Path, timeout: float) -> LockTimeout:
    return LockTimeout(
        f"数据库 {shown(db_path)} 正被其他人写入，等待 {timeout:g} 秒仍未释放，请稍后再试。"
    )


@contextlib.contextmanager
def _filelock(db_path: Path, timeout: float) -> Iterator[None]:  # pragma: no cover - Windows
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(db_path)), timeout=timeout, mode=FILE_MODE)
    try:
        lock.acquire(poll_interval=LOCK_POLL)
    except Timeout:
        raise _lock_timeout(db_path, timeout) from None
    try:
        yield
    finally:
        lock.release()
