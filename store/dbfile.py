"""The task file on disk: how it is laid out, read, checked by CRC and replaced atomically.

Still one JSON object TinyDB reads as usual, but written one task per line with the meta
table last; meta carries the CRC-32 and length of everything before its own line:

  {
  "plans":{...},
  "units":{...},
  "tasks":{
  "1":{...},
  "2":{...}
  },
  "meta":{"1":{"schema":1,"last_seq":..,"events_offset":..,"crc":..,"body":..}}}

A file that passes the CRC is byte for byte what a validating writer produced, so a change
can read just the one task line it needs (`FileView`) instead of parsing the whole file.

A new version is written to a temporary file in the same folder, fsynced and renamed over the
old one, so a reader or a crash sees the old file or the new one, never half of one. This
module knows nothing of TinyDB, the event log or backups (`atomic_write_bytes` takes a
`before_replace` hook for those).
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .codec import dump_json, parse_line
from .errors import DatabaseError
from .files import fsync_dir, open_checked, set_mode, shown, write_error

MAX_DB_BYTES = 256 * 1024 * 1024  # a 100k-task plan is ~60 MB; anything far larger is not ours

TASKS_HEAD = b'\n"tasks":{\n'
META_HEAD = b'\n"meta":'


class CorruptDatabase(DatabaseError):
    """The file exists but is not a valid zwgk database; `problem` says why (no file name)."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"数据库 {shown(path)} {problem}，未做任何修改。")
        self.path = path
        self.problem = problem


# -- reading ---------------------------------------------------------------------------------
def read_bytes(path: Path) -> bytes | None:
    """The raw file, None when it does not exist; refuses directories, symlinks, huge files."""
    try:
        fd = open_checked(path, os.O_RDONLY, "数据库")  # a regular file, never a FIFO
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
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
    except ValueError:  # an int longer than Python's digit limit
        raise CorruptDatabase(path, "已损坏（含有过长的数字）") from None
    except RecursionError:
        raise CorruptDatabase(path, "已损坏（JSON 嵌套过深）") from None
    if not isinstance(data, dict):
        raise CorruptDatabase(path, "的内容不是 zwgk 数据库")
    return data


def read_json(path: Path) -> dict[str, Any] | None:
    """The database as a dict, None when the file does not exist; DatabaseError if unreadable."""
    raw = read_bytes(path)
    return None if raw is None else parse_json(path, raw)


# -- the layout --------------------------------------------------------------------------------
# `codec.dump_json`'s output without building a JSONEncoder per call: a task file of 100,000
# tasks is 100,000 calls, and building the encoder was a third of the dump's time.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dump_db(data: dict[str, Any]) -> bytes:
    """The whole database in the layout above, with the CRC of its body in meta."""
    return b"".join(Dumped(data).pieces(data.get("meta")))


class Dumped:
    """A database dumped once: its body (everything the CRC covers) can be measured and checked
    before anything is written, and written with the meta line as it stands at the write.

    The body is kept in chunks of a few thousand task lines, written one after the other:
    joining 100 MB into one object, then again with the meta line, held three copies at once.
    """

    LINES_PER_CHUNK = 4096

    def __init__(self, data: dict[str, Any]) -> None:
        parts = [b"{\n"]
        for name, table in data.items():
            if name not in ("tasks", "meta"):
                parts.append(dump_json(name) + b":" + dump_json(table) + b",\n")
        parts.append(TASKS_HEAD[1:])
        self.chunks: list[bytes] = []
        tasks = data.get("tasks") or {}
        for n, (k, v) in enumerate(tasks.items()):
            if n:
                parts.append(b",\n")
                if not n % self.LINES_PER_CHUNK:
                    self.chunks.append(b"".join(parts))
                    parts.clear()
            # A task key is a decimal id (validation refuses any other before a write), so it
            # needs no escaping; anything else is dumped as JSON would.
            key = str(k)
            key = f'"{key}"' if key.isascii() and key.isdigit() else _ENCODE(key)
            parts.append(f"{key}:{_ENCODE(v)}".encode())
        parts.append(b"\n},\n")
        self.chunks.append(b"".join(parts))
        self.crc = 0
        for chunk in self.chunks:
            self.crc = zlib.crc32(chunk, self.crc)
        self.length = sum(map(len, self.chunks))

    def _tail(self, meta_table: Any) -> bytes:
        meta = dict(meta_table or {})
        first = dict(meta.get("1") or {})
        first["crc"] = self.crc
        first["body"] = self.length
        meta["1"] = first
        return META_HEAD[1:] + dump_json(meta) + b"}\n"

    def size(self, meta_table: Any) -> int:
        """How many bytes the file `pieces(meta_table)` make is."""
        return self.length + len(self._tail(meta_table))

    def pieces(self, meta_table: Any) -> list[bytes]:
        """The file's bytes in order: the body, then the meta table with its CRC and length."""
        return [*self.chunks, self._tail(meta_table)]


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


# -- replacing ---------------------------------------------------------------------------------
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


def atomic_write_bytes(
    path: Path,
    payload: bytes | list[bytes],
    *,
    before_replace: Callable[[Path], object] | None = None,
) -> None:
    """Write to a temp file in the same directory, fsync, rename over `path`, fsync the dir.

    `payload`: the bytes, or pieces of them written one after the other (`Dumped.pieces`).

    `before_replace(path)` runs after the new bytes are safe on disk and before the rename:
    the moment to keep the version about to be replaced (see `backup.keep_previous`).
    """
    import tempfile  # only checkpoints get here: keep it (and shutil, random) off `zwgk mark`

    try:
        fd, tmp = tempfile.mkstemp(prefix=tmp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            set_mode(fh.fileno())
            if isinstance(payload, list):
                fh.writelines(payload)
            else:
                fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace(path)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from None
        raise
    fsync_dir(path.parent)
