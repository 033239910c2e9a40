"""Whether the event log beside a task file is the log that file was written against.

The task file's meta says how much of the log it has absorbed: `events_offset` (bytes),
`last_seq` (the seq of the line ending there) and `log_head` (CRC-32 of the log's first line,
which carries a random `log_id` when zwgk began the log: which log). A log emptied (`: > zwgk.json.events.jsonl`), cut by logrotate's copytruncate,
replaced by an older copy or by another database's log no longer matches. Writing on top of it
would number new changes from a stale counter (the same seq again and again), store them where
no reader looks (before `events_offset`), and the next checkpoint would make the loss
permanent. So every read and every transaction checks first (`require_intact`) and refuses
with one sentence; `zwgk doctor --repair` keeps the damaged log aside and starts a fresh one
consistent with the task file.

A database written before `log_head` existed is checked by size and by the seq at its offset,
and adopts a head at its next checkpoint (`Transaction.commit` fills it in).
"""

from __future__ import annotations

import zlib
from pathlib import Path

from .codec import parse_line
from .errors import DatabaseError
from .eventfile import line_ending_at
from .eventlog import validate_event
from .files import events_path, shown
from .validation import is_int

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


class LogMismatch(DatabaseError):
    """The event log is not the one the task file expects; `problem` says how (no file name)."""

    def __init__(self, db_path: Path, problem: str) -> None:
        log = events_path(db_path)
        super().__init__(
            f"修改记录 {shown(log)} {problem}，与任务文件 {shown(db_path)} 对不上，"
            "为免丢失已保存的修改，暂停读写；请运行 zwgk doctor 查看，zwgk doctor --repair 修复。"
        )
        self.problem = problem


def head_crc(line: bytes) -> int:
    """The identity of a log: the CRC-32 of its first line (which never changes: append-only)."""
    return zlib.crc32(line)


def head_of(log: Path) -> int | None:
    """The identity of the log at `log`; None when it has no complete line yet."""
    _, first, _ = line_ending_at(log, 0)
    return None if first is None else head_crc(first)


def log_problem(db_path: Path, meta: dict[str, Any]) -> str | None:
    """How the log beside `db_path` contradicts the task file's `meta` (None: it does not)."""
    offset = meta.get("events_offset", 0)
    if not is_int(offset) or offset <= 0:
        return None  # the task file has absorbed nothing: any log (or none) is consistent
    size, first, before = line_ending_at(events_path(db_path), offset)
    if size < offset:
        if size == 0:
            return f"为空或不存在（任务文件已并入其中 {offset} 字节），可能被清空、删除或轮转"
        return (
            f"只有 {size} 字节，比任务文件已并入的 {offset} 字节短，"
            "可能被截短、轮转或换成了旧的副本"
        )
    head = meta.get("log_head")
    if is_int(head) and (first is None or head_crc(first) != head):
        return "的第一行与任务文件记录的不同，不是原来那一份（可能被替换）"
    if before is None:
        return f"在任务文件记录的位置（第 {offset} 字节）不是一行的结尾，可能被替换"
    rec = parse_line(before)
    seq = rec["seq"] if rec is not None and validate_event(rec) is None else None
    last = meta.get("last_seq", 0)
    if seq is not None and seq != last:  # (a bad line there says nothing: doctor reports it)
        return f"在任务文件记录的位置上是第 {seq} 号修改，应为第 {last} 号，可能被替换"
    return None


def require_intact(db_path: Path, meta: dict[str, Any]) -> None:
    """Raise `LogMismatch` unless the log beside `db_path` is the one `meta` was written with."""
    problem = log_problem(db_path, meta)
    if problem is not None:
        raise LogMismatch(db_path, problem)
