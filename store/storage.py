"""Files on disk: the task database (TinyDB JSON), its event log, and the lock between them.

TinyDB's default JSONStorage keeps the file open, rewrites it in place and caches per process;
two processes on one server lose changes with it. Here every write happens inside a file lock
on a fresh read, is written to a temporary file, fsynced and renamed over the database, so a
reader or a crash sees the old file or the new one, never half of one.

The event log is an append-only JSON-lines file beside the database. A change appends its event
(fsynced) before the task file is replaced, so the log is a write-ahead log: a task file that
lags behind the log is rolled forward on read (see `db.py`).

Before the rename, the file being replaced is hard-linked into `<db>.backups/` (see `backup.py`):
the old inode is never written again, so the link is a complete, free copy of the previous
version. Every file is created 0660 (owner and group) whatever the umask says.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import DatabaseError, LockTimeout

LOCK_TIMEOUT = 10.0  # seconds: long enough for a 100k-task write, short enough not to look hung
FILE_MODE = 0o660  # owner and group: colleagues in the same group share the database
DIR_MODE = 0o770
LOCK_POLL = 0.005  # seconds between attempts while another process holds the lock
MAX_DB_BYTES = 256 * 1024 * 1024  # a 100k-task plan is ~60 MB; anything far larger is not ours


def events_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".events.jsonl")


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def shown(path: Path | str) -> str:
    """A path as it may appear in a message: no control characters reach the terminal."""
    from .textutil import sanitize

    return sanitize(str(path), keep_newlines=False)


def set_mode(fd_or_path: int | Path, mode: int = FILE_MODE) -> None:
    """chmod to `mode` (the umask would otherwise drop group write); not ours to change: skip."""
    with contextlib.suppress(OSError):
        if isinstance(fd_or_path, int):
            if os.fstat(fd_or_path).st_mode & 0o777 != mode:
                os.fchmod(fd_or_path, mode)
        elif os.stat(fd_or_path).st_mode & 0o777 != mode:
            os.chmod(fd_or_path, mode)


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


class CorruptDatabase(DatabaseError):
    """The file exists but is not a valid zwgk database; `problem` says why (no file name)."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"数据库 {shown(path)} {problem}，未做任何修改。")
        self.path = path
        self.problem = problem


def read_bytes(path: Path) -> bytes | None:
    """The raw file, None when it does not exist; refuses directories, symlinks, huge files."""
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang us (no effect on files).
        fd = open_checked(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0), "数据库")
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DatabaseError(f"数据库路径 {shown(path)} 不是普通文件。")
        if st.st_size > MAX_DB_BYTES:
            raise CorruptDatabase(
                path,
                f"大小为 {st.st_size // (1024 * 1024)} MB，超过上限 {MAX_DB_BYTES // (1024 * 1024)} MB",
            )
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


