"""The one access layer for the database: every read and write of a plan goes through `Store`.

Reads take a snapshot of the file (safe without the lock, since writes are atomic renames) and
roll forward the logged events the task file does not reflect yet. Writes run in
`transaction()`: lock, fresh read, change, append events. Nothing is cached between calls, so
several processes on one server always act on what is on disk.

A status change or note is committed by one fsynced append to the event log (the write-ahead
log); it reads only its own task's line from the task file. The task file itself is rewritten
(atomically, with a backup of the old version) by imports and by a checkpoint once enough log
has accumulated, so a change at 10,000 tasks does not rewrite 10,000 tasks.

Every load is validated: a file whose CRC shows it is exactly what zwgk wrote was validated
before it was written; any other file is checked record by record (`validate`). A database
that does not parse or does not validate is never written; the error names the file and the
newest good backup. A transaction validates what it is about to write, so no code path can
save a database that would not load again.

This module holds `Store` (and `clean_note`, the check on what people type as a note). The
pieces it is built from live beside it, each importing only modules listed above it:

    validation   the schema and record checks
    snapshot     `Snapshot` and the table-shaped data it is built from
    files        names and modes of the files beside the database, one checked open
    codec        JSON as written to disk, one line read back
    lock         the exclusive lock (`locked`)
    dbfile       the task file: layout, CRC, `FileView`, atomic replace
    vouch        whether the read snapshot vouches for the task file (its CRC checked)
    eventfile    the event log on disk: append, read, read backwards
    eventlog     what a logged event is: made, validated, cleaned, replayed
    logcheck     whether the log is the one the task file expects (checked before any write)
    backup       rotating backups beside the database
    loading      the read path: read, check, roll forward
    tinystorage  TinyDB's storage for one transaction (whole-file writes only)
    transaction  `Transaction`, the write path
    seed         how a missing database begins
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .codec import dump_json, parse_line
from .context import Context
from .errors import DatabaseError, InputError
from .eventfile import iter_events_backwards, iter_lines, iter_lines_backwards
from .eventlog import LOG_ONLY, NO_CHANGE_ACTIONS, validate_event
from .files import events_path, shown
from .model import DONE, PART_PREFIX, Event, record_field, require_status
from .snapshot import Snapshot, snapshot_of, tables_of
from .textutil import sanitize

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .describe import Label
    from .permissions import Policy
    from .transaction import CHECKPOINT_BYTES, Transaction

# The public names the app and the CLI import from here.
__all__ = ["CHECKPOINT_BYTES", "NOTE_LIMIT", "Snapshot", "Store", "Transaction", "clean_note"]


def __getattr__(name: str) -> Any:
    """`CHECKPOINT_BYTES` and `Transaction`, imported from here as ever: the write path
    (transaction, lock, loading, seed) is loaded when first used, so a command answered from
    the read snapshot (`zwgk show`'s history, `zwgk units`) never loads it."""
    if name in ("CHECKPOINT_BYTES", "Transaction"):
        from . import transaction

        return getattr(transaction, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


NOTE_LIMIT = 2000  # characters: a progress note, not an essay


class Store:
    """The database at `ctx.db_path`, its event log beside it, seeded with the bundled plan."""

    def __init__(self, ctx: Context, *, seed: bool = True) -> None:
        self.ctx = ctx
        self.path = ctx.db_path
        self.seed = seed
        self._check_path()

    # -- paths and existence -------------------------------------------------------------
    def _check_path(self) -> None:
        check_path(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def events_path(self) -> Path:
        return events_path(self.path)

    def signature(self) -> tuple[int, int, int]:
        """Changes whenever another process writes: for live reload polling."""
        sig: list[int] = []
        for p in (self.path, self.events_path):
            try:
                st = os.stat(p)
                sig += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                sig += [0, 0]
        return (sig[0], sig[1], sig[3])

    # -- reading -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The database as it is now (seeding it first if it does not exist yet)."""
        from .loading import load_database
        from .snaprows import no_gc

        sig = self.signature()
        with no_gc():  # 100,000 records and tasks: the collector would walk them over and over
            data = load_database(self.path)
        if data is None:
            if not self.seed:
                return snapshot_of(tables_of(None))
            self.ensure_seeded()
            sig = self.signature()
            data = load_database(self.path)
        with no_gc():
            return snapshot_of(data or tables_of(None), sig)

    def events(self, task: int | None = None, *, user: str | None = None) -> list[Event]:
        """The audit trail, oldest first; `task`/`user` filter it (cheaply, before parsing).

        The log is streamed: memory holds the events kept, never the whole file. Records
        that fail `validate_event` are left out (`zwgk doctor` reports them).
        """
        needle = None
        if task is not None:
            needle = f'"task":{int(task)},'.encode()
        elif user is not None:
            needle = dump_json({"user": user})[1:-1]
        out = []
        for _, line in iter_lines(self.events_path, 0, contains=needle):
            rec = parse_line(line)
            if rec is None or validate_event(rec) is not None:
                continue
            if task is not None and rec.get("task") != task:
                continue
            if user is not None and rec.get("user") != user:
                continue
            out.append(Event.from_record(rec))
        return out

    def last_events(self, n: int) -> list[Event]:
        """The newest `n` events, oldest first, read from the end of the log."""
        out: list[Event] = []
        for rec in iter_events_backwards(self.events_path):
            if len(out) >= n:
                break
            if validate_event(rec) is None:
                out.append(Event.from_record(rec))
        return out[::-1]

    # -- permissions ---------------------------------------------------------------------
    def policy(self) -> Policy:
        """The permission rules in force (see `permissions.py`); unconfigured: all allowed."""
        from .permissions import load_policy

        return load_policy(self.path)

    def may(self, task_id: int | None, action: str, snapshot: Snapshot | None = None) -> str | None:
        """None if this user may do `action` on the task, else the Chinese reason. No lock, no
        log: for greying out keys in the TUI (pass the snapshot it already holds to avoid a
        read). The real check is `Transaction.require`, called by every change."""
        policy = self.policy()
        if not policy.configured:
            return None
        if snapshot is not None:
            task = snapshot.tasks.get(task_id) if task_id is not None else None
            rec = task.to_record() if task is not None else None
            units = {str(i): u.to_record() for i, u in enumerate(snapshot.units.values(), 1)}
        else:
            from .loading import load_database, read_file

            raw, view = read_file(self.path)
            if view is not None:
                rec = view.task(task_id) if task_id is not None else None
                units = view.table("units")
            else:
                data = load_database(self.path, raw) or tables_of(None)
                rec = data["tasks"].get(str(task_id)) if task_id is not None else None
                units = data.get("units", {})
        if task_id is not None and rec is None:
            return f"没有编号为 {task_id} 的任务。"
        return policy.refusal(self.ctx.user, action, rec, units)

    def quick_number(self, number: int) -> int | None:
        """The record id of task `number` when that is certain from one line of a CRC-checked
        file: one plan in the database, and the record at that id carries that number (how a
        first plan is stored). None: look it up in a snapshot (`plans.resolve`). This keeps
        `zwgk mark 7` from reading every task."""
        found = self.quick_task(number)
        return None if found is None else found[0]

    def quick_task(self, number: int) -> tuple[int, Label] | None:
        """`quick_number`, and how the active plans name that task (`snapshot().label_of`,
        worked out from the same lines): a change says what it changed without a snapshot."""
        from .dbfile import FileChanged
        from .loading import read_file
        from .vouch import verified_identity

        _, view = read_file(self.path, verified_identity(self.path))
        if view is None:
            return None
        try:
            plans = view.table("plans")
            rec = view.task(number) if len(plans) == 1 else None
        except FileChanged:  # the ordinary read will say what became of it
            return None
        finally:
            view.close()
        if rec is None or rec.get("num") not in (None, number):  # no number of its own: its id
            return None
        one = tables_of({"plans": plans, "tasks": {str(number): rec}})
        return number, snapshot_of(one).only().label_of

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, read fresh, yield, then commit atomically (nothing is written on error)."""
        from .lock import locked
        from .plans import migrate_plans

        self._check_path()
        with locked(self.path):
            txn = self._open_locked()
            try:
                migrate_plans(txn)
                yield txn
                txn.commit()
            finally:
                txn.close()

    def _open_locked(self) -> Transaction:
        """A transaction on what is on disk now; a missing database is created (and seeded)."""
        from .loading import load_database, read_file
        from .transaction import Transaction
        from .vouch import verified_identity

        raw, view = read_file(self.path, verified_identity(self.path))
        if view is not None:  # verified: read lines on demand, never parse the whole file
            return Transaction(self.path, self.ctx, self.policy, view=view)
        data = load_database(self.path, raw) if raw is not None else None
        if data is not None:
            return Transaction(self.path, self.ctx, self.policy, data=data)
        from . import seed as seeding  # only a missing database gets here

        seeding.refuse_if_backups_remain(self.path)
        txn = Transaction(self.path, self.ctx, self.policy, data=seeding.empty_database(self.path))
        if self.seed:
            seeding.plant(txn)
        return txn

    def checkpoint(self) -> None:
        """Absorb the event log into the task file now (normally automatic)."""
        from .lock import locked
        from .transaction import checkpoint

        with locked(self.path):
            checkpoint(self.path, self.ctx)

    def ensure_seeded(self) -> None:
        if self.exists() or not self.seed:
            return
        with self.transaction():
            pass  # opening a missing database creates and seeds it

    # -- the changes people make -----------------------------------------------------------
    def set_status(
        self,
        task_id: int,
        status: str,
        note: str = "",
        *,
        unit: str | None = None,
        own_part: bool = False,
    ) -> Event:
        """Set a task's status, or that of one unit's part of it (store/parts.py): `unit`
        (a name, alias or pinyin of the directory), or with `own_part` the acting user's own
        unit when the directory gives their login exactly one unit responsible for the task.
        Otherwise the whole task, as without a directory."""
        canonical = require_status(status if isinstance(status, str) else str(status))
        note = clean_note(note)
        with self.transaction() as txn:
            if unit is not None or own_part:
                from .parts import own_unit, resolve_part_unit

                directory = txn.directory()
                if unit is not None:
                    unit = resolve_part_unit(directory, unit)
                else:
                    unit = own_unit(txn.task(task_id), directory, self.ctx.user)
            txn.require(task_id, "status", unit=unit)
            if unit is not None:
                return self._set_part(txn, task_id, unit, canonical, note)
            changes: dict[str, Any] = {"status": canonical}
            if note:
                changes["note"] = note
            if canonical != DONE:  # a re-opened task loses its sign-off
                changes["confirmed_by"] = None
                changes["confirmed_at"] = None
            return txn.change(task_id, changes, action="status", note=note)

    def _set_part(self, txn: Transaction, task_id: int, unit: str, status: str, note: str) -> Event:
        from .eventlog import now_iso
        from .parts import part_changes

        rec = txn.task_record(task_id)
        old = (rec.get("parts") or {}).get(unit) or {}
        part = {**old, "status": status, "updated_at": now_iso(), "updated_by": self.ctx.user}
        if note:
            part["note"] = note
        changes = part_changes(rec, txn.directory(), unit, part)
        return txn.change(task_id, changes, action="status", note=note, unit=unit)

    def add_note(self, task_id: int, note: str) -> Event:
        note = clean_note(note)
        if not note:
            raise InputError("备注内容为空，未做修改。")
        with self.transaction() as txn:
            txn.require(task_id, "note")
            return txn.change(task_id, {"note": note}, action="note", note=note)

    def undo(self) -> Event:
        """Append a compensating event for this user's newest change that is not undone yet.

        The log is read backwards from its end, and only lines naming this user are parsed, so
        this costs little however long the history. Refused (nothing written) when a field it
        would restore no longer holds the value that change set: a colleague changed it since,
        and undoing would silently overwrite their change. A colleague's newer note is the one
        exception: it is kept, and the rest of the change is undone.
        """
        user = sanitize(self.ctx.user, keep_newlines=False)
        needle = dump_json({"user": user})[1:-1]
        with self.transaction() as txn:
            undone: set[Any] = set()
            for at, line in iter_lines_backwards(self.events_path, contains=needle):
                ev = parse_line(line)
                if ev is None or ev.get("user") != user or validate_event(ev) is not None:
                    continue
                if ev["action"] == "undo":
                    undone.add(ev.get("undoes"))
                    continue
                if (
                    ev.get("task") is None
                    or ev["action"] in NO_CHANGE_ACTIONS
                    or ev.get(LOG_ONLY)
                    or ev["seq"] in undone
                    or not ev.get("changes")
                ):
                    continue
                task_id = ev["task"]
                kind = ev["action"] if ev["action"] in ("note", "confirm") else "status"
                unit = ev.get("unit") if isinstance(ev.get("unit"), str) else None
                txn.require(task_id, kind, unit=unit)
                current = txn.task_record(task_id)
                changed = [
                    k
                    for k, (_, new) in ev["changes"].items()
                    if record_field(current, k) != new
                    and not (unit and k == "status")  # a part's task status is derived
                ]
                back = {k: pair[0] for k, pair in ev["changes"].items() if k not in changed}
                # A newer note by someone else is simply kept (the status is still undone);
                # any other field changed since, or nothing left to undo: refuse.
                if [k for k in changed if k != "note"] or not back:
                    raise InputError(self._undo_conflict(ev, at, changed, current))
                if unit and PART_PREFIX + unit in back:
                    # A part comes back; the task's status follows the parts as they are now
                    # (other units may have moved since), not as they were then.
                    from .parts import part_changes

                    back = part_changes(current, txn.directory(), unit, back[PART_PREFIX + unit])
                return txn.change(
                    task_id, back, action="undo", note="", undoes=ev["seq"], unit=unit
                )
        raise InputError(f"{user} 没有可以撤销的修改。")

    def _undo_conflict(
        self, ev: dict[str, Any], at: int, fields: list[str], current: dict[str, Any]
    ) -> str:
        """Why undoing `ev` (logged at byte `at`) would overwrite a later change: who, when."""
        from .describe import FIELD_NAMES

        task_id = ev["task"]
        name = next((f for f in fields if f != "note"), fields[0])
        label = FIELD_NAMES.get(name, name)
        by = ""
        needle = f'"task":{task_id},'.encode()
        for pos, line in iter_lines_backwards(self.events_path, contains=needle):
            if pos <= at:
                break
            later = parse_line(line)
            if (
                later is not None
                and later.get("task") == task_id
                and validate_event(later) is None
                and name in (later.get("changes") or {})
            ):
                when = str(later["ts"]).replace("T", " ")[:16]
                by = f"已被 {sanitize(later['user'], keep_newlines=False)} 于 {when} "
                break
        value = sanitize(str(current.get(name) or "空"), keep_newlines=False)
        if len(value) > 30:
            value = value[:30] + "…"
        return (
            f"不能撤销第 {ev['seq']} 号修改（#{task_id}）：{label}在那之后{by or '已被'}改为“{value}”，"
            f"撤销会覆盖这次修改；如需改动请直接修改任务 #{task_id}。未做任何修改。"
        )


def check_path(path: Path) -> None:
    """Refuse, in one sentence, a database path that is a symlink, a folder, not a regular
    file, or in a folder we may not enter (a missing file is fine: it is seeded)."""
    where = shown(path)
    try:
        if path.is_symlink():
            raise DatabaseError(f"数据库路径 {where} 是一个符号链接，为安全起见拒绝使用。")
        if path.is_dir():
            raise DatabaseError(f"数据库路径 {where} 是一个目录，请指定一个文件。")
        if path.exists() and not path.is_file():
            raise DatabaseError(f"数据库路径 {where} 不是普通文件。")
    except PermissionError:
        raise DatabaseError(
            f"无法访问数据库 {where}：没有权限（请检查它所在的目录，或联系管理员）。"
        ) from None


def clean_note(note: str) -> str:
    """A note as stored: escape sequences dropped; NUL, broken UTF-8, over-long: refused."""
    note = note or ""
    if not isinstance(note, str):
        raise InputError("备注必须是文字，未做修改。")
    if "\x00" in note:
        raise InputError("备注中含有空字符（NUL），未做修改。")
    if any("\ud800" <= ch <= "\udfff" for ch in note):
        raise InputError("备注中含有无效的 UTF-8 字节，请检查终端编码（应为 UTF-8），未做修改。")
    if len(note) > NOTE_LIMIT * 4:  # do not even scan a megabyte of text
        raise InputError(f"备注过长（{len(note)} 字），请控制在 {NOTE_LIMIT} 字以内。")
    note = sanitize(note).strip()
    if len(note) > NOTE_LIMIT:
        raise InputError(f"备注过长（{len(note)} 字），请控制在 {NOTE_LIMIT} 字以内。")
    return note
