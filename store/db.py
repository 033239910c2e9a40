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
pieces it is built from live beside it: `validation` (the schema and record checks),
`snapshot` (`Snapshot` and the table-shaped data it is built from), `eventlog` (stamping,
cleaning and replaying logged events) and `transaction` (`Transaction`, the write path). Every
name other code imports from `store.db` is still importable from here (`__all__`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from . import storage
from .context import Context
from .errors import DatabaseError, InputError
from .eventlog import (
    LOG_ONLY,
    NO_CHANGE_ACTIONS,
    _roll_forward,
    apply_event,
    clean_event,
    now_iso,
    replays,
)
from .model import DONE, STATUSES, Event, parse_status
from .snapshot import Snapshot, _meta, _snapshot_of, _tables_of
from .textutil import sanitize
from .transaction import CHECKPOINT_BYTES, Transaction
from .validation import (
    _UNIT_LISTS,
    SCHEMA,
    TABLES,
    _is_int,
    corrupt_error,
    task_problem,
    validate,
)

# Everything other modules, tests and benches import from here, wherever it now lives.
__all__ = [
    "CHECKPOINT_BYTES",
    "LOG_ONLY",
    "NO_CHANGE_ACTIONS",
    "NOTE_LIMIT",
    "SCHEMA",
    "TABLES",
    "_UNIT_LISTS",
    "Snapshot",
    "Store",
    "Transaction",
    "_is_int",
    "_meta",
    "_roll_forward",
    "_snapshot_of",
    "_tables_of",
    "apply_event",
    "clean_event",
    "clean_note",
    "corrupt_error",
    "now_iso",
    "replays",
    "task_problem",
    "validate",
]

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
        shown = storage.shown(self.path)
        if self.path.is_symlink():
            raise DatabaseError(f"数据库路径 {shown} 是一个符号链接，为安全起见拒绝使用。")
        if self.path.is_dir():
            raise DatabaseError(f"数据库路径 {shown} 是一个目录，请指定一个文件。")
        if self.path.exists() and not self.path.is_file():
            raise DatabaseError(f"数据库路径 {shown} 不是普通文件。")

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def events_path(self) -> Any:
        return storage.events_path(self.path)

    def signature(self) -> tuple[int, int, int]:
        """Changes whenever another process writes: for live reload polling."""
        sig: list[int] = []
        for p in (self.path, storage.events_path(self.path)):
            try:
                st = os.stat(p)
                sig += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                sig += [0, 0]
        return (sig[0], sig[1], sig[3])

    # -- reading -------------------------------------------------------------------------
    def _load_raw(self, raw: bytes | None = None) -> dict[str, Any] | None:
        """The whole database, validated and rolled forward; None when it does not exist."""
        try:
            if raw is None:
                raw = storage.read_bytes(self.path)
            if raw is None:
                return None
            data = storage.parse_json(self.path, raw)
        except storage.CorruptDatabase as exc:
            raise corrupt_error(self.path, exc.problem) from None
        if not storage.verified(raw):  # hand-edited, older layout, or damaged: check it all
            problems = validate(data, limit=1)
            if problems:
                raise corrupt_error(self.path, f"未通过检查（{problems[0]}）")
        data = _tables_of(data)
        meta = _meta(data)
        offset = int(meta.get("events_offset", 0))
        events, end = storage.read_events(storage.events_path(self.path), offset)
        if events:
            _roll_forward(data, events, end)
        return data

    def _read(self) -> tuple[bytes | None, storage.FileView | None]:
        """The file's bytes (None: no file) and, when its CRC verifies, a view of its lines."""
        raw = storage.read_bytes(self.path)
        return raw, storage.FileView.of(raw) if raw is not None else None

    def _missing(self) -> None:
        """A database that vanished while its backups remain is not silently re-created."""
        from . import backup

        good = backup.newest_good(self.path)
        if good is not None:
            raise DatabaseError(
                f"数据库 {storage.shown(self.path)} 不存在，但备份目录中有 "
                f"{storage.shown(good.path)}（{good.when}）：请用 zwgk doctor --restore 恢复，"
                f"或先移走 {storage.shown(backup.backup_dir(self.path))} 再新建。"
            )

    def snapshot(self) -> Snapshot:
        """The database as it is now (seeding it first if it does not exist yet)."""
        sig = self.signature()
        data = self._load_raw()
        if data is None:
            if not self.seed:
                return _snapshot_of(_tables_of(None))
            self.ensure_seeded()
            sig = self.signature()
            data = self._load_raw()
        return _snapshot_of(data or _tables_of(None), sig)

    def events(self, task: int | None = None, *, user: str | None = None) -> list[Event]:
        """The audit trail, oldest first; `task`/`user` filter it (cheaply, before parsing)."""
        needle = None
        if task is not None:
            needle = f'"task":{int(task)},'.encode()
        elif user is not None:
            needle = storage.dump_json({"user": user})[1:-1]
        raw, _ = storage.read_events(storage.events_path(self.path), 0, contains=needle)
        out = []
        for rec in raw:
            if task is not None and rec.get("task") != task:
                continue
            if user is not None and rec.get("user") != user:
                continue
            try:
                out.append(Event.from_record(rec))
            except TypeError:
                continue
        return out

    def last_events(self, n: int) -> list[Event]:
        """The newest `n` events, oldest first, read from the end of the log."""
        out: list[Event] = []
        for rec in storage.iter_events_backwards(storage.events_path(self.path)):
            if len(out) >= n:
                break
            with contextlib.suppress(TypeError):
                out.append(Event.from_record(rec))
        return out[::-1]

    # -- permissions ---------------------------------------------------------------------
    def policy(self) -> Any:
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
            raw, view = self._read()
            if view is not None:
                rec = view.task(task_id) if task_id is not None else None
                units = view.table("units")
            else:
                data = self._load_raw(raw) or _tables_of(None)
                rec = data["tasks"].get(str(task_id)) if task_id is not None else None
                units = data.get("units", {})
        if task_id is not None and rec is None:
            return f"没有编号为 {task_id} 的任务。"
        return policy.refusal(self.ctx.user, action, rec, units)

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, read fresh, yield, then commit atomically (nothing is written on error)."""
        self._check_path()
        with storage.locked(self.path):
            raw, view = self._read()
            if view is not None:
                txn = Transaction(self, view=view)
                yield txn
                txn.commit()
                return
            data = self._load_raw(raw) if raw is not None else None
            if data is None:
                self._missing()
                data = _tables_of(None)
                data["meta"]["1"] = self._fresh_meta()
                txn = Transaction(self, data)
                if self.seed:
                    self._seed_into(txn)
            else:
                txn = Transaction(self, data)
            yield txn
            txn.commit()

    def _checkpoint(self) -> None:
        """Rewrite the task file with every logged change absorbed. Call holding the lock."""
        data = self._load_raw()
        if data is None:
            return
        txn = Transaction(self, data)
        txn.meta["events_offset"] = _meta(data).get("events_offset", 0)
        txn.commit_full()

    def checkpoint(self) -> None:
        """Absorb the event log into the task file now (normally automatic)."""
        with storage.locked(self.path):
            self._checkpoint()

    def _fresh_meta(self) -> dict[str, Any]:
        """Meta for a new database: carry on the seq of an event log that already exists."""
        last = 0
        for rec in storage.iter_events_backwards(storage.events_path(self.path)):
            if _is_int(rec.get("seq")):
                last = rec["seq"]
                break
        try:
            offset = os.path.getsize(storage.events_path(self.path))
        except OSError:
            offset = 0
        return {"schema": SCHEMA, "last_seq": last, "events_offset": offset}

    def ensure_seeded(self) -> None:
        if self.exists() or not self.seed:
            return
        with self.transaction():
            pass  # transaction() seeds a missing database

    def _seed_into(self, txn: Transaction) -> None:
        from .importing import import_into, parse_file
        from .seed import seed_path

        parsed = parse_file(seed_path())
        import_into(txn, parsed, year=None, quiet=True)

    # -- the changes people make -----------------------------------------------------------
    def set_status(self, task_id: int, status: str, note: str = "") -> Event:
        canonical = parse_status(status) if isinstance(status, str) else None
        if canonical is None:
            raise InputError(
                f"状态“{sanitize(str(status), keep_newlines=False)}”无效，"
                f"应为 {'、'.join(STATUSES)}（或 todo/doing/blocked/done）。"
            )
        note = clean_note(note)
        with self.transaction() as txn:
            txn.require(task_id, "status")
            changes: dict[str, Any] = {"status": canonical}
            if note:
                changes["note"] = note
            if canonical != DONE:  # a re-opened task loses its sign-off
                changes["confirmed_by"] = None
                changes["confirmed_at"] = None
            return txn.change(task_id, changes, action="status", note=note)

    def add_note(self, task_id: int, note: str) -> Event:
        note = clean_note(note)
        if not note:
            raise InputError("备注内容为空，未做修改。")
        with self.transaction() as txn:
            txn.require(task_id, "note")
            return txn.change(task_id, {"note": note}, action="note", note=note)

    def undo(self) -> Event:
        """Append a compensating event for this user's newest change that is not undone yet.

        The log is read backwards from its end, so this costs the same with a long history.
        """
        user = sanitize(self.ctx.user, keep_newlines=False)
        with self.transaction() as txn:
            undone: set[Any] = set()
            for ev in storage.iter_events_backwards(storage.events_path(self.path)):
                if ev.get("action") == "undo":
                    undone.add(ev.get("undoes"))
                    continue
                if (
                    ev.get("user") == user
                    and ev.get("task") is not None
                    and ev.get("action") not in NO_CHANGE_ACTIONS
                    and ev.get("seq") not in undone
                    and isinstance(ev.get("changes"), dict)
                    and ev["changes"]
                ):
                    task_id = int(ev["task"])
                    kind = ev.get("action") if ev.get("action") in ("note", "confirm") else "status"
                    txn.require(task_id, kind)
                    back = {
                        k: pair[0]
                        for k, pair in ev["changes"].items()
                        if isinstance(pair, list) and len(pair) == 2
                    }
                    return txn.change(task_id, back, action="undo", note="", undoes=ev.get("seq"))
        raise InputError(f"{user} 没有可以撤销的修改。")


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
