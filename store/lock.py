"""The database's exclusive lock: one writer at a time, across processes and users.

`locked` holds flock(2) on `<db>.lock` for the length of a transaction; the kernel releases it
if the holder dies, so a killed writer never leaves the database locked. The lock file is never
deleted by zwgk; if someone else deletes or replaces it, a lock taken on the old file would
exclude nobody, so after locking we check that the locked file is still the one at the path
(fstat against stat) and start over if not.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import DatabaseError, LockTimeout
from .files import FILE_MODE, lock_path, open_checked, set_mode, shown

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
    path = lock_path(db_path)
    deadline = time.monotonic() + timeout
    while True:
        fd = _open_lock(path)
        try:
            _flock(fd, deadline, db_path, timeout)
            if _still_there(fd, path):
                with _directory_lock(db_path, deadline, timeout):
                    try:
                        yield
                    finally:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                return
            # The file we locked was deleted or replaced while we waited: another process may
            # hold the lock on the new file at this path. Our lock excludes nobody: try again.
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        if time.monotonic() >= deadline:
            raise _lock_timeout(db_path, timeout)


def _flock(fd: int, deadline: float, db_path: Path, timeout: float) -> None:
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise _lock_timeout(db_path, timeout) from None
            time.sleep(LOCK_POLL)


@contextlib.contextmanager
def _directory_lock(db_path: Path, deadline: float, timeout: float) -> Iterator[None]:
    """flock on the database's folder too, taken after the lock file.

    Checking the lock file's identity after locking is not enough on its own: if the file is
    deleted while a writer holds it, the next writer creates a new one and both would write.
    The folder cannot be deleted while it holds the database, so its lock still excludes them.
    Where the folder cannot be opened or locked (no read permission, a network filesystem),
    the lock file alone is used, as before.
    """
    import fcntl

    try:
        dfd = os.open(db_path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        try:
            _flock(dfd, deadline, db_path, timeout)
        except OSError:  # flock not supported on this folder's filesystem
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(dfd, fcntl.LOCK_UN)
    finally:
        os.close(dfd)


def _open_lock(path: Path) -> int:
    fd = open_checked(path, os.O_RDWR | os.O_CREAT, "锁文件")
    set_mode(fd)
    return fd


def _still_there(fd: int, path: Path) -> bool:
    """Whether the file we hold locked is still the one at `path` (same device and inode)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _lock_timeout(db_path: Path, timeout: float) -> LockTimeout:
    return LockTimeout(
        f"数据库 {shown(db_path)} 正被其他人写入，等待 {timeout:g} 秒仍未释放，请稍后再试"
        f"（锁文件 {shown(lock_path(db_path))} 不是残留文件，请勿删除：写入的进程一旦结束，"
        "锁会自动释放）。"
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