def parse_json(path: Path, raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise CorruptDatabase(path, "是空文件")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CorruptDatabase(path, "已损坏（不是有效的 UTF-8 文本）") from None
    except json.JSONDecodeError as exc:
        raise CorruptDatabase(
            path, f"已损坏（第 {exc.lineno} 行第 {exc.colno} 列不是有效的 JSON）"
        ) from None
    except RecursionError:
        raise CorruptDatabase(path, "已损坏（JSON 嵌套过深）") from None
    if not isinstance(data, dict):
        raise CorruptDatabase(path, "的内容不是 zwgk 数据库")
    return data


def read_json(path: Path) -> dict[str, Any] | None:
    """The database as a dict, None when the file does not exist; DatabaseError if unreadable."""
    raw = read_bytes(path)
    return None if raw is None else parse_json(path, raw)


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale_tmp(path: Path) -> int:
    """Delete temp files a killed writer left behind. Call only while holding the lock."""
    removed = 0
    prefix = tmp_prefix(path)
    with contextlib.suppress(OSError), os.scandir(path.parent) as it:
        for entry in it:
            if entry.name.startswith(prefix) and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def atomic_write_bytes(path: Path, payload: bytes, *, backup: bool = False) -> None:
    """Write to a temp file in the same directory, fsync, rename over `path`, fsync the dir.

    With `backup`, the file about to be replaced is first hard-linked into the backup
    directory: after the rename that link is the only name of the previous version.
    """
    import tempfile  # only checkpoints get here: keep it (and shutil, random) off `zwgk mark`

    try:
        fd, tmp = tempfile.mkstemp(prefix=tmp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            set_mode(fh.fileno())
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if backup:
            from . import backup as backups

            backups.keep_previous(path)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from None
        raise
    fsync_dir(path.parent)


def write_error(path: Path, exc: OSError) -> DatabaseError:
    """A failed write as one sentence (disk full, no permission…); the old file is intact."""
    import errno

    hint = "磁盘空间已满" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
    return DatabaseError(f"无法写入 {shown(path)}（{hint}），未做任何修改。")


def dump_json(data: Any) -> bytes:
    # ensure_ascii=False keeps Chinese readable in the file; compact separators keep it small.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- the task file's layout ------------------------------------------------------------------
# Still one JSON object TinyDB reads as usual, but written one task per line with the meta
# table last; meta carries the CRC-32 and length of everything before its own line:
#
#   {
#   "plans":{...},
#   "units":{...},
#   "tasks":{
#   "1":{...},
#   "2":{...}
#   },
#   "meta":{"1":{"schema":1,"last_seq":..,"events_offset":..,"crc":..,"body":..}}}
#
# A file that passes the CRC is byte for byte what a validating writer produced, so a change
# can read just the one task line it needs (`FileView`) instead of parsing the whole file.
TASKS_HEAD = b'\n"tasks":{\n'
META_HEAD = b'\n"meta":'


def dump_db(data: dict[str, Any]) -> bytes:
    parts = [b"{\n"]
    for name, table in data.items():
        if name not in ("tasks", "meta"):
            parts.append(dump_json(name) + b":" + dump_json(table) + b",\n")
    parts.append(TASKS_HEAD[1:])
    tasks = data.get("tasks") or {}
    parts.append(b",\n".join(dump_json(str(k)) + b":" + dump_json(v) for k, v in tasks.items()))
    parts.append(b"\n},\n")
    body = b"".join(parts)
    meta = dict(data.get("meta") or {})
    first = dict(meta.get("1") or {})
    first["crc"] = zlib.crc32(body)
    first["body"] = len(body)
    meta["1"] = first
    return body + META_HEAD[1:] + dump_json(meta) + b"}\n"


def _meta_line(raw: bytes) -> tuple[int, dict[str, Any]] | None:
    """(length of the body, meta["1"]) when the file's CRC checks out, else None."""
    pos = raw.rfind(META_HEAD)
    if pos < 0:
        return None
    tail = raw[pos + len(META_HEAD) :].rstrip(b"\n")
    if not tail.endswith(b"}"):
        return None
    rec = parse_line(tail[:-1])
    first = rec.get("1") if rec else None
    if not isinstance(first, dict) or first.get("body") != pos + 1:
        return None
    if first.get("crc") != zlib.crc32(memoryview(raw)[: pos + 1]):
        return None
    return pos + 1, first


def verified(raw: bytes) -> bool:
    """True when `raw` is exactly what `dump_db` wrote (so it was validated before writing)."""
    return _meta_line(raw) is not None


class FileView:
    """One task line at a time out of a CRC-verified task file, without parsing the rest."""

    def __init__(self, raw: bytes, body: int, meta: dict[str, Any]) -> None:
        self.raw = raw
        self.body = body
        self.meta = meta
        self.tasks_at = raw.find(TASKS_HEAD)

    @classmethod
    def of(cls, raw: bytes) -> FileView | None:
        found = _meta_line(raw)
        if found is None:
            return None
        view = cls(raw, found[0], found[1])
        return view if view.tasks_at >= 0 else None

    def _line(self, key: bytes, start: int, end: int) -> Any:
        i = self.raw.find(key, start, end)
        if i < 0:
            return None
        j = self.raw.find(b"\n", i + 1)
        line = self.raw[i + len(key) : j].rstrip(b",")
        return json.loads(line.decode("utf-8"))

    def task(self, task_id: int) -> dict[str, Any] | None:
        rec = self._line(b'\n"%d":' % task_id, self.tasks_at, self.body)
        return rec if isinstance(rec, dict) else None

    def table(self, name: str) -> dict[str, Any]:
        rec = self._line(b"\n" + dump_json(name) + b":", 0, self.tasks_at + 1)
        return rec if isinstance(rec, dict) else {}


class TransactionStorage:
    """A TinyDB storage for one locked transaction: read once, write once, atomically.

    (TinyDB only calls read/write/close, so this does not subclass tinydb's Storage: the
    fast `zwgk mark` path never imports TinyDB at all.)

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

    def close(self) -> None:
        pass

    def flush(self) -> None:
        if self.dirty and self._data is not None:
            remove_stale_tmp(self.path)
            atomic_write_bytes(self.path, dump_db(self._data), backup=True)
            self.dirty = False

    @property
    def data(self) -> dict[str, Any] | None:
        return self._data


def append_events(path: Path, lines: list[dict[str, Any]]) -> int:
    """Append events as JSON lines, fsynced; returns the file size afterwards.

    A torn last line left by a crash is cut off first, so the log stays line-aligned.
    """
    payload = b"".join(dump_json(rec) + b"\n" for rec in lines)
    fd = _open_log(path, os.O_RDWR | os.O_CREAT)
    try:
        set_mode(fd)
        size = os.lseek(fd, 0, os.SEEK_END)
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                size = _last_newline(fd, size)
                os.ftruncate(fd, size)
        os.lseek(fd, size, os.SEEK_SET)
        view = memoryview(payload)
        try:
            while view:
                view = view[os.write(fd, view) :]
            # fdatasync: data and size reach the disk; the mtime need not wait for it.
            getattr(os, "fdatasync", os.fsync)(fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # take back a partial line
                os.ftruncate(fd, size)
            raise write_error(path, exc) from None
        return size + len(payload)
    finally:
        os.close(fd)


def _open_log(path: Path, flags: int) -> int:
    return open_checked(path, flags, "修改记录")


def open_checked(path: Path, flags: int, what: str) -> int:
    """os.open that never follows a symlink and turns refusals into one sentence naming `what`.

    A missing file passes through as FileNotFoundError when opening to read: whether that is an
    error is the caller's call. (Creating in a missing folder is an error, said as such.)
    """
    try:
        return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
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


def _read_from(path: Path, offset: int) -> bytes:
    try:
        fd = _open_log(path, os.O_RDONLY)
    except FileNotFoundError:
        return b""
    try:
        with os.fdopen(fd, "rb", closefd=False) as fh:
            fh.seek(offset)
            return fh.read()
    finally:
        os.close(fd)


def read_tail(path: Path, offset: int) -> list[bytes]:
    """The complete, non-empty log lines from `offset` on, unparsed."""
    raw = _read_from(path, offset)
    end = raw.rfind(b"\n") + 1
    return [line for line in raw[:end].split(b"\n") if line]


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One log line as a dict, None when it is damaged (`zwgk doctor` reports those)."""
    try:
        rec = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return rec if isinstance(rec, dict) else None


def read_events(
    path: Path, offset: int = 0, *, contains: bytes | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Complete event lines from `offset` on, and the offset just past the last one read.

    `contains` skips, before parsing, every line without that byte string (a cheap pre-filter;
    callers still check the parsed record).
    """
    raw = _read_from(path, offset)
    end = raw.rfind(b"\n") + 1  # an unterminated tail is a write in progress or a torn crash
    out: list[dict[str, Any]] = []
    for line in raw[:end].split(b"\n"):
        if not line or (contains is not None and contains not in line):
            continue
        rec = parse_line(line)
        if rec is not None:
            out.append(rec)
    return out, offset + end


def iter_events_backwards(path: Path, chunk: int = 1 << 16) -> Iterator[dict[str, Any]]:
    """Complete event lines newest first, reading the file from its end in chunks."""
    try:
        fd = _open_log(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        pos = os.lseek(fd, 0, os.SEEK_END)
        if pos == 0:
            return
        os.lseek(fd, pos - 1, os.SEEK_SET)
        if os.read(fd, 1) != b"\n":  # skip an unterminated (torn or in-flight) tail
            pos = _last_newline(fd, pos)
        tail = b""
        while pos > 0:
            step = min(chunk, pos)
            pos -= step
            os.lseek(fd, pos, os.SEEK_SET)
            buf = os.read(fd, step) + tail
            lines = buf.split(b"\n")
            tail = lines[0] if pos > 0 else b""
            for line in reversed(lines[1:] if pos > 0 else lines):
                if line:
                    rec = parse_line(line)
                    if rec is not None:
                        yield rec
    finally:
        os.close(fd)
