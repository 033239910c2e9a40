"""The files zwgk keeps beside a database: their names, their modes, one checked way to open them.

Every other module that touches the disk names files through here (`events_path`, `lock_path`)
and opens them with `open_checked`, so a refusal (a symlink, a directory, a missing folder)
reads the same everywhere. Paths shown to people go through `shown`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from .errors import DatabaseError
from .textutil import sanitize

FILE_MODE = 0o660  # owner and group: colleagues in the same group share the database
DIR_MODE = 0o770


def events_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".events.jsonl")


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def shown(path: Path | str) -> str:
    """A path as it may appear in a message: no control characters reach the terminal."""
    return sanitize(str(path), keep_newlines=False)


def set_mode(fd_or_path: int | Path, mode: int = FILE_MODE) -> None:
    """chmod to `mode` (the umask would otherwise drop group write); not ours to change: skip."""
    with contextlib.suppress(OSError):
        if isinstance(fd_or_path, int):
            if os.fstat(fd_or_path).st_mode & 0o777 != mode:
                os.fchmod(fd_or_path, mode)
        elif os.stat(fd_or_path).st_mode & 0o777 != mode:
            os.chmod(fd_or_path, mode)


def open_checked(path: Path, flags: int, what: str) -> int:
    """os.open of a regular file only, never through a symlink; refusals are one sentence.

    O_NONBLOCK: a FIFO planted at the path must not hang us (it has no effect on regular
    files); anything that is not a regular file (FIFO, directory, device) is refused after
    opening, by fstat of what was opened, so nothing can be swapped in between.
    A missing file passes through as FileNotFoundError when opening to read: whether that is an
    error is the caller's call. (Creating in a missing folder is an error, said as such.)
    """
    try:
        fd = os.open(
            path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0), FILE_MODE
        )
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
        raise DatabaseError(f"无法创建{what} {shown(path)}：所在目录不存在。") from None
    except IsADirectoryError:
        raise DatabaseError(f"{what} {shown(path)} 是一个目录，不是文件。") from None
    except OSError as exc:
        if path.is_symlink():
            raise DatabaseError(
                f"{what} {shown(path)} 是一个符号链接，为安全起见拒绝使用。"
            ) from None
        raise DatabaseError(f"无法打开{what} {shown(path)}：{exc.strerror}。") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise DatabaseError(f"无法读取{what} {shown(path)}：{exc.strerror}。") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            "一个目录" if stat.S_ISDIR(mode) else "命名管道" if stat.S_ISFIFO(mode) else "特殊文件"
        )
        raise DatabaseError(f"{what} {shown(path)} 是{kind}，不是普通文件，未做任何修改。")
    return fd


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def os_reason(exc: OSError) -> str:
    """Why the system said no, in a few Chinese words (for every file message)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "磁盘空间已满或超过文件大小上限"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有权限（请检查该文件及其所在目录的权限，或联系管理员）"
    if exc.errno == errno.EROFS:
        return "文件系统是只读的"
    return exc.strerror or type(exc).__name__


def write_error(path: Path, exc: OSError) -> DatabaseError:
    """A failed write as one sentence (disk full, no permission…); the old file is intact."""
    return DatabaseError(f"无法写入 {shown(path)}（{os_reason(exc)}），未做任何修改。")
