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
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from .codec import dump_json, parse_line
from .errors import DatabaseError
from .files import fsync_dir, open_checked, set_mode, shown, write_error

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

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
def open_db(path: Path) -> int | None:
    """The task file opened to read, None when it does not exist; refuses directories,
    symlinks, FIFOs and files far too large to be ours."""
    try:
        fd = open_checked(path, os.O_RDONLY, "数据库")  # a regular file, never a FIFO
    except FileNotFoundError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > MAX_DB_BYTES:
            raise CorruptDatabase(
                path,
                f"大小为 {size // (1024 * 1024)} MB，超过上限 {MAX_DB_BYTES // (1024 * 1024)} MB",
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_all(fd: int) -> bytes:
    """Everything an open task file holds."""
    with os.fdopen(fd, "rb", closefd=False) as fh:
        fh.seek(0)
        return fh.read()


def read_bytes(path: Path) -> bytes | None:
    """The raw file, None when it does not exist; refuses directories, symlinks, huge files."""
    fd = open_db(path)
    if fd is None:
        return None
    try:
        return read_all(fd)
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


def _plain_encoder() -> Callable[[Any], bytes | None] | None:
    """orjson's encoder for `Dumped`'s plain records, None for what it refuses (and without
    orjson installed, no encoder: json writes the same bytes, slower)."""
    try:
        import orjson
    except ImportError:
        return None

    def encode(value: Any) -> bytes | None:
        try:
            return orjson.dumps(value)
        except TypeError:  # orjson.JSONEncodeError: too big an int, a lone surrogate, depth
            return None

    return encode


def dump_db(data: dict[str, Any]) -> bytes:
    """The whole database in the layout above, with the CRC of its body in meta."""
    return b"".join(Dumped(data).pieces(data.get("meta")))


class Dumped:
    """A database dumped once: its body (everything the CRC covers) can be measured and checked
    before anything is written, and written with the meta line as it stands at the write.

    The body is kept in chunks of a few hundred task lines, written one after the other:
    joining 100 MB into one object, then again with the meta line, held three copies at once.
    """

    LINES_PER_CHUNK = 256

    def __init__(
        self, data: dict[str, Any], plain: set[int] | frozenset[int] | range = frozenset()
    ) -> None:
        """`plain`: ids of tasks whose records hold nothing but str, int, bool, None, lists and
        dicts with str keys — no float, which orjson writes differently (`1e-05`, `NaN`) — as
        the records an import builds: orjson encodes those (3-4× faster than json's C encoder,
        byte for byte the same text: tests/test_import_codec.py). Any other task, or one
        orjson refuses (an int beyond 64 bits, a lone surrogate), goes through json."""
        parts = [b"{\n"]
        for name, table in data.items():
            if name not in ("tasks", "meta"):
                parts.append(dump_json(name) + b":" + dump_json(table) + b",\n")
        parts.append(TASKS_HEAD[1:])
        self.chunks: list[bytes] = []
        tasks = data.get("tasks") or {}
        fast = _plain_encoder() if plain else None
        for n, (k, v) in enumerate(tasks.items()):
            if n:
                parts.append(b",\n")
                if not n % self.LINES_PER_CHUNK:
                    self.chunks.append(b"".join(parts))
                    parts.clear()
            # A task key is a decimal id (validation refuses any other before a write), so it
            # needs no escaping; anything else is dumped as JSON would.
            key = str(k)
            number = int(key) if key.isascii() and key.isdigit() else None
            key = f'"{key}"' if number is not None else _ENCODE(key)
            line = fast(v) if fast is not None and number in plain else None
            if line is not None:
                parts.append(b"%s:%s" % (key.encode(), line))
            else:
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


def _meta_in(tail: bytes, at: int) -> tuple[int, dict[str, Any]] | None:
    """(length of the body, meta["1"]) when `tail`, the end of a file from offset `at`, holds
    the meta line `dump_db` writes last, naming the body that ends just before it."""
    pos = tail.rfind(META_HEAD)
    if pos < 0:
        return None
    rest = tail[pos + len(META_HEAD) :].rstrip(b"\n")
    if not rest.endswith(b"}"):
        return None
    rec = parse_line(rest[:-1])
    first = rec.get("1") if rec else None
    if not isinstance(first, dict) or first.get("body") != at + pos + 1:
        return None
    return at + pos + 1, first


def _meta_line(raw: bytes) -> tuple[int, dict[str, Any]] | None:
    """(length of the body, meta["1"]) when the file's CRC checks out, else None."""
    found = _meta_in(raw, 0)
    if found is None or found[1].get("crc") != zlib.crc32(memoryview(raw)[: found[0]]):
        return None
    return found


def verified(raw: bytes) -> bool:
    """True when `raw` is exactly what `dump_db` wrote (so it was validated before writing)."""
    return _meta_line(raw) is not None


# The ends of the file read first: the small tables and the meta line are usually in them, and
# with the file's times they make its identity (`snapfile.db_key`, as the read snapshot's).
EDGE = 1 << 16
CHUNK = 1 << 18  # the CRC is worked out over pieces this big: the file is never held whole
PROBE = 1 << 12  # what one step of the search for a task line reads
# A file verified this long after it last changed keeps its identity until it changes again:
# a later write in place gets a later ctime even where timestamps tick coarsely (a write in
# the same tick as the one we read could leave the times as they were).
SETTLED_NS = 2 * 10**9
_verified: set[tuple[int, ...]] = set()  # identities of task files this process CRC-checked


def settled(read_at: int, st: os.stat_result) -> bool:
    """Whether a file read at `read_at` (ns) had not changed for `SETTLED_NS` before: then a
    write in place since is sure to show in its times."""
    return read_at - st.st_ctime_ns >= SETTLED_NS


class FileChanged(DatabaseError):
    """The task file was written in place while its lines were being read (zwgk itself only
    ever replaces it whole): nothing read from it can be trusted."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"数据库 {shown(path)} 在读取时被其他程序改动，未做任何修改；请重试。")


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileView:
    """One task line at a time out of a CRC-verified task file, read where it lies (`pread`):
    a change to one task never reads, holds or parses the whole file (~100 MB at 100,000
    tasks). The CRC is worked out over the file streamed in pieces, once per file identity
    (device, inode, size, times and both ends, `snapfile.db_key`): a file that kept its identity
    since this process verified it is the same bytes, since zwgk only ever replaces the file
    (a new inode) and anyone writing in place changes its times. Every read checks the file
    kept its identity (`FileChanged`). Owns its descriptor: `close()` it (or let it go)."""

    def __init__(
        self,
        path: Path,
        fd: int,
        st: os.stat_result,
        head: bytes,
        found: tuple[int, dict[str, Any]],
    ) -> None:
        self.path = path
        self.fd: int | None = fd
        self.stat = _stat_key(st)
        self.head = head  # the file up to the tasks: the small tables
        self.body, self.meta = found
        self.tasks_at = len(head) - len(TASKS_HEAD)

    @classmethod
    def open(cls, path: Path, fd: int, trusted: tuple[int, ...] | None = None) -> FileView | None:
        """A view of the open task file `fd` (kept, and closed with the view) when its CRC
        verifies; None when it does not (`fd` is then left open for the caller). `trusted`: an
        identity known to have been verified (the read snapshot's, see `readcache`)."""
        from .snapfile import db_key

        before = time.time_ns()
        st = os.fstat(fd)
        size = st.st_size
        first = os.pread(fd, min(EDGE, size), 0)
        at = max(0, size - EDGE)
        tail = os.pread(fd, size - at, at)
        key = db_key(st, first, tail)
        found = _meta_in(tail, at)
        head = _head(fd, first, found[0]) if found is not None else None
        if found is None or head is None:
            return None
        known = key in _verified or key == trusted
        if not known and _crc(fd, found[0]) != found[1].get("crc"):
            return None
        if _stat_key(os.fstat(fd)) != _stat_key(st):
            return None  # written while we read it: the full read decides
        if not known and settled(before, st):
            if len(_verified) >= 64:  # a long session outlives many versions of the file
                _verified.clear()
            _verified.add(key)
        return cls(path, fd, st, head, found)

    def close(self) -> None:
        fd = getattr(self, "fd", None)
        if fd is not None:
            self.fd = None
            os.close(fd)

    def __enter__(self) -> FileView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            self.close()

    def _read(self, size: int, at: int) -> bytes:
        if self.fd is None:
            raise ValueError("FileView is closed")
        data = os.pread(self.fd, size, at)
        if _stat_key(os.fstat(self.fd)) != self.stat:
            raise FileChanged(self.path)
        return data

    def task(self, task_id: int) -> dict[str, Any] | None:
        rec = self._task_line(task_id)
        return rec if isinstance(rec, dict) else None

    def table(self, name: str) -> dict[str, Any]:
        key = b"\n" + dump_json(name) + b":"
        i = self.head.find(key, 0, self.tasks_at + 1)
        if i < 0:
            return {}
        j = self.head.find(b"\n", i + 1)
        rec = json.loads(self.head[i + len(key) : j].rstrip(b",").decode("utf-8"))
        return rec if isinstance(rec, dict) else {}

    # -- finding a task's line -------------------------------------------------------------
    # Task lines are `"<id>":{...},` between the tasks' head and `\n},\n` (the body's last four
    # bytes), written in the order of the table, which is by id as TinyDB numbers records. A
    # bisection over the file finds one in a few small reads; should the order not hold, the
    # lines are scanned in pieces, as a search of the whole file would.
    def _task_line(self, task_id: int) -> Any:
        key = b'\n"%d":' % task_id
        start = self.tasks_at + len(TASKS_HEAD) - 1  # the newline before the first task line
        end = self.body - 4  # the newline after the last one
        lo, hi = start, end  # the line sought, if anywhere in order, starts in [lo, hi)
        while hi - lo > EDGE:
            mid = (lo + hi) // 2
            found = self._line_start(mid, hi)
            if found is None:  # one long line from lo on
                hi = mid
                continue
            at, number = found
            if number is None:
                break  # not a task line where one should be: scan instead
            if number == task_id:
                return self._line_at(at, len(key))
            if number < task_id:
                lo = at
            else:
                hi = at
        at = self._find(key, lo, hi)
        if at < 0 and (lo, hi) != (start, end):
            at = self._find(key, start, end)
        return None if at < 0 else self._line_at(at, len(key))

    def _line_start(self, pos: int, limit: int) -> tuple[int, int | None] | None:
        """(offset, id) of the first line starting after `pos` and before `limit` (None: no
        line starts there; id None: that line is not a task line)."""
        while pos < limit:
            data = self._read(min(PROBE, limit - pos + 32), pos)
            nl = data.find(b"\n")
            if nl < 0 or pos + nl >= limit:
                if not data or pos + len(data) >= limit:
                    return None
                pos += len(data)
                continue
            at = pos + nl
            key = data[nl + 1 : nl + 32]
            if len(key) < 32 and at + 32 < self.body:
                key = self._read(32, at + 1)
            number = None
            if key[:1] == b'"':
                digits = key[1:].split(b'"', 1)[0]
                if digits.isdigit() and key[1 + len(digits) : 3 + len(digits)] == b'":':
                    number = int(digits)
            return at, number
        return None

    def _find(self, key: bytes, lo: int, hi: int) -> int:
        """The offset of `key` starting in [lo, hi), read in pieces; -1 when it is not there."""
        pos = lo
        while pos < hi:
            data = self._read(min(CHUNK, hi - pos) + len(key) - 1, pos)
            i = data.find(key)
            if 0 <= i and pos + i < hi:
                return pos + i
            if len(data) < len(key):
                break
            pos += len(data) - len(key) + 1
        return -1

    def _line_at(self, at: int, skip: int) -> Any:
        """The JSON value of the line whose key (`skip` bytes with its newline) is at `at`."""
        parts = []
        pos = at + skip
        while pos < self.body:
            data = self._read(min(CHUNK, self.body - pos), pos)
            if not data:
                break
            nl = data.find(b"\n")
            parts.append(data if nl < 0 else data[:nl])
            if nl >= 0:
                break
            pos += len(data)
        return json.loads(b"".join(parts).rstrip(b",").decode("utf-8"))


def _head(fd: int, first: bytes, body: int) -> bytes | None:
    """The file up to and including the tasks' head (None: there is none before `body`)."""
    head = first
    while True:
        i = head.find(TASKS_HEAD, 0, body)
        if i >= 0:
            return head[: i + len(TASKS_HEAD)]
        if len(head) >= body:
            return None
        more = os.pread(fd, CHUNK, len(head))
        if not more:
            return None
        head += more


def _crc(fd: int, length: int) -> int:
    """CRC-32 of the first `length` bytes of the open file, read in pieces into one buffer."""
    buf = memoryview(bytearray(min(CHUNK, max(length, 1))))
    crc = pos = 0
    with os.fdopen(fd, "rb", buffering=0, closefd=False) as fh:
        fh.seek(0)
        while pos < length:
            n = fh.readinto(buf[: min(len(buf), length - pos)])
            if not n:
                break
            crc = zlib.crc32(buf[:n], crc)
            pos += n
    return crc if pos == length else -1


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
