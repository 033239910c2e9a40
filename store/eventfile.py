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
from typing import Any

from .codec import dump_json, parse_line
from .files import open_checked, set_mode, write_error
from .validation import is_int


def _open_log(path: Path, flags: int) -> int:
    return open_checked(path, flags, "修改记录")


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


def last_seq(path: Path) -> int:
    """The newest sequence number in the log (0: none), read from its end."""
    for rec in iter_events_backwards(path):
        if is_int(rec.get("seq")):
            return int(rec["seq"])
    return 0
