"""The read snapshot's file (`<db>.snap`): a header saying what it was made from, then sections.

    MAGIC | header length | header CRC-32 | header (marshal) | section | section | …

The header records the version of this layout, the Python that wrote it (marshal's format is
Python's own), a fingerprint of the code that shaped what the sections hold, the identity of
the task file (`db_key`) and how far into the event log the snapshot goes. Each section is
bytes at an offset the header gives, with its own CRC-32, checked before anything is
unmarshalled: a truncated, garbled or half-copied file is never believed, only rebuilt.

The file is written whole to a temporary file in the database's folder and renamed into
place (mode 0660 like every file beside the database, so colleagues in the group share it);
a reader sees the old file or the new one, and after a crash at worst a torn one, which its
checks refuse. Writing is best effort: a folder we may not write
costs the next reader a rebuild, never a failed command. This module knows the bytes only;
what the sections mean is `readcache`'s business.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import sys
import weakref
import zlib
from pathlib import Path

from .files import open_checked, set_mode

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

MAGIC = b"ZWGKSNAP"
VERSION = 2  # 2: the prepared search index in parts (readviews.search_part)
_PREFIX = struct.Struct("<8sII")  # magic, header length, header CRC
_MAX_HEADER = 1 << 20
_FIRST_READ = 1 << 16
EDGE = 1 << 16  # bytes at each end of the task file whose CRC is part of its identity

# The modules whose code decides what a snapshot holds: editing or upgrading one of them makes
# every snapshot stale (the fingerprint is their sizes and modification times).
_CODE = (
    "snapfile.py",
    "readcache.py",
    "readviews.py",
    "jsontext.py",
    "snapshot.py",
    "model.py",
    "parts.py",
    "plans.py",
    "directory.py",
    "stats.py",
    "textutil.py",
    "unitnames.py",
    "eventlog.py",
    "search/index.py",
    "search/pinyin_match.py",
    "search/lineindex.py",
    "search/initials.py",
)


def snap_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".snap")


def code_fingerprint() -> int:
    here = Path(__file__).parent
    parts = [sys.version_info[:2], marshal.version, VERSION]
    for name in _CODE:
        try:
            st = os.stat(here / name)
            parts.append((st.st_size, st.st_mtime_ns))
        except OSError:
            parts.append(None)
    return zlib.crc32(repr(parts).encode())


def db_key(st: os.stat_result, head: bytes, tail: bytes) -> tuple[int, ...]:
    """The task file's identity: which file (device, inode), how big, when last changed
    (ctime cannot be set back by a user), and a CRC of its first and last `EDGE` bytes
    (which in a file zwgk wrote include the CRC of the whole body)."""
    return (
        st.st_dev,
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
        st.st_ctime_ns,
        zlib.crc32(tail, zlib.crc32(head)),
    )


def file_key(fd: int) -> tuple[int, ...]:
    """`db_key` of an open file, reading only its two ends."""
    st = os.fstat(fd)
    head = os.pread(fd, EDGE, 0)
    tail = os.pread(fd, EDGE, max(0, st.st_size - EDGE))
    return db_key(st, head, tail)


def bytes_key(st: os.stat_result, raw: bytes) -> tuple[int, ...]:
    """`db_key` of a file whose bytes `raw` were read through the descriptor `st` describes."""
    return db_key(st, raw[:EDGE], raw[max(0, len(raw) - EDGE) :])


class SnapFile:
    """An open snapshot file: its header, and its sections read (and checked) on demand."""

    def __init__(self, fd: int, header: dict[str, Any], size: int) -> None:
        self.fd = fd
        self.header = header
        self.size = size
        self.sections: dict[str, tuple[int, int, int]] = header["sections"]
        self._map: memoryview | None = None
        # The app keeps a snapshot open as long as it shows it and drops it without a word
        # when a newer one replaces it: the descriptor then goes with it.
        self._closer = weakref.finalize(self, _close_fd, fd)

    @classmethod
    def open(cls, path: Path) -> SnapFile | None:
        """The snapshot at `path` when its header is intact; None otherwise (missing, not a
        regular file, too short, garbled, another layout or another Python's)."""
        try:
            fd = open_checked(path, os.O_RDONLY, "读取快照")
        except Exception:  # noqa: BLE001 - missing, a symlink, a FIFO: no snapshot
            return None
        try:
            found = cls._read_header(fd)
        except Exception:  # noqa: BLE001 - any damage at all: not a snapshot we trust
            found = None
        if found is None:
            os.close(fd)
            return None
        return cls(fd, *found)

    @staticmethod
    def _read_header(fd: int) -> tuple[dict[str, Any], int] | None:
        size = os.fstat(fd).st_size
        first = os.pread(fd, _FIRST_READ, 0)
        if len(first) < _PREFIX.size:
            return None
        magic, length, crc = _PREFIX.unpack_from(first)
        if magic != MAGIC or length > _MAX_HEADER or _PREFIX.size + length > size:
            return None
        raw = first[_PREFIX.size : _PREFIX.size + length]
        if len(raw) < length:
            raw = os.pread(fd, length, _PREFIX.size)
        if len(raw) != length or zlib.crc32(raw) != crc:
            return None
        header = marshal.loads(raw)
        if not isinstance(header, dict) or header.get("version") != VERSION:
            return None
        sections = header.get("sections")
        if not isinstance(sections, dict):
            return None
        base = _PREFIX.size + length  # section offsets count from the end of the header
        placed = {}
        for name, where in sections.items():
            if not (isinstance(where, tuple) and len(where) == 3):
                return None
            offset, length, crc = where
            if not (isinstance(offset, int) and isinstance(length, int)):
                return None
            if offset < 0 or length < 0 or base + offset + length > size:
                return None
            placed[name] = (base + offset, length, crc)
        header["sections"] = placed
        return header, size

    def raw(self, name: str) -> bytes | None:
        """A section's bytes, None when it is absent, cut short or fails its CRC."""
        where = self.sections.get(name)
        if where is None:
            return None
        if not self._closer.alive:  # closed: its number may be another file's by now
            return None
        offset, length, crc = where
        try:
            data = os.pread(self.fd, length, offset)
        except OSError:
            return None
        if len(data) != length or zlib.crc32(data) != crc:
            return None
        return data

    def view(self, name: str) -> memoryview | None:
        """A section's bytes without copying them (the file mapped into memory), None when
        it is absent or fails its CRC. The mapping lives as long as the views of it."""
        where = self.sections.get(name)
        if where is None:
            return None
        offset, length, crc = where
        try:
            if self._map is None:
                import mmap

                self._map = memoryview(mmap.mmap(self.fd, 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError):
            data = self.raw(name)
            return memoryview(data) if data is not None else None
        found = self._map[offset : offset + length]
        if len(found) != length or zlib.crc32(found) != crc:
            return None
        return found

    def close(self) -> None:
        self._closer()


def _close_fd(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


class Copied:
    """A section carried over unchanged from an open snapshot (copied file to file)."""

    def __init__(self, source: SnapFile, name: str) -> None:
        self.source = source
        self.offset, self.length, self.crc = source.sections[name]


def write_snapfile(
    path: Path, header: dict[str, Any], sections: dict[str, bytes | memoryview | Copied]
) -> bool:
    """Write a snapshot atomically (temp file, fsync, rename); False when it could not be."""
    import tempfile

    layout: dict[str, tuple[int, int, int]] = {}
    offset = 0  # from the end of the header
    for name, data in sections.items():
        if isinstance(data, Copied):
            layout[name] = (offset, data.length, data.crc)
            offset += data.length
        else:
            layout[name] = (offset, len(data), zlib.crc32(data))
            offset += len(data)
    head = marshal.dumps({**header, "version": VERSION, "sections": layout})
    if len(head) > _MAX_HEADER:
        return False
    prefix = _PREFIX.pack(MAGIC, len(head), zlib.crc32(head))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            set_mode(fh.fileno())
            fh.write(prefix)
            fh.write(head)
            for data in sections.values():
                if isinstance(data, Copied):
                    fh.flush()
                    _copy(data.source.fd, fh.fileno(), data.offset, data.length)
                    fh.seek(0, os.SEEK_END)
                else:
                    fh.write(data)
        # No fsync: after a crash a torn or empty snapshot fails its checks and is rebuilt,
        # and syncing a file this size would cost a reader more than the rebuild saves.
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - best effort: the next reader rebuilds
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True


def _copy(src: int, dst: int, offset: int, length: int) -> None:
    """`length` bytes of `src` from `offset` appended to `dst` (kernel-side when possible)."""
    pos = os.lseek(dst, 0, os.SEEK_END)
    end = offset + length
    while offset < end:
        try:
            n = os.copy_file_range(src, dst, end - offset, offset, pos)
        except (AttributeError, OSError):
            n = -1
        if n <= 0:
            chunk = os.pread(src, min(1 << 22, end - offset), offset)
            if not chunk:
                raise OSError("snapshot section cut short")
            n = os.pwrite(dst, chunk, pos)
        offset += n
        pos += n
