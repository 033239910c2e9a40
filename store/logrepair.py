"""`zwgk doctor --repair`: make the event log and the task file agree again, losing nothing
that can be kept and saying what could not.

Two kinds of damage, repaired under the lock (admins only when a permission file is in force):

- The log is not the one the task file expects (`logcheck`: emptied, cut, swapped, or a FIFO or
  folder at its path). The damaged log is kept aside as `<log>.broken-YYYYmmdd-HHMMSS`; a fresh
  log begins with a `repair` record numbered after the task file's last absorbed change; changes
  found in the damaged log that the task file has not absorbed are carried over (renumbered)
  when they still apply to the task as it is; the rest are listed as not recovered.
  A log emptied by logrotate's copytruncate is read back from the copy beside it (`.1`,
  `-20201215`) whose first line is the one the task file expects.
- Bad lines in a log that is otherwise right (unparseable, failing `validate_event`, numbered
  out of order): they move, byte for byte, to `<log>.quarantine`; the good lines stay, in order.

Either way the task file is then rewritten (with a backup of the old one) with every good change
absorbed and its meta pointing at the end of the new log, so offsets, seqs and the log's
identity are consistent again. New log first, task file second: a crash in between leaves a
mismatch that the next `zwgk doctor --repair` resolves.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path

from .backup import keep_previous
from .codec import dump_json, parse_line
from .context import Context
from .dbfile import atomic_write_bytes, dump_db, read_json
from .describe import describe_event
from .doctor import append_refusal, scan_log
from .errors import DatabaseError, PermissionDenied, ZwgkError
from .eventfile import LOG_ID, iter_lines, new_log_id
from .eventlog import LOG_ONLY, apply_event, event_record, new_event, replays, validate_event
from .files import events_path, fsync_dir, open_checked, set_mode, shown
from .loading import load_database
from .lock import locked
from .logcheck import head_crc, head_of, log_problem
from .model import Event
from .record import field, record
from .snapshot import meta_of, tables_of
from .validation import validate

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any, BinaryIO

MAX_LISTED = 10  # unrecovered changes named one by one; the rest are counted


@record
class RepairResult:
    """What `zwgk doctor --repair` did to the event log, and where the lines went."""

    repaired: bool
    message: str
    broken_copy: str | None = None
    quarantine: str | None = None
    moved_lines: int = 0
    recovered: int = 0
    not_recovered: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "repaired": self.repaired,
            "message": self.message,
            "broken_copy": self.broken_copy,
            "quarantine": self.quarantine,
            "moved_lines": self.moved_lines,
            "recovered_events": self.recovered,
            "not_recovered": self.not_recovered,
        }


def quarantine_path(db_path: Path) -> Path:
    log = events_path(db_path)
    return log.with_name(log.name + ".quarantine")


def repair(ctx: Context) -> RepairResult:
    """Repair the event log beside `ctx.db_path` (see the module's docstring)."""
    from .permissions import load_policy

    path = ctx.db_path
    log = events_path(path)
    with locked(path):
        reason = load_policy(path).refusal(ctx.user, "restore", None)
        if reason:
            with contextlib.suppress(ZwgkError):  # the log may be what is broken
                append_refusal(ctx, reason)
            raise PermissionDenied(reason)
        raw = read_json(path)  # a broken task file: CorruptDatabase, one sentence
        if raw is None:
            return RepairResult(False, f"数据库 {shown(path)} 不存在，没有需要修复的修改记录。")
        problems = validate(raw, limit=1)
        if problems:
            raise DatabaseError(
                f"数据库 {shown(path)} {problems[0]}，请先用 zwgk doctor --restore 恢复备份。"
            )
        data = tables_of(raw)
        meta = meta_of(data)
        aside = None
        if log.is_symlink() or (os.path.lexists(log) and not log.is_file()):
            aside = _aside(log)  # a FIFO, a folder, a symlink: out of the way, kept
            os.rename(log, aside)
        problem = log_problem(path, meta)
        if problem is not None:
            return _fresh_log(ctx, data, meta, problem, aside)
        if aside is not None:
            return RepairResult(
                True, f"修改记录的位置上不是普通文件，已移到 {shown(aside)}。", str(aside)
            )
        try:
            scan = scan_log(log, meta)
        except FileNotFoundError:
            return RepairResult(False, "还没有修改记录，无需修复。")
        if not scan.bad_spans and not scan.torn:
            return RepairResult(False, f"修改记录 {shown(log)} 完好，无需修复。")
        return _quarantine(ctx, scan.bad_spans)


def _aside(log: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = log.with_name(f"{log.name}.broken-{stamp}")
    n = 1
    while os.path.lexists(aside):
        aside = log.with_name(f"{log.name}.broken-{stamp}-{n}")
        n += 1
    return aside


def _fresh_log(
    ctx: Context,
    data: dict[str, Any],
    meta: dict[str, Any],
    problem: str,
    aside: Path | None,
) -> RepairResult:
    """Keep the damaged log aside, start a new one consistent with the task file."""
    path = ctx.db_path
    log = events_path(path)
    if aside is None and log.is_file():
        aside = _aside(log)
        try:
            os.link(log, aside)
        except OSError:
            shutil.copy2(log, aside)
        set_mode(aside)
    absorbed = int(meta.get("last_seq", 0))
    readable = aside is not None and aside.is_file() and not aside.is_symlink()
    source = aside if readable else None
    rotated = None
    if source is None or meta.get("log_head") != head_of(source):
        # Emptied by logrotate's copytruncate: the lines live on in its copy beside the log,
        # and what was written after the truncation is in the log kept aside.
        rotated = _rotated_copy(log, meta.get("log_head"))
    carried: list[dict[str, Any]] = []
    lost: list[str] = []
    for found in (rotated, source):
        if found is not None:
            more, missed = _carry_over(data, found, absorbed)
            carried += more
            lost += missed
    source = rotated or source
    # Our own log, only cut short or an older copy (same first line): its history up to what
    # the task file absorbed stays in the new log, so `show` and `log` keep the audit trail.
    history: list[bytes] = []
    if source is not None and meta.get("log_head") == head_of(source):
        history = _history(source, absorbed)
    kept_as = f"原修改记录另存为 {aside.name}" if aside is not None else "原修改记录已不存在"
    if rotated is not None:
        kept_as += f"，并从轮转副本 {rotated.name} 读回"
    note = f"修改记录{problem}，已重建：任务文件已并入到第 {absorbed} 号修改；{kept_as}"
    start = event_record(new_event(absorbed + 1, ctx, "repair", note=note))
    start[LOG_ONLY] = True
    start[LOG_ID] = new_log_id()  # the new log's first line is unlike any other
    seq = absorbed + 1
    records = [start]
    for rec in carried:
        seq += 1
        records.append({**rec, "seq": seq})
    lines = history + [dump_json(r) for r in records]
    _replace_log(log, b"".join(line + b"\n" for line in lines))
    meta.update(last_seq=seq, events_offset=sum(len(line) + 1 for line in lines))
    meta["log_head"] = head_crc(lines[0])
    _write_task_file(path, data, meta)

    msg = f"已修复：{note}"
    if carried:
        msg += f"；其中尚未并入任务文件的 {len(carried)} 条修改已找回"
    msg += (
        f"。第 {absorbed} 号之后、修改记录被清空或截短以前保存的修改，"
        "如果不在原修改记录中，已无法找回"
    )
    if lost:
        named = "；".join(lost[:MAX_LISTED]) + (" 等" if len(lost) > MAX_LISTED else "")
        msg += f"；原修改记录中有 {len(lost)} 条修改与任务现状不符，没有补上：{named}"
    return RepairResult(
        True,
        msg + "。",
        str(aside) if aside else None,
        recovered=len(carried),
        not_recovered=lost,
    )


def _rotated_copy(log: Path, head: object) -> Path | None:
    """The copy logrotate left beside `log` (`.1`, `-20201215` …) that begins as the task file
    says the log does; compressed copies (`.gz`) are not read: gunzip them first."""
    if not isinstance(head, int):
        return None
    found = [
        p
        for p in log.parent.glob(f"{glob_escape(log.name)}[.-]*")
        if p.name[len(log.name) + 1 :].replace("-", "").isdigit()  # .1, .2, -20201215
        and p.is_file()
        and not p.is_symlink()
    ]
    # The newest copy first: it holds the most (copytruncate copies the whole log each time).
    for path in sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True):
        if head_of(path) == head:
            return path
    return None


def _history(log: Path, absorbed: int) -> list[bytes]:
    """The good lines of `log` numbered up to `absorbed`, in order (already in the task file)."""
    out: list[bytes] = []
    last = 0
    for _, line in iter_lines(log):
        rec = parse_line(line)
        if rec is not None and validate_event(rec) is None and last < rec["seq"] <= absorbed:
            out.append(line)
            last = rec["seq"]
    return out


def _carry_over(
    data: dict[str, Any], log: Path, absorbed: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Changes in the damaged `log` the task file has not absorbed: those that still apply.

    A change applies when the values it changed from are the task's values now — or those the
    task file held, which is what a writer saw when the log had been emptied under it (older
    zwgk then read no log at all). Each carried change is applied to `data`.
    """
    carried: list[dict[str, Any]] = []
    lost: list[str] = []
    tasks = data["tasks"]
    original = {k: dict(v) for k, v in tasks.items()}
    for _, line in iter_lines(log):
        rec = parse_line(line)
        if rec is None or validate_event(rec) is not None or rec["seq"] <= absorbed:
            continue
        if not replays(rec) or not rec.get("changes"):
            continue
        key = str(rec.get("task"))
        task = tasks.get(key)
        before = original.get(key)
        if task is not None and before is not None:
            changes = rec["changes"]
            if all(task.get(k) == old for k, (old, _) in changes.items()) or all(
                before.get(k) == old for k, (old, _) in changes.items()
            ):
                apply_event(task, rec)
                carried.append(rec)
                continue
        ev = Event.from_record(rec)
        lost.append(f"第 {ev.seq} 号 {ev.user} {ev.ts[:16].replace('T', ' ')} {describe_event(ev)}")
    return carried, lost


def _quarantine(ctx: Context, bad: list[tuple[int, int]]) -> RepairResult:
    """Move bad lines (and a torn tail) to the quarantine file; keep the good ones in order.

    Streamed: the log is read once and written once, never held in memory whole.
    """
    path = ctx.db_path
    log = events_path(path)
    state = load_database(path)  # every good change absorbed (bad ones are skipped on read)
    assert state is not None
    spans = set(bad)
    qpath = quarantine_path(path)
    first: bytes | None = None
    last = size = kept = moved = end = 0
    qfd = open_checked(qpath, os.O_WRONLY | os.O_APPEND | os.O_CREAT, "隔离文件")
    try:
        set_mode(qfd)
        with _new_log(log) as out:
            for at, line in iter_lines(log):
                end = at + len(line) + 1
                if (at, len(line) + 1) in spans:
                    _write_all(qfd, line + b"\n")
                    moved += 1
                    continue
                out.write(line + b"\n")
                size += len(line) + 1
                kept += 1
                first = line if first is None else first
                last = max(last, int((parse_line(line) or {}).get("seq", 0)))
            with open(log, "rb") as fh:  # an unterminated tail: kept aside too, not dropped
                fh.seek(end)
                tail = fh.read()
            if tail.strip(b"\n"):
                _write_all(qfd, tail.rstrip(b"\n") + b"\n")
                moved += 1
            os.fsync(qfd)
    finally:
        os.close(qfd)
    meta = meta_of(state)
    meta.update(last_seq=last or int(meta.get("last_seq", 0)), events_offset=size)
    if first is not None:
        meta["log_head"] = head_crc(first)
    else:
        meta.pop("log_head", None)
    _write_task_file(path, state, meta)
    return RepairResult(
        True,
        f"已修复：修改记录中 {moved} 行有问题的记录已移到 {shown(qpath)}（原样保存），"
        f"其余 {kept} 条保持原顺序；任务文件已重新整理。",
        quarantine=str(qpath),
        moved_lines=moved,
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _replace_log(log: Path, payload: bytes) -> None:
    """The log replaced atomically by `payload` (fsynced; the folder too)."""
    with _new_log(log) as out:
        out.write(payload)


@contextlib.contextmanager
def _new_log(log: Path) -> Iterator[BinaryIO]:
    """A temporary file that replaces the log (fsynced, atomically) when the block ends."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{log.name}.", suffix=".tmp", dir=log.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            set_mode(fh.fileno())
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, log)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(log.parent)


def _write_task_file(path: Path, data: dict[str, Any], meta: dict[str, Any]) -> None:
    meta.pop("crc", None)
    meta.pop("body", None)
    data["meta"]["1"] = meta
    problems = validate(data, limit=1)
    if problems:  # never write what would not load
        raise DatabaseError(f"修复后的数据库{problems[0]}，已取消，未改动任务文件。")
    atomic_write_bytes(path, dump_db(data), before_replace=keep_previous)
