"""The event log on disk: an append-only JSON-lines file beside the database.

A change appends its event (fsynced) before anything else is written, so the log is a
write-ahead log: a task file that lags behind it is rolled forward on read (`loading`). This
module only moves lines to and from the file; what a record means is `eventlog`'s business.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .codec import dump_json, parse_line
from .files import open_checked, set_mode, write_error
from .validation import is_int

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

# Set on the first record of every log: a random id, so that two logs never share a first line
# (the log's identity, recorded in the task file's meta; see `logcheck`).
LOG_ID = "log_id"


def new_log_id() -> str:
    return os.urandom(8).hex()


def _open_log(path: Path, flags: int) -> int:
    return open_checked(path, flags, "修改记录")


def append_events(path: Path, lines: list[dict[str, Any]]) -> int:
    """Append events as JSON lines, fsynced; returns the file size afterwards.

    A torn last line left by a crash is cut off first, so the log stays line-aligned. The first
    record of a new log gets a random `log_id`.
    """
    fd = _open_log(path, os.O_RDWR | os.O_CREAT)
    try:
        set_mode(fd)
        size = os.lseek(fd, 0, os.SEEK_END)
        if size:
            os.lseek(fd, size - 1, os.SEEK_SET)
            if os.read(fd, 1) != b"\n":
                size = _last_newline(fd, size)
                os.ftruncate(fd, size)
        if size == 0 and lines:  # a new log: its first line names it (see `logcheck`)
            lines = [{**lines[0], LOG_ID: new_log_id()}, *lines[1:]]
        payload = b"".join(dump_json(rec) + b"\n" for rec in lines)
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


CHUNK = 1 << 20  # bytes read at a time: memory stays bounded however long the log grows


def _open_to_read(path: Path) -> int | None:
    """A read-only fd on the log, None when there is no log yet."""
    try:
        return _open_log(path, os.O_RDONLY)
    except FileNotFoundError:
        return None


def iter_lines(
    path: Path, offset: int = 0, *, contains: bytes | None = None, chunk: int = CHUNK
) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for each complete, non-empty line from `offset` on, streamed.

    An unterminated tail is a write in progress or a torn crash: not yielded. `contains`
    skips, before splitting, every chunk without that byte string and then every line
    without it (a cheap pre-filter: callers still check what they parse).
    """
    fd = _open_to_read(path)
    if fd is None:
        return
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        carry = b""
        pos = offset  # file offset of carry[0]
        while True:
            data = os.read(fd, chunk)
            if not data:
                return
            buf = carry + data if carry else data
            end = buf.rfind(b"\n") + 1
            carry = buf[end:]
            if end and (contains is None or buf.find(contains, 0, end) >= 0):
                start = 0
                while start < end:
                    nl = buf.index(b"\n", start)
                    if nl > start and (contains is None or buf.find(contains, start, nl) >= 0):
                        yield pos + start, buf[start:nl]
                    start = nl + 1
            pos += end
    finally:
        os.close(fd)


def complete_size(path: Path) -> int:
    """Bytes of the log up to the end of its last complete line (0: no log)."""
    fd = _open_to_read(path)
    if fd is None:
        return 0
    try:
        return _last_newline(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def read_tail(path: Path, offset: int) -> list[bytes]:
    """The complete, non-empty log lines from `offset` on, unparsed."""
    return [line for _, line in iter_lines(path, offset)]


def read_events(
    path: Path, offset: int = 0, *, contains: bytes | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Complete event lines from `offset` on (parsed, undamaged ones), and the offset just past
    the last line read. `contains`: see `iter_lines` (the offset then means little)."""
    out: list[dict[str, Any]] = []
    end = offset
    for at, line in iter_lines(path, offset, contains=contains):
        end = at + len(line) + 1
        rec = parse_line(line)
        if rec is not None:
            out.append(rec)
    return out, end


def iter_lines_backwards(
    path: Path, *, contains: bytes | None = None, chunk: int = CHUNK
) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for each complete, non-empty line, newest first, reading from the end in
    chunks; `contains` as in `iter_lines`."""
    fd = _open_to_read(path)
    if fd is None:
        return
    try:
        pos = os.fstat(fd).st_size
        if pos == 0:
            return
        os.lseek(fd, pos - 1, os.SEEK_SET)
        if os.read(fd, 1) != b"\n":  # skip an unterminated (torn or in-flight) tail
            pos = _last_newline(fd, pos)
        tail = b""  # the start of a line whose beginning is in an earlier chunk
        while pos > 0:
            step = min(chunk, pos)
            pos -= step
            os.lseek(fd, pos, os.SEEK_SET)
            buf = os.read(fd, step) + tail
            # Whole lines in buf start after its first newline (or at 0 at the file's start).
            first = 0 if pos == 0 else buf.find(b"\n") + 1
            if pos > 0 and first == 0:  # one line longer than the chunk: read further back
                tail = buf
                continue
            tail = buf[:first]
            if contains is not None and buf.find(contains, first) < 0:
                continue
            end = len(buf)
            while end > first:
                nl = buf.rfind(b"\n", first, end - 1)
                start = max(nl + 1, first)
                line = buf[start : end - 1] if buf[end - 1 : end] == b"\n" else buf[start:end]
                if line and (contains is None or contains in line):
                    yield pos + start, line
                end = start
    finally:
        os.close(fd)


def iter_events_backwards(path: Path, chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Complete, undamaged event lines newest first, reading the file from its end in chunks."""
    for _, line in iter_lines_backwards(path, chunk=chunk):
        rec = parse_line(line)
        if rec is not None:
            yield rec


def line_ending_at(path: Path, offset: int) -> tuple[int, bytes | None, bytes | None]:
    """(size of the log, its first line, the line ending just before `offset`), one open.

    A line is None when there is none: an empty log, or `offset` not at the end of a line
    (or beyond the file). Used to check that a log is the one a task file expects.
    """
    fd = _open_to_read(path)
    if fd is None:
        return 0, None, None
    try:
        size = os.fstat(fd).st_size
        first = _line_at(fd, 0, size)
        before = None
        if 0 < offset <= size:
            os.lseek(fd, offset - 1, os.SEEK_SET)
            if os.read(fd, 1) == b"\n":
                start = _last_newline(fd, offset - 1)
                before = _line_at(fd, start, offset)
        return size, first, before
    finally:
        os.close(fd)


def _line_at(fd: int, start: int, limit: int) -> bytes | None:
    """The complete line starting at `start` (None if it does not end before `limit`)."""
    out = b""
    pos = start
    while pos < limit:
        os.lseek(fd, pos, os.SEEK_SET)
        data = os.read(fd, min(65536, limit - pos))
        if not data:
            break
        nl = data.find(b"\n")
        if nl >= 0:
            return out + data[:nl]
        out += data
        pos += len(data)
    return None


def last_seq(path: Path) -> int:
    """The newest sequence number in the log (0: none), read from its end."""
    for rec in iter_events_backwards(path):
        if is_int(rec.get("seq")):
            return int(rec["seq"])
    return 0
